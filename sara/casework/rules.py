"""The versioned ASB powers rules table: load, validate, and pick the version in force.

The rules are data (``data/asb_powers_2014.toml``), not code: the law changes. Each version
of a power has ``effective_from`` / ``effective_to`` dates and a citation; a version without
``effective_to`` runs until the day before the next version of the same power begins.
Versions marked ``example = true`` are illustrations (proposed law, placeholder dates) and
are loaded only when asked for.

Every value that becomes a check says how it was checked: ``evidence`` is "statute" (the
Act's own text was read; then and only then ``verified = true``), "secondary" (guidance, a
council, a law blog), "practice" (non-statutory), "proposal" (a Bill, not law in force) or
"not confirmed"; ``source`` names the section or the page. A version itself is ``verified``
only when the instrument that brought it into force is cited (``commencement``): a change
of law is not in force until it is commenced, whatever the Act says.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from sara.casework.clock import DISREGARDABLE, UNITS
from sara.errors import Invalid

DATA = Path(__file__).parent / "data" / "asb_powers_2014.toml"
KINDS = ("expiry", "limit", "duty", "not_before")
COUNTING = ("elapsed", "beginning_with_day", "following_day")
EVIDENCE = ("statute", "secondary", "practice", "proposal", "not confirmed")
_META = ("name", "section", "citation", "initial_state", "minimum_age", "bodies_allowed", "breach", "appeal")


class RulesError(Invalid):
    """The rules file is malformed: the message says where and what to fix."""


@dataclass(frozen=True)
class Rule:
    """One version of one power."""

    power: str
    version: str
    name: str
    section: str
    citation: str
    effective_from: date
    effective_to: date | None
    example: bool
    initial_state: str
    minimum_age: dict
    bodies_allowed: bool
    breach: str
    appeal: str
    limits: dict
    steps: dict  # key -> step table
    deadlines: dict  # key -> deadline table
    states: frozenset = field(default_factory=frozenset)
    verified: bool = False  # its commencement was seen: ``commencement`` names the instrument
    commencement: str | None = None

    def step(self, key: str) -> dict:
        try:
            return self.steps[key]
        except KeyError:
            raise Invalid(f"{self.name} has no step {key!r}", field="step", fix=f"its steps are: {', '.join(self.steps)}") from None

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class Rulebook:
    ranks: tuple
    roles: dict
    rules: tuple  # of Rule, sorted by (power, effective_from)

    def versions(self, power: str) -> list[Rule]:
        found = [r for r in self.rules if r.power == power]
        if not found:
            raise Invalid(f"no rules for power {power!r}", field="power", fix=f"known powers: {', '.join(self.powers())}")
        return found

    def powers(self) -> list[str]:
        return sorted({r.power for r in self.rules})

    def rule_for(self, power: str, at: date) -> Rule:
        """The version of ``power`` in force on ``at``."""
        if hasattr(at, "date"):
            at = at.date()
        for rule in self.versions(power):
            if rule.in_force(at):
                return rule
        first = self.versions(power)[0]
        raise Invalid(f"no version of {first.name} is in force on {at.isoformat()} (the earliest starts {first.effective_from.isoformat()})", field="at")

    def get(self, power: str, version: str) -> Rule:
        for rule in self.versions(power):
            if rule.version == version:
                return rule
        raise ValueError(f"{power!r} has no rule version {version!r}")


def _need(table: dict, key: str, where: str, kind=None):
    if key not in table:
        raise RulesError(f"{where}: missing '{key}'")
    value = table[key]
    if kind is not None and not isinstance(value, kind):
        raise RulesError(f"{where}: '{key}' must be {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def _check_evidence(value: dict, w: str) -> None:
    """A value's ``verified`` and ``evidence`` agree: verified means the statute was read."""
    _need(value, "verified", w, bool)
    _need(value, "source", w, str)
    evidence = _need(value, "evidence", w, str)
    if evidence not in EVIDENCE:
        raise RulesError(f"{w}: evidence must be one of {', '.join(EVIDENCE)}, got {evidence!r}")
    if value["verified"] != (evidence == "statute"):
        raise RulesError(f"{w}: verified = {str(value['verified']).lower()} but evidence is {evidence!r}: only a value read in the statute is verified")


