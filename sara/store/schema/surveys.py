"""Tables of surveys (issue 13, part 4): versioned questionnaires, responses by area with no
personal data unless consented, results with margins of error.

Clear, Hold, Build (College of Policing, 2023): "Officers knocked on doors doing surveys asking
questions about what the community wanted from the police"; the Calderdale Community Safety
Action Plan 2008-2011 measures its success by perception indicators (NI17 perceptions of
anti-social behaviour, NI21 dealing with local concerns by the council and police).

``survey_questionnaire`` is one version of one questionnaire (``key`` and ``version`` unique):
its questions and their answer scales as JSON (``definition``), the day it takes effect, and
whether it is SARA's example (``example``) or a partnership's own (``organisation_id``, null
for the bundled example). ``survey_response`` is one completed questionnaire: the version it
answered, the organisation whose officer recorded it, the day, an optional wave ("before the
clear phase"), the area as given (a ward, LSOA or district code, or a point) and the LSOA,
ward and district it lies in (a point itself is not kept: with the answers it would point at a
household), every answer (JSON, question key -> the option's number or the rating). It holds
no personal data. ``survey_contact`` holds the name and contact of a respondent who consented
to be contacted: personal data of the recording organisation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class SurveyQuestionnaire(Base):
    """One version of a questionnaire: its questions and answer scales (JSON), fixed once answered."""

    __tablename__ = "survey_questionnaire"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    version: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    example: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str | None] = mapped_column(Text)
    definition: Mapped[str] = mapped_column(Text)  # JSON {"questions": [...]}
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("key", "version", name="uq_survey_questionnaire_version"),)


class SurveyResponse(Base):
    """One completed questionnaire: when, where (its LSOA, ward and district), every answer; no personal data."""

    __tablename__ = "survey_response"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("survey_questionnaire.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    taken_on: Mapped[dt.date] = mapped_column(Date)
    wave: Mapped[str | None] = mapped_column(String(60))
    given_kind: Mapped[str] = mapped_column(String(20))  # lsoa | ward | district | point
    given_code: Mapped[str | None] = mapped_column(String(60))
    lsoa_code: Mapped[str | None] = mapped_column(String(60), index=True)
    ward_code: Mapped[str | None] = mapped_column(String(60), index=True)
    district_code: Mapped[str | None] = mapped_column(String(60))
    answers: Mapped[str] = mapped_column(Text)  # JSON {question key: option number or rating}
    entered_by: Mapped[str] = mapped_column(String(10))  # form | import | api | cli
    source_ref: Mapped[str | None] = mapped_column(String(100))  # the form's own id in an imported file
    recorded_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class SurveyContact(Base):
    """The name and contact of a respondent who agreed to be contacted (personal data)."""

    __tablename__ = "survey_contact"
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(300))
    consented_at: Mapped[dt.datetime] = mapped_column(DateTime)
