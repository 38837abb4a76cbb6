"""edge.ui.svg_cells: a Rich terminal SVG's wide characters get two cells each."""

from __future__ import annotations

from edge.ui.svg_cells import fix_wide_text

RICH = ('<style>.m { font-family: Fira Code, monospace; }</style>'
        '<text class="r2" x="402.6" y="117.6" textLength="61" clip-path="url(#l4)">水晶虾饺皇</text>'
        '<text class="r1" x="12.2" y="20" textLength="61" clip-path="url(#l0)">&#160;¥9.5</text>'
        '<text class="r1" x="0" y="44" textLength="36.6" clip-path="url(#l1)">●&#160;正</text>')


def test_each_wide_character_gets_two_cells_and_narrow_runs_stay_as_they_are():
    fixed = fix_wide_text(RICH)
    assert ('<text class="r2" x="402.6 427 451.4 475.8 500.2" y="117.6" clip-path="url(#l4)">水晶虾饺皇</text>'
            in fixed)
    assert '<text class="r1" x="12.2" y="20" textLength="61" clip-path="url(#l0)">&#160;¥9.5</text>' in fixed
    assert '<text class="r1" x="0 12.2 24.4" y="44" clip-path="url(#l1)">●&#160;正</text>' in fixed
    assert 'font-family: Fira Code, "DejaVu Sans Mono", "Noto Sans Mono CJK SC", monospace;' in fixed
