"""Who may see what: organisations, users, roles, sharing agreements, pseudonymised views
and the hash-chained audit trail (DESIGN.md, casework-anchors §5.1, §6)."""
