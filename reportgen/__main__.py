"""``python -m reportgen``: the same command as the installed ``reportgen`` script."""

import sys

from reportgen.cli import main

if __name__ == "__main__":
    sys.exit(main())
