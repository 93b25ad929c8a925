"""`sara report chb OPERATION`: the Clear-Hold-Build ranking of an operation's areas by harm,
every six months from a baseline (``sara.services.chb.ranking``), as a table on the terminal,
``--json``, or documents (``--html``, ``--pdf``, ``--xlsx``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sara.cli.base import As, Db, Json, in_context, out, print_json
from sara.cli.report import report_app


def _documents(pack, html: Path | None, pdf: Path | None, xlsx: Path | None) -> list[str]:
    if not (html or pdf or xlsx):
        return []
    from sara.report import documents

    written = []
    if html:
        tmp = html.with_name(f".{html.name}.part")
        tmp.write_text(documents.html(pack), encoding="utf-8")
        tmp.replace(html)
        written.append(str(html))
    if pdf:
        documents.write_pdf(pack, pdf)
        written.append(str(pdf))
    if xlsx:
        documents.write_xlsx(pack, xlsx)
        written.append(str(xlsx))
    return written


@report_app.command("chb")
def chb(
    operation: Annotated[str, typer.Argument(help="The operation's name (sara operation list).")],
    baseline: Annotated[str | None, typer.Option("--baseline", help="First month of the baseline period, YYYY-MM (default: the first complete six months loaded).")] = None,
    categories: Annotated[list[str] | None, typer.Option("--categories", help="Crime types to weigh (repeat, or separate with commas; default: drugs, "
                                                         "violence, weapons, burglary, vehicle crime, theft from the person, robbery).")] = None,  # fmt: skip
    weights: Annotated[Path | None, typer.Option("--weights", help="A CSV of crime type and weight instead of the force's CCHI weights.")] = None,
    force: Annotated[str | None, typer.Option("--force", help="CCHI weights of this force (default: the force the events fall within).")] = None,
    period_months: Annotated[int, typer.Option("--period-months", help="Months in each period.")] = 6,
    html: Annotated[Path | None, typer.Option("--html", help="Write the report as a standalone HTML document.")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write the report as PDF.")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the report's tables as an Excel workbook.")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Where an operation's areas rank among all areas of their kind by the harm of crimes
    associated with organised crime, every six months from a baseline, with the sites'
    Clear-Hold-Build phase changes and the change against the baseline."""
    from sara.services import chb as service

    cats = [c.strip() for v in categories or [] for c in v.split(",") if c.strip()] or None

    def run(ctx):
        pack = service.ranking(ctx, operation, baseline=baseline, periods=period_months, categories=cats, weights=str(weights) if weights else None,
                               force=force)  # fmt: skip
        return pack, _documents(pack, html, pdf, xlsx)

    pack, written = in_context(as_json, db, acting, run)
    if as_json:
        print_json(pack.to_json())
        return
    change = pack.tables["chb_change"]
    keep = [change.columns.index(c) for c in ("area", "baseline harm", "latest harm", "change %", "baseline rank", "latest rank")]
    table = Table(*(change.columns[i] for i in keep), title=pack.title)
    for row in change.rows:
        table.add_row(*("" if row[i] is None else f"{row[i]:,}" if isinstance(row[i], int | float) else str(row[i]) for i in keep))
    out.print(table)
    by_period = pack.tables["chb_rank_by_period"]
    ranks = Table(*by_period.columns, title=by_period.title)
    for row in by_period.rows:
        ranks.add_row(*(str(v) for v in row))
    out.print(ranks)
    for section in pack.sections:
        for p in section.paragraphs:
            out.print(p, highlight=False)
    for path in written:
        out.print(f"wrote {path}", highlight=False, soft_wrap=True)
