"""The README's pictures: the browser tests' screenshots (build/screenshots, written by
``make test``), the top of each page, scaled and reduced to a palette so the repository stays
small. Run ``make pictures`` after ``make test``."""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "screenshots"
OUT = ROOT / "docs" / "screenshots"
# name: (the screenshot, the part of the page to keep: its first N pixels, or (top, bottom))
PICTURES = {
    "sign-in": ("sign-in", 700),
    "today": ("today-pc-dexter", 1500),
    "explore": ("explore", 1500),
    "problem-plan": ("problems-plan", 1700),
    "partner-action": ("problems-partner-action", 1400),
    "powers": ("powers", 1300),
    "notice": ("powers-case-notice", (1520, 2680)),
    "premises-map": ("powers-premises-map-police", 1300),
    "person-purpose": ("person-purpose", 900),
    "person-pseudonymised": ("person-pseudonymised", 1000),
    "patrol-phone": ("operations-patrol-phone", 1615),
    "assess": ("assess-result", 1500),
    "admin": ("admin", 1200),
    "scrutiny": ("reports-scrutiny", 1500),
    "plan": ("plans", 1400),
    "chb": ("reports-chb", 1500),
    "public": ("public-neighbourhood", 1500),
    "tags": ("tags", 1500),
    "early-help": ("early-help", 1400),
    "ocg-profile": ("ocg-profile", 1400),
    "assets-gaps": ("assets-gaps", 1500),
    "watch": ("watch", 1500),
    "surveys-results": ("surveys-results", 1500),
    "concern-form": ("concern-form", 1500),
}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    missing = [shot for shot, _ in PICTURES.values() if not (SHOTS / f"{shot}.png").exists()]
    if missing:
        print(f"no screenshots {', '.join(missing)} in {SHOTS}: run `make test` first", file=sys.stderr)
        return 1
    for name, (shot, part) in PICTURES.items():
        image = Image.open(SHOTS / f"{shot}.png").convert("RGB")
        top, bottom = part if isinstance(part, tuple) else (0, part)
        image = image.crop((0, top, image.width, min(bottom, image.height)))
        scale = min(1.0, 900 / image.width)
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
        image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(OUT / f"{name}.png", optimize=True)
    print(f"wrote {len(PICTURES)} pictures to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
