"""``python -m reportgen`` and the installed ``reportgen`` script (``main``): the command
line, ``reportgen.cli.run``.

Ctrl-C while Python imports the command line ends the process at once with its one
line (``stops.exit_on_ctrl_c``, set before that import: nothing has been written yet),
never a KeyboardInterrupt traceback from inside an import. This module imports nothing
heavy, and importing it sets no handler.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def main() -> NoReturn:
    try:
        from reportgen.stops import exit_on_ctrl_c

        exit_on_ctrl_c()
    except KeyboardInterrupt:  # Ctrl-C came first, raised by Python's own handler
        import os

        try:
            os.write(2, b"reportgen: interrupted; nothing was left half-written\n")
        finally:
            os._exit(130)
    from reportgen.cli import run

    run()


if __name__ == "__main__":
    main()
