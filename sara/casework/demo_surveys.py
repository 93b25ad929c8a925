"""The synthetic demo of surveys (issue 13, part 4), laid on the real Bolsover data by `sara demo casework`."""

from __future__ import annotations


def load(engine, **_) -> dict:
    return {}
