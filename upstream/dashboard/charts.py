"""Server-side SVG charts for the dashboard (pure: numbers in, SVG text out; no script, no
library): vertical bars for orders by hour, horizontal bars for rankings and mixes. Every text is
escaped; the SVG carries a <title> and role="img" for screen readers."""

from __future__ import annotations

from html import escape

COLOUR, MUTED, TEXT = "#d9480f", "#adb5bd", "#212529"


def hour_bars(values: list[int], title: str, width: int = 640, height: int = 180) -> str:
    """24 bars (hour 0-23) scaled to the largest value; hours labelled every 3."""
    top = max(values) if values and max(values) > 0 else 1
    left, bottom, plot_h = 28, 22, height - 22 - 14
    bar_w = (width - left - 4) / 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart">',
             f"<title>{escape(title)}</title>",
             f'<text x="0" y="12" font-size="11" fill="{MUTED}">{top}</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="{MUTED}"/>']
    for hour, value in enumerate(values[:24]):
        h = plot_h * value / top
        x = left + hour * bar_w
        parts.append(f'<rect x="{x + 1:.1f}" y="{height - bottom - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}"'
                     f' fill="{COLOUR}"><title>{hour}:00 {value}</title></rect>')
        if hour % 3 == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - 6}" font-size="11" text-anchor="middle"'
                         f' fill="{TEXT}">{hour}</text>')
    parts.append("</svg>")
    return "".join(parts)


def ranking(rows: list[tuple[str, float, str]], title: str, width: int = 640, row_h: int = 24) -> str:
    """Horizontal bars: (label, value, value text) per row, scaled to the largest value."""
    rows = rows or [("—", 0, "")]
    top = max((v for _, v, _ in rows), default=0) or 1
    label_w, text_w = 150, 110
    bar_space = width - label_w - text_w
    height = row_h * len(rows) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart">',
             f"<title>{escape(title)}</title>"]
    for n, (label, value, shown) in enumerate(rows):
        y = n * row_h + 2
        w = max(0.0, bar_space * value / top)
        parts.append(f'<text x="{label_w - 6}" y="{y + row_h * 0.68:.1f}" font-size="13" text-anchor="end"'
                     f' fill="{TEXT}">{escape(label[:14])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{COLOUR}"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + row_h * 0.68:.1f}" font-size="12"'
                     f' fill="{TEXT}">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)
