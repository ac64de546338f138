"""``python -m reportgen``: the same command as the installed ``reportgen`` script."""

from reportgen.cli import run

if __name__ == "__main__":
    run()
