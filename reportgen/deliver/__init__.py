"""Deliver: archive each edition write-once, join the board pack, email it."""
