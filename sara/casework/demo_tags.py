"""The demo's electronic monitoring (synthetic): three tag wearers over Bolsover, their GPS
trails and timed burglaries to compare them with, with planted hits and near misses.

police.uk gives crimes by month at a snapped point, which no trail can be compared with (a
month's trail passes within 100 m of most points of a small town), so the demo does not
compare over month windows. It lays 30 synthetic timed burglaries, each at the place and in
the month of a real Bolsover police.uk burglary of March or April 2025, with a day, a time
and an aoristic window of its own, as a force's crime export would give them: source
"Bolsover timed burglaries (synthetic)", category "Burglary (synthetic timed)" (its own
category, so no count of the real police.uk burglaries changes). The trails are loaded as
Derbyshire Constabulary's (the pilot's trail data as the force uses it, PCC scrutiny report
§7.10) through a trail mapping, one fix every five minutes from 1 March to 30 April 2025:

- TAG-D01 (Adult D (synthetic)): hits on two burglaries (35 m at the time; 80 m, 20 minutes
  before the window opens), and a near miss (20 m, 45 minutes after the window closes);
- TAG-D02 (Adult G (synthetic), a person the demo records for it): one hit, inside a window;
- TAG-D03 (no recorded person: shown as such): one near miss, 130 m at the time.

Away from the planted fixes every trail keeps at least 250 m from every synthetic burglary
(fixes nearer are left out, as a tag's gaps are), so the comparison finds exactly three hits
at 100 m and 30 minutes.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import zoneinfo
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, func, select

from sara import geo
from sara.access.users import get_actor, organisation_id
from sara.casework import people
from sara.casework import tags as tag_work
from sara.store.schema import Area, Event, EventArea, Source

SOURCE = "Bolsover timed burglaries (synthetic)"
TRAILS = "Electronic monitoring trails (synthetic)"
CATEGORY = "Burglary (synthetic timed)"
DISTRICT = "Bolsover"
LONDON = zoneinfo.ZoneInfo("Europe/London")
START, END = dt.datetime(2025, 3, 1), dt.datetime(2025, 5, 1)
CRITERIA = "Acquisitive Crime Electronic Monitoring: released from a sentence for domestic burglary (synthetic)"
EVENTS_MAPPING = f"""source = "{SOURCE}"
[columns]
source_id = "Crime reference"
category = "Offence"
location = "Location"
[time]
occurred_from = "From"
occurred_to = "To"
[coordinates]
lon = "Longitude"
lat = "Latitude"
"""
TRAIL_MAPPING = f"""source = "{TRAILS}"
[columns]
wearer = "Tag"
accuracy = "Accuracy m"
[time]
occurred = "Fix (UTC)"
[coordinates]
lon = "Longitude"
lat = "Latitude"
"""
WEARERS = ("TAG-D01", "TAG-D02", "TAG-D03")


def _real_burglaries(engine: Engine) -> list[tuple]:
    e, ea, a = Event.__table__, EventArea.__table__, Area.__table__
    with engine.connect() as conn:
        return conn.execute(select(e.c.month, e.c.lon, e.c.lat, e.c.location).join(ea, ea.c.event_id == e.c.id).join(a, a.c.id == ea.c.area_id)
                            .where(a.c.kind == "district", a.c.name == DISTRICT, e.c.category == "Burglary", e.c.lon.is_not(None),
                                   e.c.month.in_([dt.date(2025, 3, 1), dt.date(2025, 4, 1)])).order_by(e.c.month, e.c.id)).all()  # fmt: skip


def _utc(local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)


def _burglaries(real: list[tuple], rng) -> list[dict]:
    out = []
    for i, k in enumerate(sorted(rng.choice(len(real), min(30, len(real)), replace=False))):
        month, lon, lat, location = real[k]
        last = 31 if month.month == 3 else 30
        start = dt.datetime(month.year, month.month, int(rng.integers(1, last - 1)), int(rng.integers(0, 24)), int(rng.choice([0, 15, 30, 45])))
        span = dt.timedelta(minutes=int(rng.choice([0, 0, 60, 180, 480, 720])))
        out.append({"ref": f"SYN-BUR-{i + 1:04d}", "lon": lon, "lat": lat, "location": location, "from": start, "to": start + span})
    return out


def load(engine: Engine) -> dict:
    """Lay the demo's wearers, trails and timed burglaries; returns what was made (or why not)."""
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(Source.__table__).where(Source.name == SOURCE)).scalar_one():
            return {"loaded": False, "reason": "the synthetic electronic monitoring is already loaded"}
    pc = get_actor(engine, "pc.dexter")
    if pc is None:
        return {"loaded": False, "reason": "the casework demo (sara.casework.demo) is not loaded: it makes the users and people the wearers are"}
    real = _real_burglaries(engine)
    if len(real) < 10:
        return {"loaded": False, "reason": f"too few Bolsover burglaries of March and April 2025 ({len(real)}): load the Derbyshire 2025 police.uk data"}
    rng = np.random.default_rng(2025)
    crimes = _burglaries(real, rng)
    police = organisation_id(engine, "Derbyshire Constabulary")
    from sara.intake.mapped import load_events

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "events.toml").write_text(EVENTS_MAPPING)
        with (folder / "bolsover-timed-burglaries-synthetic.csv").open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["Crime reference", "Offence", "Location", "From", "To", "Longitude", "Latitude"])
            for c in crimes:
                w.writerow([c["ref"], CATEGORY, c["location"], c["from"].isoformat(timespec="minutes"), c["to"].isoformat(timespec="minutes"), c["lon"], c["lat"]])
        load_events(engine, [str(folder / "bolsover-timed-burglaries-synthetic.csv")], str(folder / "events.toml"), organisation_id=police)
        adult_g = _person(engine, pc)
        adult_d = _person_ref(engine, "Adult D (synthetic)")
        now = _utc(dt.datetime(2025, 2, 20, 9))
        for ref, person in zip(WEARERS, (adult_d, adult_g, None)):
            tag_work.add_wearer(engine, pc, ref, person=person, monitoring_from=dt.date(2025, 2, 15), monitoring_to=dt.date(2025, 6, 30), criteria=CRITERIA,
                                now=now)  # fmt: skip
        rows, planted = _trails(crimes, rng)
        (folder / "trails.toml").write_text(TRAIL_MAPPING)
        path = folder / "electronic-monitoring-trails-synthetic.csv"
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["Tag", "Fix (UTC)", "Longitude", "Latitude", "Accuracy m"])
            w.writerows(rows)
        report = tag_work.load_trails(engine, pc, [str(path)], str(folder / "trails.toml"), now=now)
    return {"loaded": True, "burglaries": len(crimes), "wearers": list(WEARERS), "fixes": report["inserted"], "planted_hits": planted,
            "compare": {"categories": [CATEGORY], "from": "2025-03-01", "to": "2025-04-30"}}  # fmt: skip


