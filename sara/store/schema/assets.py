"""Tables of asset mapping (issue 13, part 1): the organisations and services working in an area: what each provides, to whom, where, when, contact and funding; gaps beside open problems."""

from __future__ import annotations
