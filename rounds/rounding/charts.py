"""Small trend charts drawn on the server as inline SVG.

The strict CSP forbids style attributes, so the markup uses presentation attributes and CSS
classes only. Every chart has a <title> and a text alternative listing the values.
"""

from __future__ import annotations

from datetime import date
from html import escape

WIDTH, HEIGHT, PAD = 240, 64, 6


def _fmt(value: float | None) -> str:
    return "no data" if value is None else f"{value:g}"


def text_alternative(points: list[tuple[date, float | None]], label: str) -> str:
    if not points:
        return f"{label}: no monthly figures entered yet."
    parts = [f"{m:%b %Y} {_fmt(v)}" for m, v in points]
    return f"{label}, month by month: " + "; ".join(parts) + "."


def sparkline(
    points: list[tuple[date, float | None]], label: str, *, width: int = WIDTH, height: int = HEIGHT
) -> str:
    """An SVG line for up to 12 monthly values; gaps where a month has no exposure."""
    title = escape(label)
    if not points:
        return (
            f'<svg class="chart chart--empty" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'aria-label="{title}: no figures yet"><title>{title}: no figures yet</title>'
            f'<line x1="{PAD}" y1="{height - PAD}" x2="{width - PAD}" y2="{height - PAD}" stroke="#6b7782" stroke-width="1" stroke-dasharray="4 4"/></svg>'
        )
    values = [v for _, v in points if v is not None]
    top = max(values) if values else 0
    top = top if top > 0 else 1
    n = len(points)
    step = (width - 2 * PAD) / max(1, n - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return PAD + i * step, height - PAD - (height - 2 * PAD) * (v / top)

    segments: list[list[tuple[float, float]]] = [[]]
    dots = []
    for i, (_m, v) in enumerate(points):
        if v is None:
            if segments[-1]:
                segments.append([])
            continue
        x, y = xy(i, v)
        segments[-1].append((x, y))
        dots.append((x, y))
    lines = "".join(
        '<polyline class="chart__line" fill="none" stroke="#0b5d63" stroke-width="2.5" stroke-linejoin="round" points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
        + '"/>'
        for seg in segments
        if len(seg) > 1
    )
    last = dots[-1] if dots else None
    dot = (
        f'<circle class="chart__last" cx="{last[0]:.1f}" cy="{last[1]:.1f}" r="4" fill="#0b5d63"/>'
        if last
        else ""
    )
    first_month, last_month = points[0][0], points[-1][0]
    desc = escape(text_alternative(points, label))
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{title}, '
        f'{first_month:%b %Y} to {last_month:%b %Y}"><title>{title}</title><desc>{desc}</desc>'
        f'<line x1="{PAD}" y1="{height - PAD}" x2="{width - PAD}" y2="{height - PAD}" stroke="#c9d1d8" stroke-width="1"/>'
        f"{lines}{dot}</svg>"
    )
