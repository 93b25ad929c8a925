"""Placeholder: the people commands (filled in by its module's author)."""
