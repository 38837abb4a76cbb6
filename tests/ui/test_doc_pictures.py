"""The pictures in the README and docs read right where people look at them: each is rendered by
headless Chromium and every text run is measured on the page. A wide (CJK) glyph takes two cells,
a narrow one one cell, no glyph's ink runs into the next glyph, and no run overlaps the next run
on its line: broken Chinese (glyphs squeezed into one cell each and overlapping) fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from rich.cells import cell_len

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
PICTURE = re.compile(r"!\[[^\]]*\]\(([^)\s]+\.(?:svg|png))\)")

MEASURE = """() => {
  const runs = [];
  for (const t of document.querySelectorAll('text[clip-path]')) {
    const n = t.getNumberOfChars();
    if (n === 0) continue;
    const chars = [];
    for (let i = 0; i < n; i++) {
      const box = t.getExtentOfChar(i);
      chars.push({start: t.getStartPositionOfChar(i).x, end: t.getEndPositionOfChar(i).x,
                  left: box.x, right: box.x + box.width});
    }
    runs.push({text: t.textContent, y: t.getAttribute('y'), chars});
  }
  return runs;
}"""


def doc_pictures() -> list[Path]:
    """Every picture the README or a doc shows (as Markdown images), plus every one in docs/img."""
    found = set((ROOT / "docs" / "img").glob("*.svg")) | set((ROOT / "docs" / "img").glob("*.png"))
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in PICTURE.findall(doc.read_text(encoding="utf-8")):
            found.add((doc.parent / target).resolve())
    return sorted(found)


def test_the_readme_shows_pictures_that_exist():
    pictures = doc_pictures()
    assert any(p.name == "kiosk-menu.svg" for p in pictures)
    for picture in pictures:
        assert picture.exists(), f"{picture} is shown by a doc but missing"


def cell_width(runs: list[dict]) -> float:
    """The picture's cell: the median advance of a narrow character followed by another."""
    advances = sorted(run["chars"][i + 1]["start"] - run["chars"][i]["start"] for run in runs
                      if cell_len(run["text"]) == len(run["text"]) for i in range(len(run["chars"]) - 1))
    assert advances, "no run of narrow characters to take the cell width from"
    return advances[len(advances) // 2]


def glyph_problems(runs: list[dict]) -> list[str]:
    """Each glyph on its cells (two for a wide one) and inside them; no run over the next."""
    cell = cell_width(runs)
    problems, lines = [], {}
    for run in runs:
        lines.setdefault(run["y"], []).append(run)
        origin, cells = run["chars"][0]["start"], 0
        for char, box in zip(run["text"], run["chars"], strict=True):
            left, width = origin + cells * cell, cell_len(char) * cell
            cells += cell_len(char)
            if char.isspace():
                continue
            if abs(box["start"] - left) > 0.25 * cell:
                problems.append(f"{char!r} in {run['text']!r} starts {box['start'] - origin:.1f} px into its run, "
                                f"its cell at {left - origin:.1f} px")
            if box["right"] > left + width + 0.2 * cell or box["left"] < left - 0.2 * cell:
                problems.append(f"{char!r} in {run['text']!r} spills out of its {cell_len(char)} cell(s)")
    for line in lines.values():
        line.sort(key=lambda r: r["chars"][0]["start"])
        for left, right in zip(line, line[1:], strict=False):
            inked = [c["right"] for c, ch in zip(left["chars"], left["text"], strict=True) if not ch.isspace()]
            if inked and max(inked) > right["chars"][0]["start"] + 0.2 * cell:
                problems.append(f"{left['text']!r} overlaps {right['text']!r}")
    return problems


@pytest.mark.parametrize("picture", [p for p in doc_pictures() if p.suffix == ".svg"], ids=lambda p: p.name)
def test_each_doc_picture_reads_right_in_a_browser(picture, tmp_path):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1100})
            page.goto(picture.as_uri())
            page.wait_for_load_state("load")
            page.evaluate("document.fonts.ready.then(() => true)")
            runs = page.evaluate(MEASURE)
            page.screenshot(path=str(tmp_path / f"{picture.stem}.png"))
        finally:
            browser.close()
    assert any(cell_len(r["text"]) > len(r["text"]) for r in runs), "expected Chinese in the picture"
    problems = glyph_problems(runs)
    assert not problems, f"{picture.name} as a browser shows it:\n" + "\n".join(problems[:20])
