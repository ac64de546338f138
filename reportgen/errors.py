"""Typed errors. Library code raises these; only the CLI turns them into messages."""

from __future__ import annotations

from pathlib import Path


class ReportgenError(Exception):
    """A problem the user can fix: where it is, what is wrong, how to fix it."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            where += ": "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class InputError(ReportgenError):
    """Bad data, catalogue, layout, theme or narrative."""


class BuildError(ReportgenError):
    """The PDF could not be produced."""


class DeliveryError(ReportgenError):
    """Archiving, packing, verifying or sending failed."""
