"""Tables of asset mapping (issue 13, part 1): the organisations and services working in an
area: what each provides, to whom, where, when, contact and funding; gaps beside open problems.

Clear, Hold, Build (College of Policing, 2023), build phase: asset mapping looked at "what
these organisations provided, to which demographics and communities, and where in the area
they were based", which "enabled the identification of gaps in provision".

``asset_service`` is one service (``reference`` AST-YYYY-NNNN), kept by the partner
organisation that recorded it (``organisation_id``: only it changes the record) and run by a
``provider`` (that organisation, or a community group, club or charity not on SARA). What it
provides is a JSON list of kinds of provision (keys of ``sara/casework/data/asset-kinds.toml``);
to whom, JSON lists of age groups (empty: all ages), communities and needs; where, an address
with a point (WGS84 ``lon``/``lat``) and/or the loaded areas it serves (JSON ``[[kind, code],
...]``); when, days and times as text (``opening``); a service contact (phone, email,
website: the service's, never a person's own); the funding source; and ``ended_on`` for a
service that has stopped. No personal data is held here. Times are UTC without zone.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class AssetService(Base):
    """A service working in an area, recorded and kept up to date by one partner organisation."""

    __tablename__ = "asset_service"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # AST-2026-0001
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    kinds: Mapped[str] = mapped_column(Text)  # JSON list of kind keys
    age_groups: Mapped[str] = mapped_column(Text)  # JSON list of age group keys; [] = all ages
    communities: Mapped[str] = mapped_column(Text)  # JSON list of text
    needs: Mapped[str] = mapped_column(Text)  # JSON list of text
    address: Mapped[str | None] = mapped_column(String(300))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    areas: Mapped[str] = mapped_column(Text)  # JSON list of [area kind, area code]
    opening: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(300))
    funding: Mapped[str | None] = mapped_column(String(300))
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    version: Mapped[int] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("organisation_id", "name", name="uq_asset_service_org_name"),)
