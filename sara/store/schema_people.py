"""Tables of the casework issue: people and premises (filled in by its module's author)."""
