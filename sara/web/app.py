"""The web app: ``create_app(engine)`` gives a FastAPI app whose pages are rendered on the
server with Jinja2 (autoescaped) and need nothing from the network: no CDN, no web fonts.

Routes hold no business rules: each calls one function of ``sara.services`` and renders what
it returns, as HTML for people or as JSON for scripts (the same data as ``sara status
--json``). Nobody signs in here yet (the web issue brings sign-in), so every page is what
anyone may see: counts, and the quarantined rows of public files only.
"""

from __future__ import annotations

import math
from pathlib import Path

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from sara.services import Context
from sara.services import data as services_data

TEMPLATES = Path(__file__).parent / "templates"
QUARANTINE_PAGE_ROWS = 200


def number(value) -> str:
    """``12345`` as ``12,345``; anything that is not a number as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def percent(part: int, whole: int) -> str:
    if not whole:
        return ""
    share = 100 * part / whole
    return "<0.1%" if 0 < share < 0.1 else f"{share:.1f}%"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = number
    env.filters["percent"] = percent
    return env


# -- the picture of events per month ---------------------------------------------------------


def _month_index(month: str) -> int:
    year, mon = month.split("-")[:2]
    return int(year) * 12 + int(mon) - 1


def _month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _nice_step(top: int, ticks: int = 4) -> int:
    """A round step (1, 2, 5 times a power of ten) giving about ``ticks`` gridlines up to ``top``."""
    if top <= ticks:
        return 1
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover


def month_chart(months: list[dict], width: int = 640, height: int = 300) -> dict:
    """Bars for events per month, as plain numbers for an SVG template.

    ``months`` is ``[{"month": "2025-01", "events": 204}, ...]`` as ``status()`` gives it.
    Months with no events between the first and the last are drawn as zero, so the time axis
    is even. Returns the filled series (for the table beside the chart), the bars, y gridlines
    and x labels, all in SVG user units.
    """
    counts = {_month_index(m["month"]): m["events"] for m in months if m.get("month")}
    if not counts:
        return {"width": width, "height": height, "series": [], "bars": [], "yticks": [], "xlabels": [], "peak": 0}
    first, last = min(counts), max(counts)
    series = [{"month": _month_name(i), "events": counts.get(i, 0)} for i in range(first, last + 1)]
    left, right, top, bottom = 56, 12, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(s["events"] for s in series)
    step = _nice_step(max(peak, 1))
    y_max = step * math.ceil(max(peak, 1) / step)

    def y(value: float) -> float:
        return round(top + plot_h * (1 - value / y_max), 2)

    slot = plot_w / len(series)
    bar_w = min(slot * 0.8, 56)
    bars = []
    for i, s in enumerate(series):
        x = left + i * slot + (slot - bar_w) / 2
        bars.append(
            {
                "month": s["month"],
                "events": s["events"],
                "x": round(x, 2),
                "y": y(s["events"]),
                "w": round(max(bar_w, 0.5), 2),
                "h": round(top + plot_h - y(s["events"]), 2),
                "cx": round(x + bar_w / 2, 2),
            }
        )
    yticks = [{"value": v, "y": y(v)} for v in range(0, y_max + 1, step)]
    # Label at most 8 months, on calendar boundaries (every Jan, Apr, Jul, Oct; every January...).
    label_every = next(k for k in (1, 2, 3, 6, 12, 24, 60, 120, 10**9) if len(series) / k <= 8)
    xlabels = [{"x": b["cx"], "text": b["month"]} for i, b in enumerate(bars) if (first + i) % label_every == 0]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "base": top + plot_h,
        "series": series,
        "bars": bars,
        "yticks": yticks,
        "xlabels": xlabels,
        "peak": peak,
    }


# -- the app ---------------------------------------------------------------------------------


def create_app(engine: Engine) -> FastAPI:
    """The SARA web app over ``engine`` (one connection pool, shared by every request)."""
    # No /docs: Swagger UI loads its assets from a CDN, and SARA must work with no internet.
    app = FastAPI(title="SARA", summary="What is loaded, as pages and JSON.", docs_url=None, redoc_url=None)
    env = environment()

    def page(name: str, status_code: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status_code)

    @app.exception_handler(SQLAlchemyError)
    def database_unavailable(request: Request, exc: SQLAlchemyError):
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": f"database error: {reason}"}, status_code=503)
        return page("error.html", 503, title="The database cannot be read", reason=reason)

    def anyone() -> Context:
        return Context(engine)

    @app.get("/", response_class=HTMLResponse)
    def home() -> HTMLResponse:
        data = services_data.status(anyone())
        return page("home.html", data=data, chart=month_chart(data["months"]))

    @app.get("/quarantine", response_class=HTMLResponse)
    def quarantine() -> HTMLResponse:
        q = services_data.quarantine(anyone(), limit=QUARANTINE_PAGE_ROWS)
        return page("quarantine.html", rows=q["rows"], total=q["total"], not_shown=q["not_shown"], limit=QUARANTINE_PAGE_ROWS)

    @app.get("/api/status")
    def api_status() -> dict:
        """What is loaded, as ``sara status --json`` prints it."""
        return services_data.status(anyone())

    @app.get("/healthz")
    def healthz() -> dict:
        return {"ok": True}

    return app
