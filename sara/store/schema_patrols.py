"""Tables of the casework issue: operations and patrols (filled in by its module's author)."""
