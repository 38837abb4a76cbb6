"""The CJK font used to draw tickets as images (raster profiles, simulator PNGs).

It must have Chinese characters AND Latin letters and digits of exactly half their width, so
text laid out in printer cells lines up: Noto Sans Mono CJK SC from Debian's fonts-noto-cjk
(installed by the Makefile) is the first choice. `EDGE_PRINTER_FONT=/path/font.ttc` overrides
the search (face index with `#N`, e.g. `...Regular.ttc#7`).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

# (file, preferred face names in order): a .ttc holds several faces; the names pick one.
CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", ("Noto Sans Mono CJK SC", "Noto Sans CJK SC")),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", ("Noto Sans Mono CJK SC", "Noto Sans CJK SC")),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", ("Noto Serif CJK SC",)),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", ("WenQuanYi Micro Hei Mono", "WenQuanYi Micro Hei")),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", ("WenQuanYi Zen Hei Mono", "WenQuanYi Zen Hei")),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", ("AR PL UMing CN",)),
)
INSTALL_HINT = ("no CJK font found for printing Chinese as images: install one with "
                "`apt-get install --no-install-recommends fonts-noto-cjk`, or set EDGE_PRINTER_FONT=/path/to/font")


class FontMissing(RuntimeError):
    """No usable CJK font on this machine; the message says what to install."""


def _face_index(path: str, names: tuple[str, ...]) -> int:
    from PIL import ImageFont

    found: dict[str, int] = {}
    for index in range(16):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0]
        except OSError:
            break
        found.setdefault(family, index)
    for name in names:
        if name in found:
            return found[name]
    return 0


@lru_cache(maxsize=1)
def font_file() -> tuple[str, int]:
    """(path, face index) of the CJK font; FontMissing when there is none."""
    override = os.environ.get("EDGE_PRINTER_FONT", "").strip()
    if override:
        path, _, index = override.partition("#")
        if not Path(path).is_file():
            raise FontMissing(f"EDGE_PRINTER_FONT={override!r}: no such font file")
        return path, int(index or 0)
    for path, names in CANDIDATES:
        if Path(path).is_file():
            return path, _face_index(path, names)
    raise FontMissing(INSTALL_HINT)


@lru_cache(maxsize=16)
def cjk_font(size: int):
    """A PIL FreeType font of `size` pixels (em square)."""
    from PIL import ImageFont

    path, index = font_file()
    return ImageFont.truetype(path, size, index=index)
