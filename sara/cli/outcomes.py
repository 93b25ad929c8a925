"""Commands: outcomes.

``sara outcomes --by crime_type|area|district|ward|lsoa|year [--from --to --area --category
--source --operation] [--json] [--csv FILE] [--png FILE]``: the detection rate and the mix of
last outcomes of the crimes loaded, with its definition (``sara.services.outcomes``); with
``--operation`` (and ``--as``), the operation's arrests by outcome code beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sara.cli.base import As, Db, Json, app, fail, in_context, out, print_json

By = Annotated[str, typer.Option("--by", help="Rows: crime_type, area (districts), district, ward, lsoa or year.")]
Category = Annotated[list[str] | None, typer.Option("--category", help="Only this crime type (repeat for several).")]
Area = Annotated[str | None, typer.Option("--area", help="Only crimes in this loaded area: its name or code.")]
From = Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")]
To = Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")]
Source = Annotated[str | None, typer.Option("--source", help="Only crimes of this source (police.uk, or a force export's name).")]
Operation = Annotated[str | None, typer.Option("--operation", help="Show this operation's arrests by outcome code beside the rates (needs --as).")]
Csv = Annotated[Path | None, typer.Option("--csv", help="Write the table to this CSV file.")]
Png = Annotated[Path | None, typer.Option("--png", help="Draw the detection rates to this PNG file.")]


def _pct(value) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


@app.command("outcomes")
def outcomes_command(
    by: By = "crime_type",
    start: From = None,
    end: To = None,
    area: Area = None,
    category: Category = None,
    source: Source = None,
    operation: Operation = None,
    csv: Csv = None,
    png: Png = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Outcomes and detection rates: the last outcome of each crime, the rate detected (charged
    or summonsed, cautioned, community resolution, other out-of-court disposal) of all crimes and
    of those with a final outcome, and how many are still under investigation."""
    from sara.services import outcomes as service

    result = in_context(as_json, db, acting, lambda ctx: service.outcomes(ctx, by=by, start=start, end=end, area=area, category=category, source=source,
                                                                          operation=operation), optional=True)  # fmt: skip
    if csv is not None:
        from sara.report import export

        export.write_frame_csv(service.table_of(result), csv)
    if png is not None:
        from sara.report import pictures

        try:
            pictures.draw(service.picture(result), png)
        except OSError as exc:
            fail(f"--png: cannot write {png}: {exc.strerror or exc}", as_json)
    if as_json:
        print_json(result)
        return
    _show(result)


def _show(result: dict) -> None:
    from rich.table import Table

    t = result["total"]
    table = Table(result["by_label"], "crimes", "detected", "rate", "", "of closed", "under investigation", "no status",
                  title=f"Detection rate by {result['by_label'].lower()}", caption="detected: charged or summonsed, cautioned, community resolution, "
                  "other out-of-court disposal; rate: of all crimes; of closed: of crimes with a final outcome")  # fmt: skip
    for r in [*result["rows"], {"key": "Total"} | t]:
        share = r["detection_rate"] or 0
        bar = "█" * round(20 * share) if r["key"] != "Total" else ""
        table.add_row(str(r["key"]), f"{r['crimes']:,}", f"{r['detected']:,}", _pct(r["detection_rate"]), f"[blue]{bar}[/blue]",
                      _pct(r["detection_rate_closed"]), f"{r['under_investigation']:,}", f"{r['unknown']:,}", end_section=r is result["rows"][-1])  # fmt: skip
    out.print(table)
    for note in result["notes"]:
        out.print(f"- {note}", highlight=False, soft_wrap=True)
    if result["arrests"]:
        a = result["arrests"]
        arrests = Table("outcome", *a["columns"], "Total", "%", title=f"Arrests by outcome code: {result['parameters']['operation']}")
        for r in a["rows"]:
            arrests.add_row(r["outcome"], *(str(r[c]) for c in a["columns"]), str(r["Total"]), str(r["%"]))
        out.print(arrests)