def _person(engine: Engine, pc) -> str:
    found = _person_ref(engine, "Adult G (synthetic)")
    if found:
        return found
    return people.add_person(engine, pc, "Adult G (synthetic)", "suspect", dob=dt.date(1991, 7, 14), ward="Bolsover North West",
                             now=_utc(dt.datetime(2025, 2, 20, 9)))["id"]  # fmt: skip


def _person_ref(engine: Engine, name: str) -> str | None:
    from sara.store.schema import people as sp

    with engine.connect() as conn:
        return conn.execute(select(sp.Person.reference).where(sp.Person.name == name)).scalar()


def _trails(crimes: list[dict], rng) -> tuple[list[list], list[dict]]:
    """Fixes every five minutes, each wearer about a home in Bolsover, none within 250 m of a
    burglary except the planted ones; the planted hits as (burglary, wearer)."""
    cx, cy = geo.transform(np.array([c["lon"] for c in crimes]), np.array([c["lat"] for c in crimes]), geo.WGS84, geo.BNG)
    centre = np.array([cx.mean(), cy.mean()])
    steps = int((END - START).total_seconds() // 300)
    rows: list[list] = []
    fixes: dict[str, list] = {}
    for tag in WEARERS:
        home = centre + rng.normal(0, 1500, 2)
        walk = np.cumsum(rng.normal(0, 15, (steps, 2)), axis=0)
        walk = 600 * np.tanh(walk / 600)  # within about 600 m of home
        xy = home + walk
        d = np.min(np.hypot(xy[:, :1] - cx[None, :], xy[:, 1:] - cy[None, :]), axis=1)
        at = [START + dt.timedelta(minutes=5 * i) for i in range(steps)]
        fixes[tag] = [(at[i], xy[i, 0], xy[i, 1]) for i in np.flatnonzero(d >= 250)]
    picks = {"hit_at": 0, "hit_before": 1, "miss_after": 2, "hit_inside": 3, "miss_far": 4}

    def plant(tag: str, crime: dict, when: dt.datetime, dx: float, dy: float) -> None:
        i = crimes.index(crime)
        fixes[tag].append((when, cx[i] + dx, cy[i] + dy))

    c = {name: crimes[i] for name, i in picks.items()}
    plant("TAG-D01", c["hit_at"], _utc(c["hit_at"]["from"]), 35, 0)
    plant("TAG-D01", c["hit_before"], _utc(c["hit_before"]["from"]) - dt.timedelta(minutes=20), 0, 80)
    plant("TAG-D01", c["miss_after"], _utc(c["miss_after"]["to"]) + dt.timedelta(minutes=45), -20, 0)
    inside = c["hit_inside"]["from"] + (c["hit_inside"]["to"] - c["hit_inside"]["from"]) / 2
    plant("TAG-D02", c["hit_inside"], _utc(inside), 10, 10)
    plant("TAG-D03", c["miss_far"], _utc(c["miss_far"]["from"]), 130, 0)
    for tag, found in fixes.items():
        found = sorted({f[0]: f for f in found}.values())
        lon, lat = geo.transform(np.array([f[1] for f in found]), np.array([f[2] for f in found]), geo.BNG, geo.WGS84)
        rows += [[tag, f[0].strftime("%Y-%m-%dT%H:%M:%SZ"), f"{lo:.6f}", f"{la:.6f}", str(int(rng.integers(3, 15)))] for f, lo, la in zip(found, lon, lat)]
    planted = [{"event": c["hit_at"]["ref"], "wearer": "TAG-D01"}, {"event": c["hit_before"]["ref"], "wearer": "TAG-D01"},
               {"event": c["hit_inside"]["ref"], "wearer": "TAG-D02"}]  # fmt: skip
    return rows, planted
