"""The synthetic demo of asset mapping (issue 13, part 1), laid on the real Bolsover data by
`sara demo casework`: thirteen services (one of them ended) recorded by the demo's partners
(the youth charity, the council, the housing association, the police, the youth offending
service and the fire service) around Bolsover town centre and the district's other wards.

The gaps are left as an asset map finds them: Bolsover town centre has youth diversion
(Friday-night "Extreme Wheels", as the Operation Dexter case study names, and detached youth
work) but no drug and alcohol support, though a drugs problem is open there; the treatment
drop-in is in Shirebrook; most wards have no parenting or mental health provision, and none
has domestic abuse support. Points are inside points of the real LSOAs and wards, the
addresses and contacts are made up (example.org). Every name is marked "(synthetic)";
everything is written through ``sara.casework.assets``, so it obeys the same rules and leaves
the same audit trail as real work. Loading it twice does nothing the second time.
"""

from __future__ import annotations

import datetime as dt

import shapely
from sqlalchemy import Engine, select

from sara.access.users import get_actor
from sara.casework import assets
from sara.store.schema import Area
from sara.store.schema import assets as sas

TOWN_CENTRE = ("lsoa", "E01019483")  # Bolsover 004A, in Bolsover North West
PLACES = {"town": TOWN_CENTRE, "shirebrook": ("ward", "E05003316"), "clowne_n": ("ward", "E05003308"), "clowne_s": ("ward", "E05003309"),
          "pinxton": ("ward", "E05003311"), "s_normanton": ("ward", "E05003320"), "bolsover_s": ("ward", "E05003306")}  # fmt: skip
FIRST = "Extreme Wheels Friday sessions (synthetic)"

SERVICES = (
    ("youth.worker", FIRST, ["youth_diversion", "sports_activities"], {
        "provider": "Extreme Wheels (synthetic)", "age_groups": ["young_people"], "needs": ["young people gathering in the town centre"], "at": "town",
        "address": "Town End car park, Bolsover (synthetic address)", "opening": "Fridays 18:00-20:00", "website": "https://extreme-wheels.example.org",
        "funding": "Bolsover CSP fund (synthetic)",
        "description": "Skate, BMX and scooter sessions with youth workers on Friday evenings, away from the town centre's hot spots."}),
    ("youth.worker", "Detached youth work, Bolsover (synthetic)", ["youth_diversion", "mentoring"], {
        "age_groups": ["young_people"], "areas": ["E05003305", "E05003307"], "opening": "Tuesdays and Thursdays 17:00-21:00",
        "phone": "01246 000101", "funding": "Derbyshire County Council youth grant (synthetic)",
        "description": "Youth workers on the streets where young people gather; one-to-one support for those at risk of exploitation."}),
    ("asb.officer", "Shirebrook junior boxing (synthetic)", ["sports_activities"], {
        "provider": "Shirebrook ABC (synthetic)", "age_groups": ["children", "young_people"], "at": "shirebrook",
        "address": "Market Street, Shirebrook (synthetic address)", "opening": "Mondays and Wednesdays 17:30-19:00",
        "funding": "Sport England small grant (synthetic)"}),
    ("asb.officer", "Recovery drop-in, Shirebrook (synthetic)", ["drug_alcohol"], {
        "provider": "Derbyshire Recovery Partnership (synthetic)", "age_groups": ["young_adults", "adults"], "at": "shirebrook",
        "address": "Shirebrook health centre (synthetic address)", "opening": "Tuesdays 10:00-14:00", "phone": "01246 000102",
        "needs": ["drug and alcohol use"], "funding": "Public health grant (synthetic)"}),
    ("pc.dexter", "Victim and witness support line (synthetic)", ["victim_support"], {
        "provider": "Derbyshire Victim Services (synthetic)", "areas": ["E07000033"], "opening": "Monday to Friday 08:00-20:00, Saturday 09:00-17:00",
        "phone": "0800 000 0103", "website": "https://victim-services.example.org", "funding": "PCC victims' fund (synthetic)",
        "needs": ["victims of crime and ASB", "witnesses"]}),
    ("housing.officer", "Money advice clinic, Bolsover library (synthetic)", ["debt_advice"], {
        "provider": "Citizens Advice (synthetic)", "age_groups": ["adults", "older_people"], "at": "town", "address": "Bolsover library (synthetic address)",
        "opening": "Wednesdays 09:30-12:30", "email": "bolsover-advice@example.org", "funding": "Bolsover Homes (synthetic)"}),
    ("housing.officer", "Tenancy sustainment, Shirebrook (synthetic)", ["debt_advice", "mental_health"], {
        "age_groups": ["young_adults", "adults"], "areas": ["E05003314", "E05003317"], "communities": ["Bolsover Homes tenants"],
        "opening": "By appointment, weekdays", "phone": "01246 000104", "funding": "Housing revenue account (synthetic)"}),
    ("asb.officer", "Parenting programme, Clowne (synthetic)", ["parenting"], {
        "provider": "Derbyshire Early Help (synthetic)", "age_groups": ["adults"], "at": "clowne_n", "address": "Clowne family centre (synthetic address)",
        "opening": "Mondays 09:30-11:30, term time", "funding": "Supporting Families grant (synthetic)"}),
    ("yos.worker", "Prevention mentoring (synthetic)", ["mentoring", "youth_diversion"], {
        "age_groups": ["young_people"], "areas": ["E05003316", "E05003319"], "opening": "By referral, weekdays",
        "needs": ["young people at risk of offending"], "funding": "Youth Justice Board grant (synthetic)"}),
    ("fire.officer", "Fire cadets, Clowne (synthetic)", ["sports_activities", "mentoring"], {
        "age_groups": ["young_people"], "at": "clowne_s", "address": "Clowne fire station (synthetic address)", "opening": "Thursdays 18:30-20:30",
        "funding": "Derbyshire Fire and Rescue Service (synthetic)"}),
    ("asb.officer", "Talking therapies drop-in, South Normanton (synthetic)", ["mental_health"], {
        "provider": "Derbyshire Talking Therapies (synthetic)", "age_groups": ["young_adults", "adults", "older_people"], "at": "s_normanton",
        "address": "South Normanton community centre (synthetic address)", "opening": "Thursdays 13:00-16:00", "funding": "NHS (synthetic)"}),
    ("asb.officer", "Women's group, Pinxton (synthetic)", ["community_group"], {
        "provider": "Pinxton Community Cafe (synthetic)", "age_groups": ["young_adults", "adults", "older_people"], "at": "pinxton",
        "communities": ["women", "Eastern European families"], "address": "Pinxton community cafe (synthetic address)", "opening": "Saturdays 10:00-12:00",
        "funding": "Proceeds of Crime Act community fund (synthetic)"}),
    ("youth.worker", "Summer holiday activities 2025 (synthetic)", ["youth_diversion", "sports_activities"], {
        "age_groups": ["children", "young_people"], "at": "bolsover_s", "address": "Bolsover South recreation ground (synthetic address)",
        "opening": "Weekdays in the summer holidays, 10:00-15:00", "funding": "Holiday Activities and Food programme (synthetic)",
        "ended_on": dt.date(2025, 9, 1)}),
)  # fmt: skip


