"""Tables of the casework issue: powers (filled in by its module's author)."""
