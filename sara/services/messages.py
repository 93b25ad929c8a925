"""Community messaging (``sara messages ...``, ``/messages``): messaging groups by area and
interest; messages drafted from a problem or an operation, approved by a lead and exported
for the force's messaging system; the monthly count of messages per team.

The rules are ``sara.casework.messages``'s. What is exported (``export``) is what the force's
messaging system takes in (Derbyshire Alert and its like: "the facility to create different
groups and areas for messaging", Derbyshire's scrutiny report, 17 May 2022, 10.6): a CSV of
one row per recipient group (its code in the messaging system, its name, the title and the
text), the text itself, and an HTML version, every value escaped; every CSV cell neutralised
against spreadsheet formulas (``sara.report.export``). SARA sends nothing itself: someone
of the team pastes or uploads the export into the messaging system.
"""

from __future__ import annotations

import html

from sara.casework import messages as cm
from sara.report.export import csv_text
from sara.report.pack import Chart, Table
from sara.services import Context

CSV_COLUMNS = ("group_code", "group_name", "title", "text")
HEADINGS = {"doing": "What we are doing", "you_can": "What you can do"}


def add_group(ctx: Context, code: str, name: str, kind: str, *, area: str | None = None, snt: str | None = None, subscribers: int | None = None) -> dict:
    return cm.add_group(ctx.engine, ctx.actor, code, name, kind, area=area, snt=snt, subscribers=subscribers, now=ctx.now)


def list_groups(ctx: Context) -> list[dict]:
    return cm.list_groups(ctx.engine, ctx.actor)


def overview(ctx: Context) -> dict:
    """The organisation's groups and messages, with how many wait for a lead's approval."""
    listed = cm.list_messages(ctx.engine, ctx.actor)
    return {"groups": cm.list_groups(ctx.engine, ctx.actor), "messages": listed, "waiting": sum(m["status"] == "draft" for m in listed),
            "may_write": ctx.actor.role in cm.WRITERS, "sends_nothing": True}  # fmt: skip


def suggest(ctx: Context, *, problem: str | None = None, operation: str | None = None, groups=()) -> dict:
    return cm.suggest(ctx.engine, ctx.actor, problem=problem, operation=operation, groups=groups, today=ctx.now.date())


def draft(ctx: Context, *, problem: str | None = None, operation: str | None = None, groups=(), title: str | None = None, doing: str | None = None,
          you_can: str | None = None, snt: str | None = None) -> dict:  # fmt: skip
    ref = cm.draft(ctx.engine, ctx.actor, problem=problem, operation=operation, groups=groups, title=title, doing=doing, you_can=you_can, snt=snt, now=ctx.now)
    return show(ctx, ref)


def show(ctx: Context, ref: str) -> dict:
    """One message, with the plain text as the messaging system will carry it."""
    m = cm.show(ctx.engine, ctx.actor, ref)
    return m | {"text": as_text(m)}


def edit(ctx: Context, ref: str, *, title: str | None = None, doing: str | None = None, you_can: str | None = None, groups=None, snt: str | None = None,
         expect_version: int | None = None) -> dict:  # fmt: skip
    cm.edit(ctx.engine, ctx.actor, ref, title=title, doing=doing, you_can=you_can, groups=groups, snt=snt, expect_version=expect_version, now=ctx.now)
    return show(ctx, ref)


def approve(ctx: Context, ref: str) -> dict:
    cm.approve(ctx.engine, ctx.actor, ref, now=ctx.now)
    return show(ctx, ref)


def withdraw(ctx: Context, ref: str) -> dict:
    cm.withdraw(ctx.engine, ctx.actor, ref, now=ctx.now)
    return show(ctx, ref)


def export(ctx: Context, ref: str) -> dict:
    """The approved message for the messaging system: ``csv`` (a row per recipient group),
    ``text`` and ``html``; the export is recorded on the message and in the audit trail."""
    m = cm.export(ctx.engine, ctx.actor, ref, now=ctx.now)
    text = as_text(m)
    rows = [{"group_code": g["code"], "group_name": g["name"], "title": m["title"], "text": text} for g in m["groups"]]
    return {"id": m["id"], "groups": [g["code"] for g in m["groups"]], "exported_at": m["exported_at"], "csv": csv_text(CSV_COLUMNS, rows), "text": text,
            "html": as_html(m)}  # fmt: skip


def as_text(m: dict) -> str:
    """The message as plain text: its title, what we are doing, what you can do, who from."""
    sign = m["organisation"] + (f", {m['snt']}" if m.get("snt") else "")
    return f"{m['title']}\n\n{HEADINGS['doing']}\n{m['doing']}\n\n{HEADINGS['you_can']}\n{m['you_can']}\n\n{sign}\n"


def _paragraphs(text: str) -> str:
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "\n".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in parts)


def as_html(m: dict) -> str:
    """The message as a small HTML document, every value escaped (the text is plain already:
    the disclosure control refuses < and >; escaping keeps an ampersand or a quote as written)."""
    sign = html.escape(m["organisation"] + (f", {m['snt']}" if m.get("snt") else ""))
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{html.escape(m["title"])}</title></head>\n<body>\n'
            f"<h1>{html.escape(m['title'])}</h1>\n<h2>{HEADINGS['doing']}</h2>\n{_paragraphs(m['doing'])}\n<h2>{HEADINGS['you_can']}</h2>\n"
            f"{_paragraphs(m['you_can'])}\n<p>{sign}</p>\n</body>\n</html>\n")  # fmt: skip


def counts(ctx: Context, *, start: str | None = None, end: str | None = None) -> dict:
    """Messages per team and month (``sara.casework.messages.counts``)."""
    return cm.counts(ctx.engine, ctx.actor, start=start, end=end, today=ctx.now.date())


def counts_table(data: dict) -> Table:
    """The counts' month totals as a table with a bar chart, for the page's small chart."""
    return Table("messages_by_month", "Messages approved each month", ("month", "messages"), tuple(zip(data["months"], data["totals"], strict=True)),
                 chart=Chart("bar", "month", ("messages",), y_label="messages"))  # fmt: skip


def sources(ctx: Context) -> dict:
    """The problems and operations of the actor's organisation a message may be drafted from, and its groups."""
    return cm.sources(ctx.engine, ctx.actor) | {"groups": cm.list_groups(ctx.engine, ctx.actor)}
