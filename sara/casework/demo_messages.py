"""The synthetic demo of community messaging (issue 13, part 3), laid on the real Bolsover data by `sara demo casework`."""

from __future__ import annotations


def load(engine, **_) -> dict:
    return {}
