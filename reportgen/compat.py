"""The one place reportgen reaches past a library's public API, each with why and the
versions it was tested with (CI runs the suite on pyproject's lowest and newest).

- ``stored_stream_bytes``: pypdf has no public accessor for a stream's bytes as stored
  (still deflated); ``get_data()`` inflates them whole, so a small attachment of zeros
  could fill the memory before its size is known. ``StreamObject._data`` holds the
  stored bytes in pypdf 7.0 to 7.1 (tested: 7.0.0, 7.1.1).
"""

from __future__ import annotations

from typing import Any


def stored_stream_bytes(stream: Any) -> bytes:
    """The bytes of a pypdf ``StreamObject`` as stored in the file, not decoded."""
    data = stream._data
    if not isinstance(data, bytes):
        raise TypeError("a stream's stored data is not bytes")
    return data
