"""The synthetic demo of neighbourhood Watch (issue 13, part 2), laid on the real Bolsover data by `sara demo casework`."""

from __future__ import annotations


def load(engine, **_) -> dict:
    return {}
