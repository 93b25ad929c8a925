"""Tables of the casework issue: problems (filled in by its module's author)."""
