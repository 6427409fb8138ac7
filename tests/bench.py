"""`make bench`: a year of synthetic issues, built and timed. Prints a table, saves JSON.

    .venv/bin/python -m tests.bench [--runs 5] [--issues 52] [--json .artifacts/bench.json]

Targets (ratios hold on any machine): lettre's overhead over the raw engines ≤ 1.15; the
full year ≤ 1.2 × (raw engines' time per issue × issues ÷ cores); the no-op rebuild of the
year ≤ 0.5 s; peak RSS of one build ≤ 250 MB; the typical issue's email HTML ≤ 70 KB and
PDF ≤ 1.5 MB.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

LETTRE = [sys.executable, "-m", "lettre"]
WORDS = [
    "armée",
    "marine",
    "escadrille",
    "exercice",
    "opération",
    "soutien",
    "formation",
    "régiment",
    "mission",
    "coopération",
    "entraînement",
    "terrain",
    "base",
    "partenaires",
    "unités",
    "équipages",
    "relève",
    "logistique",
    "sécurité",
    "engagement",
    "cérémonie",
    "sportifs",
    "médaille",
    "recrutement",
    "programme",
    "innovation",
]


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def photo(path: Path, seed: int, width: int = 2400) -> None:
    """A 3:2 photo with the texture of a real one (so JPEG sizes are realistic)."""
    rng = random.Random(seed)
    height, scale = width * 2 // 3, width / 2400
    image = Image.effect_noise((600, 400), 40).convert("RGB").resize((width, height))
    draw = ImageDraw.Draw(image)
    for _ in range(30):
        x, y = rng.randrange(width), rng.randrange(height)
        colour = tuple(rng.randrange(40, 220) for _ in range(3))
        w, h = rng.randrange(80, 600) * scale, rng.randrange(80, 400) * scale
        draw.ellipse([x, y, x + w, y + h], fill=colour)
    image.filter(ImageFilter.GaussianBlur(2)).save(path, "JPEG", quality=88)


def issue_yaml(rng: random.Random, day: date) -> str:
    lines = [f"date: {day}", "headlines:"]
    for h in range(4):
        lines += [f"  - title: {sentence(rng, 6)}", f"    summary: {sentence(rng, 22)}",
                  f"    url: https://example.org/{day}/{h}"]  # fmt: skip
    lines += ["sections:"]
    for s in range(3):
        lines += [f"  - title: Rubrique {s + 1}", "    articles:"]
        for a in range(4):
            n = s * 4 + a
            body = "\n".join(f"          {sentence(rng, 40)}\n" for _ in range(3))
            lines += [f"      - title: {sentence(rng, 7)}", f"        summary: {sentence(rng, 25)}",
                      f"        url: https://example.org/{day}/a{n}", "        body: |", body.rstrip()]  # fmt: skip
            if n % 2 == 0:
                lines += [
                    f"        image: {{src: images/p{n}.jpg, alt: Photo {n}, credit: © Test}}"
                ]
    return "\n".join(lines) + "\n"


def make_year(root: Path, issues: int, width: int = 2400) -> list[Path]:
    (root / "publication.yaml").write_text(
        "name: Lettre de banc d'essai\norganization: Banc d'essai\n"
        "sender: {name: Banc, email: banc@example.org}\n"
    )
    folders = []
    masters = root / ".photos"
    masters.mkdir()
    for n in range(6):
        photo(masters / f"{n}.jpg", n, width)
    for i in range(issues):
        day = date(2025, 1, 3) + timedelta(weeks=i - issues + 52)  # the last in 2025
        folder = root / "bulletins" / day.isoformat()
        (folder / "images").mkdir(parents=True)
        (folder / "issue.yaml").write_text(issue_yaml(random.Random(i), day))
        for n in range(0, 12, 2):  # each issue's photos differ by a few bytes: no shared cache
            data = (masters / f"{n // 2}.jpg").read_bytes()
            (folder / "images" / f"p{n}.jpg").write_bytes(
                data[:-2] + bytes([i % 256, n]) + data[-2:]
            )
        folders.append(folder)
    return folders


RAW = """
import sys, time
from pathlib import Path
from mjml import mjml2html
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
sys.path.insert(0, {src!r})
from lettre.pdf import _fetcher
import pickle
data = pickle.loads(Path({dump!r}).read_bytes())
fetcher = _fetcher(data["resources"])
fonts = FontConfiguration()
for mjml in data["mjml"]:
    mjml2html(mjml)
