"""Compute: monthly data + catalogue + layout -> table rows of display strings."""
