"""`sara report public --out DIR`: the public "you said, we did" as a static site.

It writes the pages ``/public`` serves (``index.html``, one ``<slug>.html`` per neighbourhood)
with the stylesheet copied into ``assets/``, and the open data ``open-data.csv`` and
``open-data.json``: the same data through the same disclosure control
(``sara.services.public.site``). Nobody signs in: the site is public. Files are written to a
temporary folder beside ``DIR`` and moved into place, so a failure leaves no half site; a
site written there before loses the pages of neighbourhoods no longer published.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from sara.cli.base import Db, Json, fail, in_context, out, print_json
from sara.cli.report import report_app


def write_site(data: dict, folder: Path) -> list[str]:
    """Write the site of ``data`` (``sara.services.public.site``) into ``folder``: the files written."""
    from sara.report.export import csv_text
    from sara.web.assets import STATIC as ASSETS
    from sara.web.pages.public import STATIC, area_html, index_html

    (folder / "assets").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ASSETS / "build" / "sara.css", folder / "assets" / "sara.css")
    shutil.copyfile(ASSETS / "favicon.svg", folder / "assets" / "favicon.svg")
    files = {"index.html": index_html(data["index"], STATIC)}
    for slug, page in data["pages"].items():
        files[f"{slug}.html"] = area_html(page, STATIC)
    od = data["open_data"]
    files["open-data.csv"] = csv_text(od["columns"], od["rows"])
    files["open-data.json"] = json.dumps(od, indent=2, ensure_ascii=False)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return sorted(files) + ["assets/sara.css", "assets/favicon.svg"]


@report_app.command("public")
def public(
    folder: Annotated[Path, typer.Option("--out", help="The folder to write the site into (made if missing; its files are replaced).")],
    threshold: Annotated[int, typer.Option("--threshold", help="The smallest count shown; smaller ones read 'fewer than N'.")] = 5,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Write the public "you said, we did" site: a page per neighbourhood with published priorities, and the open data as CSV and JSON."""
    from sara.services import public as service

    data = in_context(as_json, db, None, lambda ctx: service.site(ctx, threshold=threshold), optional=True)
    folder = folder.expanduser()
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".sara-public-", dir=folder.parent))
        try:
            files = write_site(data, staging)
            folder.mkdir(exist_ok=True)
            if (folder / "open-data.json").exists():  # a site written before: its pages of neighbourhoods no longer published go
                for old in folder.glob("*.html"):
                    if old.name not in files:
                        old.unlink()
            for name in files:
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                (staging / name).replace(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        fail(f"cannot write the site into {folder}: {exc.strerror or exc}", as_json)
    result = {"folder": str(folder), "files": files, "neighbourhoods": [n["name"] for n in data["index"]["neighbourhoods"]], "threshold": data["index"]["threshold"]}
    if as_json:
        print_json(result)
        return
    out.print(f"wrote {len(files)} files to {folder}: {len(data['pages'])} neighbourhood page(s), the index, open-data.csv and open-data.json", highlight=False)
