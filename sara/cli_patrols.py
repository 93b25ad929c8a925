"""Placeholder: the patrols commands (filled in by its module's author)."""
