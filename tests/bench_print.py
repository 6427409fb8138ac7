"""The print design's cost: WeasyPrint's layout of the print edition (every pass the build
makes) against a plain single-column rendering of the same HTML with a minimal stylesheet,
measured in the same process, turn about, so that a busy machine slows both alike.

    .venv/bin/python -m tests.bench_print [--runs 5] [--repo .] [--issue bulletins/2025-06-13]

`make bench` adds its rows to the benchmark table (tests/bench.py calls `rows`).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET = 1.3
"""The print layout may cost at most this many times the plain single-column one."""

PLAIN = """
@font-face { font-family: "Inter"; src: url("lettre:font/Inter-Regular.otf"); }
@page { size: A4; margin: 18mm 16mm 20mm 22mm; }
html { font-family: "Inter"; font-size: 9.5pt; line-height: 1.45; }
img { max-width: 100%; height: auto; }
[data-lettre="moved"] { display: none; }
"""
"""The minimal stylesheet: the same page, the same font, one column, nothing else; the same
content as the print edition shows (print.html.j2's hidden copy of a landscape photo in the
side column, which lettre.fitting shows only when it moves the photo there, is hidden here
too, so that the plain rendering does not lay out a photo the print edition does not)."""

MEASURE = """
html { lang: fr; }
body { width: 114mm; hyphens: auto; hyphenate-limit-chars: 6 3 3; text-align: justify; }
"""
"""Added to PLAIN for a second floor: the same one column at the print edition's measure,
hyphenated and justified as it is. What a readable measure alone costs (half as many lines
again as 172 mm), apart from the design's side column, cover and fitting."""

Row = tuple[str, str, str, bool | None]


def _inputs(root: Path, folder: Path, cache: Path) -> tuple[str, str, dict[str, Any]]:
    """The print HTML, CSS and fetchable resources of one issue, as the build makes them."""
    from lettre import pdf
    from lettre.images import PRINT, variant
    from lettre.load import load_issue, load_publication
    from lettre.repo import Repository
    from lettre.templates import environment

    repo = Repository(root)
    publication = load_publication(repo).value
    assert publication, "the benchmark's publication.yaml does not load"
    loaded = load_issue(repo, folder, publication).value
    assert loaded, f"{folder} does not load"
    language = publication.language
    prints = {src: variant(info, PRINT, cache) for src, info in loaded.images.items()}
    html = pdf.render_html(environment(None, language), loaded, prints)
    css = pdf.render_css(environment(None, language, html=False), loaded, marks=False)
    return html, css, pdf.resources(prints)


def measure(root: Path, folder: Path, runs: int = 5) -> dict[str, Any]:
    """Seconds of each layout, run by run (print first, then plain, then plain at the print
    measure, `runs` times), and pages."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from lettre import pdf

    with tempfile.TemporaryDirectory(prefix="lettre-bench-print-") as cache:
        html, css, resources = _inputs(root, folder, Path(cache))
    fetcher = pdf._fetcher(resources)
    times: dict[str, list[float]] = {"print": [], "plain": [], "measure": []}
    pages: dict[str, int] = {}
    for _ in range(runs):
        fonts = FontConfiguration()
        options = {"stylesheets": [CSS(string=css, url_fetcher=fetcher, font_config=fonts)]}
        start = time.perf_counter()
        document = pdf.layout(html, fetcher, fonts, options)
        times["print"].append(time.perf_counter() - start)
        pages["print"] = len(document.pages)

        for name, sheet in (("plain", PLAIN), ("measure", PLAIN + MEASURE)):
            fonts = FontConfiguration()
            plain = CSS(string=sheet, url_fetcher=fetcher, font_config=fonts)
            start = time.perf_counter()
            document = HTML(string=html, base_url="lettre:/", url_fetcher=fetcher).render(
                stylesheets=[plain], font_config=fonts
            )
            times[name].append(time.perf_counter() - start)
            pages[name] = len(document.pages)
    return {"times": times, "pages": pages}


def rows(root: Path, folder: Path, runs: int = 5) -> list[Row]:
    """The benchmark table's rows: the layout times (medians) and the ratio to plain."""
    found = measure(root, folder, runs)
    design, plain, at_measure = (
        statistics.median(found["times"][name]) for name in ("print", "plain", "measure")
    )
    ratio = design / plain
    pages = found["pages"]
    return [
        (f"print layout ({pages['print']} pages, median)", f"{design:.2f} s", "", None),
        (f"plain one-column layout ({pages['plain']} pages)", f"{plain:.2f} s", "", None),
        (f"plain at the print measure ({pages['measure']} pages)", f"{at_measure:.2f} s", "", None),
        ("print design ratio", f"{ratio:.2f} ×", f"≤ {TARGET} ×", ratio <= TARGET),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repo", type=Path, default=Path())
    parser.add_argument("--issue", type=Path, default=Path("bulletins/2025-06-13"))
    args = parser.parse_args()
    table = rows(args.repo.resolve(), (args.repo / args.issue).resolve(), args.runs)
    width = max(len(r[0]) for r in table)
    for name, value, target, ok in table:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"{name.ljust(width)}  {value:>10}  {target:>10}  {verdict}")


if __name__ == "__main__":
    main()
