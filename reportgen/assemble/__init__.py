"""Assemble: flowables + charts -> the edition PDF (pages, contents, outline, labels)."""
