"""`sara report scrutiny`: the performance-scrutiny pack (``sara.services.scrutiny.pack``) as
JSON, tables on the terminal, or HTML, PDF and XLSX documents (``sara.report.documents``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sara.cli.base import As, Db, Json, fail, in_context, out, print_json, worded
from sara.cli.report import report_app


@report_app.command("scrutiny")
def scrutiny(
    start: Annotated[str | None, typer.Option("--from", help="First month (YYYY-MM); default 12 months before --to.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last month (YYYY-MM); default the latest complete month loaded.")] = None,
    area: Annotated[str | None, typer.Option("--area", help="A district, ward or LSOA by code or name, or a force by name; default everything loaded.")] = None,
    baseline: Annotated[str | None, typer.Option("--baseline-from", help="First month of a baseline period as long as the period (pre-covid, say).")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write the pack as a standalone HTML document.")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write the pack as a PDF.")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the pack as a workbook, a sheet per table.")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:  # fmt: skip
    """The performance-scrutiny pack on neighbourhood crime and ASB: ASB by type, excluding
    covid, against other forces; crime by type and district; drugs; when; the casework."""
    from sara.services import scrutiny as service

    made = in_context(as_json, db, acting, lambda ctx: service.pack(ctx, start=start, end=end, area=area, baseline=baseline))
    written = _write(made, html, pdf, xlsx, as_json)
    if as_json:
        print_json(made.to_json() | ({"written": written} if written else {}))
        return
    _show(made)
    for path in written:
        out.print(f"wrote {path}", highlight=False, soft_wrap=True)


def _write(made, html: Path | None, pdf: Path | None, xlsx: Path | None, as_json: bool) -> list[str]:
    if not (html or pdf or xlsx):
        return []
    from sara.errors import SaraError
    from sara.report import documents

    written = []
    try:
        if html:
            text = documents.html(made)
            tmp = html.with_name(f".{html.name}.part")
            try:
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(html)
            finally:
                tmp.unlink(missing_ok=True)
            written.append(str(html))
        if pdf:
            written.append(str(documents.write_pdf(made, pdf)))
        if xlsx:
            written.append(str(documents.write_xlsx(made, xlsx)))
    except SaraError as exc:
        fail(worded(exc), as_json)
    except OSError as exc:
        fail(f"--html: cannot write the HTML to {html}: {exc.strerror or exc}: choose a folder that exists and you may write to", as_json)
    return written


def _show(made) -> None:
    from rich.table import Table as Rich

    from sara.report import words

    out.print(f"[bold]{made.title}[/bold]\n{made.subtitle}", highlight=False)
    for section in made.sections:
        out.rule(section.title)
        for table in section.tables:
            shown = Rich(*table.columns, title=table.title, title_justify="left")
            for row in table.rows:
                shown.add_row(*(words.number(v) for v in row))
            out.print(shown)
            if table.note:
                out.print(table.note, highlight=False, style="dim")
