"""reportgen: the Monthly Performance Report, from monthly data to the board pack.

Stages, one package each, each handing a small typed value to the next:
``load`` (YAML/CSV -> validated models) -> ``compute`` (pandas -> table rows of
display strings) -> ``render`` (rows, charts, narrative -> reportlab flowables) ->
``assemble`` (the PDF) -> ``deliver`` (archive, board pack, email).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reportgen")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
