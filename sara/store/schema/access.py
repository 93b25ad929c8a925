"""The access tables: organisations, users, sharing agreements and the audit trail.

They live on the same ``Base`` as the rest of the schema; importing this module registers
them on ``Base.metadata`` (``sara.store.schema`` imports it at its end).

``audit_event`` is append-only and hash-chained: each row's ``hash`` is HMAC-SHA-256, under a
key kept outside the database (``sara.store.auditkey``), over the canonical JSON of the row
(``prev_hash`` included), so a change to any row, a deleted row or a re-ordered row breaks the
chain, and nobody without the key can recompute it. Triggers refuse UPDATE and DELETE of its
rows (migration 0008). ``audit_head`` holds the newest sequence number and hash: appenders
lock its single row, which serialises them (no fork), and a deleted tail shows.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base

agreement_party = Table(
    "agreement_party",
    Base.metadata,
    Column("agreement_id", ForeignKey("sharing_agreement.id"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id"), primary_key=True),
    Column("accepted_at", DateTime),  # UTC; null until the party's administrator or lead accepts
    Column("accepted_by", Integer),  # the user who accepted
)


class Organisation(Base):
    """A partner: police force, council, housing provider, health body, fire, probation,
    youth justice service or charity."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(30))  # sara.access.roles.ORG_TYPES
    # The host runs the deployment: its administrators add organisations and each one's first administrator.
    is_host: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class User(Base):
    """A person who signs in, in one organisation, with one role."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))  # sara.access.roles.ROLES
    password_hash: Mapped[str] = mapped_column(Text)  # argon2; empty until the user sets one with their one-time code
    activation_hash: Mapped[str | None] = mapped_column(Text)  # SHA-256 of the one-time code
    activation_expires: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class SharingAgreement(Base):
    """An information sharing agreement between its parties: for a purpose, over some data
    categories, at one scope (existence | summary | full), live from ``valid_from`` until
    ``valid_to`` (UTC; open-ended when null)."""

    __tablename__ = "sharing_agreement"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    purpose: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(20))
    categories: Mapped[str] = mapped_column(Text)  # JSON list of sara.access.roles.CATEGORIES
    valid_from: Mapped[dt.datetime] = mapped_column(DateTime)
    valid_to: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # ended by a party: access ends at once
    ended_by: Mapped[int | None] = mapped_column(Integer)


class ApiToken(Base):
    """A personal API token: created and revoked by its user, stored as the SHA-256 of the
    token (the token is 256 random bits, shown once), so the database cannot give it back."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditEvent(Base):
    """One read, change, export or disclosure of personal data, or one login: who (user and
    organisation), whose data (``owner_org_id``), what, why (``purpose``) and when (UTC)."""

    __tablename__ = "audit_event"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_username: Mapped[str | None] = mapped_column(String(100))
    actor_org_id: Mapped[int | None] = mapped_column(Integer)
    owner_org_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (
        Index("ix_audit_event_actor_org", "actor_org_id"),
        Index("ix_audit_event_owner_org", "owner_org_id"),
    )


class AuditHead(Base):
    """The single row (id 1) holding the newest audit sequence number and hash."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AccessSecret(Base):
    """Per-database secrets, e.g. ``pseudonym``: the HMAC key of partner-facing pseudonyms."""

    __tablename__ = "access_secret"
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)


class WebSession(Base):
    """A signed-in browser session, kept on the server so that an administrator can end it and
    several workers share it: the cookie holds 256 random bits, the row only their SHA-256.
    It ends after ``sara.access.sessions.IDLE`` without a request or ``ABSOLUTE`` in all."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))  # the synchroniser token every POST form carries
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    ended_by: Mapped[int | None] = mapped_column(Integer)  # the user who ended it (themself at sign-out, or an administrator)
    ended_why: Mapped[str | None] = mapped_column(String(30))  # signed out | revoked | user disabled
    purposes: Mapped[str] = mapped_column(Text, default="{}")  # JSON {record key: purpose}: asked once per session per record
    agent: Mapped[str | None] = mapped_column(String(200))  # the browser's User-Agent, for the sessions list


class RateLimit(Base):
    """Requests counted per key (e.g. sign-in attempts from one address) in fixed windows, in
    the database so that every worker counts the same."""

    __tablename__ = "rate_limit"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime)
    count: Mapped[int] = mapped_column(Integer)
