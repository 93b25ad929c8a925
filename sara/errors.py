"""The errors every layer raises and every face maps: the CLI to one line and exit code 1,
the web app to 404, 403 (401 for a failed sign-in), 409, 422 and 429.

A message is one line, safe to show to the person who caused it: it says what is wrong and
what would put it right, and never what a refusal protects (no names, no fields of a record
the user may not see). The core speaks in fields, not in a face's words: ``Invalid`` names
the ``field`` at fault, and each face words it (the CLI as its option, ``--statement``; a
page beside its input).
"""

from __future__ import annotations


class SaraError(Exception):
    """A refusal or a mistake in the input that the user can act on."""


class NotFound(SaraError):
    """The thing named (a record, an area, a user, a plan) does not exist, or is not visible."""


class Forbidden(SaraError):
    """The actor may not do this; the message says what role or agreement would allow it."""


class Unauthenticated(Forbidden):
    """Who is acting could not be established: a wrong password or token, a locked account."""


class Conflict(SaraError):
    """The request collides with what is stored: a duplicate, or a record changed meanwhile."""


class TooMany(SaraError):
    """Too many requests of one kind from one place in a short time (a rate limit): wait."""


class Invalid(SaraError, ValueError):
    """Input that breaks a rule. ``field`` names the input at fault (None when the request
    as a whole is wrong), ``fix`` says what would put it right; ``str()`` gives both."""

    def __init__(self, why: str, *, field: str | None = None, fix: str | None = None) -> None:
        self.why, self.field, self.fix = why, field, fix
        super().__init__(f"{why}: {fix}" if fix else why)


class DatabaseError(Exception):
    """The database cannot be reached or is not ready (not the user's input: a face maps it
    to 503); the message is one line for the user."""