css = CSS(string=data["css"], url_fetcher=fetcher, font_config=fonts)
HTML(string=data["html"], base_url="lettre:/", url_fetcher=fetcher).write_pdf(stylesheets=[css], font_config=fonts)
"""


def engine_inputs(root: Path, folder: Path, dump: Path) -> None:
    """The final MJML (as many renders as the build makes), print HTML and CSS of one issue."""
    import pickle

    from lettre import pdf
    from lettre.build import _cid_url, _context, _environments, _variants
    from lettre.images import PRINT, variant
    from lettre.load import load_issue, load_publication
    from lettre.repo import Repository
    from lettre.templates import environment

    repo = Repository(root)
    loaded = load_issue(repo, folder, load_publication(repo).value).value  # type: ignore[arg-type]
    assert loaded
    with tempfile.TemporaryDirectory() as cache:
        variants = _variants(loaded, Path(cache))
        html_env, _ = _environments(loaded, repo)
        ctx = _context(loaded, variants, _cid_url, None, frozenset())
        mjml = html_env.get_template("email.mjml.j2").render(**ctx)
        prints = {src: variant(info, PRINT, Path(cache)) for src, info in loaded.images.items()}
        html = pdf.render_html(environment(None, "fr"), loaded, prints)
        css = pdf.render_css(environment(None, "fr", html=False), loaded, marks=False)
        dump.write_bytes(pickle.dumps({"mjml": [mjml, mjml], "html": html, "css": css,
                                       "resources": pdf.resources(prints)}))  # fmt: skip


def refresh_events(
    port: int, since: int, edit: Callable[[], None], timeout: float = 120
) -> list[tuple[str, int, float]]:
    """Listen to a preview's events from build `since`, call `edit` (a save), and return
    the named events that follow, each with its build number and the seconds since the
    save, until the PDF (or a failure) is told: [("email", 3, 0.31), ("pdf", 4, 1.9)]."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request("GET", f"/events?since={since}", headers={"Host": f"127.0.0.1:{port}"})
    stream = connection.getresponse()
    assert stream.status == 200 and stream.getheader("Content-Type") == "text/event-stream"
    start, events, name = time.perf_counter(), list[tuple[str, int, float]](), None
    edit()
    try:
        while not events or events[-1][0] == "email":
            line = stream.readline().decode().rstrip("\n")
            if not line and stream.isclosed():
                break
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: ") and name:
                events.append((name, int(line.removeprefix("data: ")), time.perf_counter() - start))
                name = None
    finally:
        connection.close()
    return events


def timed(command: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--issues", type=int, default=52)
    parser.add_argument("--json", type=Path, default=Path(".artifacts/bench.json"))
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="lettre-bench-") as temporary:
        root = Path(temporary)
        print(
            f"Making {args.issues} issues (4 headlines, 12 articles, 6 photos of 2400×1600 each)…"
        )
        folders = make_year(root, args.issues)
        typical = folders[len(folders) // 2]
        repo = ["--repo", str(root)]

        single = [
            timed([*LETTRE, *repo, "build", str(typical), "--out", str(root / f"one{r}")])
            for r in range(args.runs)
        ]
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        built = root / f"one0/{typical.name}"
        html_bytes = next(built.glob("*.html")).stat().st_size
        pdf_bytes = next(built.glob("*.pdf")).stat().st_size

        dump = root / "engines.pickle"
        engine_inputs(root, typical, dump)
        src = str(Path(__file__).resolve().parents[1] / "src")
        raw = [
            timed([sys.executable, "-c", RAW.format(src=src, dump=str(dump))])
            for _ in range(args.runs)
        ]

        year = timed([*LETTRE, *repo, "build", "--out", str(root / "year")])
        noop = statistics.median(
            timed([*LETTRE, *repo, "build", "--out", str(root / "year")]) for _ in range(3)
        )
        shutil.rmtree(root / "year", ignore_errors=True)

    one, engines = statistics.median(single), statistics.median(raw)
    budget_year = 1.2 * engines * args.issues / cores
    rows = [
        ("cold build of one issue (process, median)", f"{one:.2f} s", "", None),
        ("raw engines on the same HTML (process, median)", f"{engines:.2f} s", "", None),
        ("overhead ratio", f"{one / engines:.2f}", "≤ 1.15", one / engines <= 1.15),
        (
            f"full year, {args.issues} issues on {cores} cores",
            f"{year:.1f} s",
            f"≤ {budget_year:.1f} s",
            year <= budget_year,
        ),
        ("no-op rebuild of the year (median of 3)", f"{noop:.2f} s", "≤ 0.5 s", noop <= 0.5),
        ("peak RSS of one build", f"{peak_mb:.0f} MB", "≤ 250 MB", peak_mb <= 250),
        (
            "email HTML of the typical issue",
            f"{html_bytes / 1000:.1f} KB",
            "≤ 70 KB",
            html_bytes <= 70_000,
        ),
        (
            "PDF of the typical issue",
            f"{pdf_bytes / 1e6:.2f} MB",
            "≤ 1.5 MB",
            pdf_bytes <= 1_500_000,
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure'.ljust(width)}  {'value':>10}  {'target':>12}  ")
    for name, value, target, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"{name.ljust(width)}  {value:>10}  {target:>12}  {verdict}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    results = {
        "cores": cores, "issues": args.issues, "runs": args.runs,
        "single_build_s": single, "raw_engines_s": raw, "overhead_ratio": one / engines,
        "full_year_s": year, "full_year_budget_s": budget_year, "noop_rebuild_s": noop,
        "peak_rss_mb": peak_mb, "email_html_bytes": html_bytes, "pdf_bytes": pdf_bytes,
    }  # fmt: skip
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nSaved {args.json}")


if __name__ == "__main__":
    main()
