"""A child for ``start_child``: it answers with its garbage collector's thresholds."""

from __future__ import annotations

import gc
import sys


def serve() -> None:
    sys.stdout.write(repr(gc.get_threshold()))
    sys.stdout.flush()
