"""Render: the computed edition -> reportlab flowables and chart PDFs."""
