"""Small server-side SVG charts: nothing to download, nothing run in the browser."""

from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = [
    "#2563eb", "#16a34a", "#dc2626", "#d97706", "#7c3aed", "#0891b2",
    "#db2777", "#65a30d", "#9333ea", "#0d9488", "#ea580c", "#4b5563",
]  # fmt: skip
_EMPTY = Markup('<p class="empty">No data yet.</p>')


def _text(x: float, y: float, label: object, anchor: str = "start", cls: str = "") -> str:
    style = f' class="{cls}"' if cls else ""
    return f'<text{style} x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(label)}</text>'


def _rect(x: float, y: float, w: float, h: float, colour: str, tip: str) -> str:
    box = f'x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}"'
    return f'<rect {box} fill="{colour}"><title>{escape(tip)}</title></rect>'


def _svg(width: float, height: float, body: list[str]) -> Markup:
    head = f'<svg class="chart" role="img" viewBox="0 0 {width:.0f} {height:.0f}" '
    return Markup(f'{head}width="{width:.0f}">{"".join(body)}</svg>')


def bars(values: list[tuple[str, float]], *, width: int = 520, unit: str = "") -> Markup:
    """Horizontal bars, one per label, with the value written at the end."""
    if not values:
        return _EMPTY
    top = max(v for _, v in values) or 1
    row, label_w = 22, 150
    body = []
    for i, (label, value) in enumerate(values):
        y, w = i * row + 2, (width - label_w - 70) * value / top
        colour = PALETTE[i % len(PALETTE)]
        body.append(_text(label_w - 6, y + 15, label, "end"))
        body.append(_rect(label_w, y + 3, w, row - 8, colour, f"{label}: {value:g}{unit}"))
        body.append(_text(label_w + w + 6, y + 15, f"{value:g}{unit}"))
    return _svg(width, row * len(values) + 4, body)


def stacked_columns(
    columns: list[tuple[str, dict[str, int]]], *, width: int = 720, height: int = 220
) -> Markup:
    """One column per label (e.g. a day), stacked by series (e.g. intents), with a legend."""
    series = sorted({s for _, counts in columns for s in counts})
    if not series:
        return _EMPTY
    colours = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(series)}
    top = max(sum(c.values()) for _, c in columns) or 1
    plot_h, col_w = height - 40.0, (width - 40) / max(len(columns), 1)
    body = [_text(0, 12, top, cls="tick")]
    for i, (label, counts) in enumerate(columns):
        x, base = 30 + i * col_w, plot_h
        for name in series:
            h = plot_h * counts.get(name, 0) / top
            if h:
                base -= h
                tip = f"{label} {name}: {counts[name]}"
                body.append(_rect(x + 2, base, col_w - 4, h, colours[name], tip))
        body.append(_text(x + col_w / 2, plot_h + 14, label, "middle", "tick"))
    for i, name in enumerate(series):
        lx, ly = 30 + (i % 4) * 170, height + 2 + 20 * (i // 4)
        body.append(_rect(lx, ly - 10, 12, 12, colours[name], name))
        body.append(_text(lx + 16, ly, name))
    return _svg(width, height + 20 * ((len(series) + 3) // 4), body)
