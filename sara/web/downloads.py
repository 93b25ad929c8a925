"""A report (a ``sara.report.pack.Pack``) as a download: HTML, PDF or XLSX, as an attachment.

The PDF and the workbook are written to a temporary folder (``sara.report.documents`` writes
atomically and leaves nothing on failure) and removed once sent."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The path parameter of a download route, ``/reports/scrutiny.{suffix}``.
Suffix = Annotated[str, PathParam(pattern="^(pdf|xlsx|html)$")]


def pack_download(pack, name: str, suffix: str) -> Response:
    """``pack`` as ``name.suffix`` (suffix html, pdf or xlsx); the name keeps letters, digits,
    dots and dashes only."""
    from sara.report import documents

    name = f"{re.sub(r'[^A-Za-z0-9.-]+', '-', name).strip('-') or 'report'}.{suffix}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if suffix == "html":
        return Response(documents.html(pack), media_type="text/html; charset=utf-8", headers=headers)
    folder = Path(tempfile.mkdtemp(prefix="sara-report-"))
    try:
        path = (documents.write_pdf if suffix == "pdf" else documents.write_xlsx)(pack, folder / name)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(path, media_type="application/pdf" if suffix == "pdf" else XLSX, headers=headers,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))  # fmt: skip
