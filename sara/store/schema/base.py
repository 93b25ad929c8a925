"""The declarative base every table of SARA's schema is registered on."""

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