def _check_limit(name: str, lim: dict, where: str) -> None:
    w = f"{where} limit '{name}'"
    if not isinstance(lim, dict):
        raise RulesError(f"{w}: must be a table")
    _check_evidence(lim, w)
    if "gbp" in lim:
        if not isinstance(lim["gbp"], int) or lim["gbp"] < 0:
            raise RulesError(f"{w}: 'gbp' must be a whole number of pounds")
        return
    amount = _need(lim, "amount", w, int)
    if amount < 0:
        raise RulesError(f"{w}: 'amount' must be 0 or more")
    if _need(lim, "unit", w, str) not in UNITS:
        raise RulesError(f"{w}: unit must be one of {UNITS}, got {lim['unit']!r}")
    bad = set(lim.get("disregard", [])) - DISREGARDABLE
    if bad:
        raise RulesError(f"{w}: cannot disregard {sorted(bad)}; choose from {sorted(DISREGARDABLE)}")
    if lim.get("counting", "elapsed") not in COUNTING:
        raise RulesError(f"{w}: counting must be one of {', '.join(COUNTING)}")


def _authoriser_ok(token: str, ranks: tuple, roles: dict) -> bool:
    return (token.endswith("+") and token[:-1] in ranks) or token in ranks or token in roles


def _build(raw: dict, base: dict | None, where: str) -> dict:
    if base is None:
        return copy.deepcopy(raw)
    merged = copy.deepcopy(base)
    for key, value in raw.items():
        if key == "limits":
            merged["limits"] = {**merged.get("limits", {}), **copy.deepcopy(value)}
        elif key in ("steps", "deadlines"):
            raise RulesError(f"{where}: a based_on version may change limits and text, not '{key}' (write a full version instead)")
        else:
            merged[key] = copy.deepcopy(value)
    if "effective_to" not in raw:
        merged.pop("effective_to", None)
    # never inherited: a new version is example, verified and commenced only if it says so
    for key in ("example", "verified", "commencement"):
        merged[key] = raw.get(key, False if key != "commencement" else None)
    return merged


def _validate(r: dict, where: str, ranks: tuple, roles: dict) -> Rule:
    for key in ("power", "version", "effective_from", "initial_state", "minimum_age", *_META):
        _need(r, key, where)
    if not isinstance(r["effective_from"], date):
        raise RulesError(f"{where}: effective_from must be a TOML date (YYYY-MM-DD)")
    eff_to = r.get("effective_to")
    if eff_to is not None and (not isinstance(eff_to, date) or eff_to < r["effective_from"]):
        raise RulesError(f"{where}: effective_to must be a date on or after effective_from")
    ma = r["minimum_age"]
    if not isinstance(ma, dict) or not isinstance(ma.get("value"), int):
        raise RulesError(f"{where}: minimum_age must be {{ value = <int>, verified = <bool>, evidence = <text>, source = <text> }}")
    _check_evidence(ma, f"{where} minimum_age")
    verified, commencement = r.get("verified", False), r.get("commencement")
    if not isinstance(verified, bool) or (commencement is not None and not isinstance(commencement, str)):
        raise RulesError(f"{where}: verified must be true or false and commencement the name of an instrument")
    if verified and not (commencement or "").strip():
        raise RulesError(f"{where}: verified = true needs the instrument that brought this version into force (commencement = ...)")
    limits = r.get("limits", {})
    for name, lim in limits.items():
        _check_limit(name, lim, where)
    steps: dict = {}
    for i, s in enumerate(r.get("steps", [])):
        w = f"{where} step #{i + 1}"
        key = _need(s, "key", w, str)
        w = f"{where} step '{key}'"
        if key in steps:
            raise RulesError(f"{w}: duplicate step key")
        _need(s, "label", w, str)
        if not isinstance(_need(s, "from", w, list), list) or not s["from"]:
            raise RulesError(f"{w}: 'from' must list at least one state")
        _need(s, "to", w, str)
        for tok in s.get("authorisers", []):
            if not _authoriser_ok(tok, ranks, roles):
                raise RulesError(f"{w}: unknown authoriser {tok!r}: use a police rank (with + for 'or above') or a role in [roles]")
        if "authorisers_source" in s:
            _check_evidence({"verified": s.get("authorisers_verified"), "evidence": s.get("authorisers_evidence"), "source": s["authorisers_source"]},
                            f"{w} authorisers")  # fmt: skip
        for tier in s.get("max_period", []):
            for lk in ("limit", "min_limit"):
                if lk in tier and tier[lk] not in limits:
                    raise RulesError(f"{w}: max_period refers to limit {tier[lk]!r}, which is not in [rule.limits]")
            if "limit" not in tier and not tier.get("unbounded"):
                raise RulesError(f"{w}: each max_period tier needs 'limit' or 'unbounded = true'")
        if "fpn_limit" in s and "gbp" not in limits.get(s["fpn_limit"], {}):
            raise RulesError(f"{w}: fpn_limit {s['fpn_limit']!r} must name a money limit (gbp) in [rule.limits]")
        steps[key] = s
    deadlines: dict = {}
    for i, d in enumerate(r.get("deadlines", [])):
        key = _need(d, "key", f"{where} deadline #{i + 1}", str)
        w = f"{where} deadline '{key}'"
        _need(d, "label", w, str)
        if _need(d, "kind", w, str) not in KINDS:
            raise RulesError(f"{w}: kind must be one of {KINDS}")
        if ("given_by" in d) == ("from_step" in d):
            raise RulesError(f"{w}: give exactly one of 'given_by' (a date set when a step is taken) or 'from_step' + 'period'")
        if "from_step" in d and d.get("period") not in limits:
            raise RulesError(f"{w}: 'period' must name a limit in [rule.limits], got {d.get('period')!r}")
        for sk in [d.get("given_by"), d.get("from_step"), *d.get("also_given_by", []), *d.get("also_from", []), *d.get("closed_by", [])]:
            if sk is not None and sk not in steps:
                raise RulesError(f"{w}: refers to step {sk!r}, which this power does not have")
        deadlines[key] = d
    for key, s in steps.items():
        for ref in ("sets_deadline", "within", "after"):
            if ref in s and s[ref] not in deadlines:
                raise RulesError(f"{where} step '{key}': '{ref}' names deadline {s[ref]!r}, which is not in [[rule.deadlines]]")
    states = {r["initial_state"]} | {st for s in steps.values() for st in s["from"]} | {s["to"] for s in steps.values()}
    return Rule(
        power=r["power"], version=str(r["version"]), name=r["name"], section=r["section"], citation=r["citation"],
        effective_from=r["effective_from"], effective_to=eff_to, example=bool(r.get("example", False)),
        initial_state=r["initial_state"], minimum_age=ma, bodies_allowed=bool(r["bodies_allowed"]),
        breach=r["breach"], appeal=r["appeal"], limits=limits, steps=steps, deadlines=deadlines, states=frozenset(states),
        verified=verified, commencement=commencement,
    )  # fmt: skip


