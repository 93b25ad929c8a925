"""Who may see what: organisations, users, roles, sharing agreements, pseudonymised views
and the hash-chained audit trail (DESIGN.md, casework-anchors §5.1, §6)."""

from sara.store import schema_access as _schema_access  # noqa: F401  (registers the access tables)
