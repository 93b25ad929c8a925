"""The scanning and assessment core speaks in fields and reasons, never in a face's words:
no command-line flag and no ``sara`` command in its messages (each face words the field at
fault as its own input: the CLI as its option)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sara.assess import AssessError
from sara.report.assessment import parse_period
from sara.scan.grid import make_grid
from sara.scan.kde import kde
from sara.scan.result import ScanError
from tests.conftest import ROOT

FACE_WORDS = re.compile(r"(--[a-z][a-z-]+|`sara [a-z])")
CORE = [*sorted((ROOT / "sara" / "scan").glob("*.py")), *sorted((ROOT / "sara" / "assess").glob("*.py"))] + [
    ROOT / "sara" / path for path in ("report/select.py", "report/assessment.py", "services/scan.py", "services/assess.py", "services/places.py")
]


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_names_no_flag_and_no_command(path):
    found = [f"{n}: {line.strip()}" for n, line in enumerate(path.read_text().splitlines(), start=1) if FACE_WORDS.search(line)]

    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "call, field, fix",
    [
        (lambda: make_grid(np.array([0.0, 100.0]), np.array([0.0, 100.0]), cell_size=5000), "cell_size", "give a smaller cell size"),
        (lambda: make_grid(np.zeros(3), np.zeros(3), shape="round"), "shape", "use square or hex"),
        (lambda: kde(np.array([0.0, 10.0, 20.0]), np.array([0.0, 10.0, 20.0]), cell_size=5, bandwidth=500), "bandwidth", "give a smaller bandwidth"),
        (lambda: parse_period("2025-01 to 2025-06", "before"), "before", "write it FIRST:LAST in months"),
    ],
)
def test_a_refusal_names_its_field_and_what_would_put_it_right(call, field, fix):
    with pytest.raises((ScanError, AssessError)) as refused:
        call()

    assert refused.value.field == field and refused.value.fix.startswith(fix)
    assert str(refused.value).endswith(refused.value.fix)