def _points(engine: Engine) -> dict[str, tuple[float, float]]:
    """Each place's inside point (longitude, latitude), for the places loaded."""
    out = {}
    with engine.connect() as conn:
        for key, (kind, code) in PLACES.items():
            wkb = conn.execute(select(Area.geometry).where(Area.kind == kind, Area.code == code)).scalar()
            if wkb is not None:
                p = shapely.point_on_surface(shapely.from_wkb(wkb))
                out[key] = (round(p.x, 6), round(p.y, 6))
    return out


def load(engine: Engine, *, today: dt.date | None = None, **_) -> dict:
    """Lay the services; ``{"services": [references], "ended": reference}``, or ``{}`` when
    they are there already or Bolsover's boundaries or the demo's users are missing."""
    today = today or dt.date.today()
    now = dt.datetime.combine(today, dt.time(9)) - dt.timedelta(days=14)
    with engine.connect() as conn:
        if conn.execute(select(sas.AssetService.id).where(sas.AssetService.name == FIRST)).first() is not None:
            return {}
    points = _points(engine)
    actors = {u: get_actor(engine, u) for u in {s[0] for s in SERVICES}}
    if len(points) < len(PLACES) or None in actors.values():
        return {}
    made: dict = {"services": []}
    for i, (user, name, kinds, spec) in enumerate(SERVICES):
        fields = {k: v for k, v in spec.items() if k not in ("at", "ended_on")}
        if "at" in spec:
            fields["lon"], fields["lat"] = points[spec["at"]]
        ref = assets.add_service(engine, actors[user], name, kinds, now=now + dt.timedelta(minutes=i), **fields)
        made["services"].append(ref)
        if "ended_on" in spec:
            assets.update_service(engine, actors[user], ref, ended_on=spec["ended_on"], now=now + dt.timedelta(minutes=i + 1))
            made["ended"] = ref
    return made
