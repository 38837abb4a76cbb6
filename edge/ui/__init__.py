"""Textual UI: a pure client of the core local API."""