def parse_rules(data: dict, *, include_examples: bool = False, source: str = "rules") -> Rulebook:
    """Validate a parsed rules document and return a :class:`Rulebook`."""
    if data.get("schema") != 1:
        raise RulesError(f"{source}: expected 'schema = 1' at the top")
    ranks = tuple(_need(_need(data, "ranks", source, dict), "police", f"{source} [ranks]", list))
    roles = _need(data, "roles", source, dict)
    raw_rules = _need(data, "rule", source, list)
    built: dict[tuple[str, str], dict] = {}
    rules: list[Rule] = []
    for i, raw in enumerate(raw_rules):
        where = f"{source} [[rule]] #{i + 1} ({raw.get('power', '?')} {raw.get('version', '?')})"
        base = None
        if "based_on" in raw:
            base = built.get((raw.get("power"), raw["based_on"]))
            if base is None:
                raise RulesError(f"{where}: based_on {raw['based_on']!r} must name an earlier version of the same power")
        merged = _build(raw, base, where)
        merged.pop("based_on", None)
        key = (merged.get("power"), str(merged.get("version")))
        if key in built:
            raise RulesError(f"{where}: duplicate version")
        built[key] = merged
        rule = _validate(merged, where, ranks, roles)
        if rule.example and not include_examples:
            continue
        rules.append(rule)
    # close open-ended versions at the next version's start; refuse overlaps
    out: list[Rule] = []
    for power in sorted({r.power for r in rules}):
        versions = sorted((r for r in rules if r.power == power), key=lambda r: r.effective_from)
        for cur, nxt in zip(versions, versions[1:] + [None]):
            if nxt is not None:
                if nxt.effective_from == cur.effective_from:
                    raise RulesError(f"{source}: {power} versions {cur.version!r} and {nxt.version!r} start on the same day")
                last = nxt.effective_from - timedelta(days=1)
                if cur.effective_to is not None and cur.effective_to > last:
                    raise RulesError(f"{source}: {power} version {cur.version!r} ends {cur.effective_to} after {nxt.version!r} begins {nxt.effective_from}")
                if cur.effective_to is None:
                    cur = Rule(**{**cur.__dict__, "effective_to": last})
            out.append(cur)
    return Rulebook(ranks=ranks, roles=roles, rules=tuple(out))


def load_rules(path: str | Path | None = None, *, include_examples: bool = False) -> Rulebook:
    """Load and validate the rules TOML (default: the packaged ``asb_powers_2014.toml``)."""
    p = Path(path) if path is not None else DATA
    try:
        with open(p, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise RulesError(f"rules file not found: {p}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{p}: not valid TOML: {exc}") from None
    return parse_rules(data, include_examples=include_examples, source=p.name)


@lru_cache(maxsize=4)
def default_rules(include_examples: bool = False) -> Rulebook:
    return load_rules(include_examples=include_examples)


def rule_for(power: str, at: date, *, include_examples: bool = False) -> Rule:
    """The version of ``power`` in force on ``at`` (examples excluded unless asked for)."""
    return default_rules(include_examples).rule_for(power, at)
