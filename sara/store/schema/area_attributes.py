"""Area attributes: a named value per area, kept beside the boundaries.

Clear, Hold, Build (College of Policing, 2023) chose its areas as the wards "with the highest
harm scores ... having high levels of deprivation"; a SOC local profile ranks wards with the
same facts. A partnership loads such facts per area from a CSV (``sara.intake.attributes``):
``name`` is the attribute (``deprivation``), ``measure`` the file's column it came from (an
IMD score, rank or decile), one value per area and measure. The loading file is the ``load``
row; a value's ``load_id`` is the load that last set it.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class AreaAttribute(Base):
    """One measure of a named attribute of one area (deprivation's IMD score of a ward, say)."""

    __tablename__ = "area_attribute"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))  # the attribute: deprivation
    measure: Mapped[str] = mapped_column(String(200))  # the column it came from: IMD score, rank, decile
    value: Mapped[float] = mapped_column(Float)
    load_id: Mapped[int] = mapped_column(ForeignKey("load.id"))
    __table_args__ = (UniqueConstraint("area_id", "name", "measure", name="uq_area_attribute"),)
