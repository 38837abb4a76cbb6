"""Save an SVG screenshot of the kiosk's menu screen, for the docs (made to read right in a
browser: wide glyphs two cells wide, a CJK monospace font; see edge/ui/svg_cells.py).

    python -m edge.ui.screenshot http://127.0.0.1:8765 docs/img/kiosk-menu.svg [--lang en] [--size 120x40]

A pure client like the kiosk itself: it needs a running core (`edge core` or `edge demo --no-ui`).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from edge.ui.kiosk_app import create_app
from edge.ui.svg_cells import fix_wide_text


async def save_menu_screenshot(core_url: str, target: Path, language: str = "zh",
                               size: tuple[int, int] = (120, 40), timeout: float = 10.0) -> Path:
    app = create_app(core_url, language=language)
    async with app.run_test(size=size) as pilot:
        deadline = time.monotonic() + timeout
        while not (app.screen.query(".dish") and app.core_state == "online"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the kiosk did not show a menu from {core_url} within {timeout:.0f} s")
            await pilot.pause(0.05)
        await pilot.pause()
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(fix_wide_text(app.export_screenshot()), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("core_url")
    parser.add_argument("target", type=Path)
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    parser.add_argument("--size", default="120x40", help="columns x rows")
    args = parser.parse_args(argv)
    columns, rows = (int(n) for n in args.size.lower().split("x"))
    print(asyncio.run(save_menu_screenshot(args.core_url, args.target, args.lang, (columns, rows))))


if __name__ == "__main__":
    main()
