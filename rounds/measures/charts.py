"""Small multiples for the board report: inline SVG drawn on the server (strict CSP: attributes
and classes only), with axis labels, and the values in words for screen readers and the PDF.
"""

from __future__ import annotations

from html import escape

from rounds.measures.trends import Series

W, H = 200, 80
LEFT, RIGHT, TOP, BOTTOM = 26, 6, 8, 18
STROKES = (("#0b5d63", ""), ("#9a3412", ' stroke-dasharray="5 3"'))


def _fmt(v: float | None) -> str:
    return "no data" if v is None else f"{v:g}"


def text_alternative(s: Series) -> str:
    parts = []
    for legend, values in s.lines:
        parts.append(
            f"{legend}: "
            + ", ".join(f"{m:%b} {_fmt(v)}" for m, v in zip(s.months, values, strict=False))
        )
    return f"{s.title} ({s.unit_words}), {s.months[0]:%b %Y} to {s.months[-1]:%b %Y}. " + "; ".join(
        parts
    )


def small_multiple(s: Series) -> str:
    """One chart: y axis from 0 to the largest value (both labelled), first and last month
    labelled on the x axis, one line per series (the second dashed)."""
    values = [v for _, vs in s.lines for v in vs if v is not None]
    top = max(values) if values else 0
    top = top if top > 0 else 1
    n = len(s.months)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    step = plot_w / max(1, n - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return LEFT + i * step, TOP + plot_h - plot_h * (v / top)

    body = []
    for (_legend, vs), (colour, dash) in zip(s.lines, STROKES, strict=False):
        seg: list[str] = []
        segments = []
        for i, v in enumerate(vs):
            if v is None:
                if seg:
                    segments.append(seg)
                seg = []
                continue
            x, y = xy(i, v)
            seg.append(f"{x:.1f},{y:.1f}")
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{colour}"/>')
        if seg:
            segments.append(seg)
        for points in segments:
            if len(points) > 1:
                body.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="{" ".join(points)}"/>'
                )
    top_label = f"{top:g}" if values else "0"
    base = TOP + plot_h
    axes = (
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="#6b7782" stroke-width="1"/>'
        f'<line x1="{LEFT}" y1="{base}" x2="{W - RIGHT}" y2="{base}" stroke="#6b7782" stroke-width="1"/>'
        f'<text x="{LEFT - 3}" y="{TOP + 4}" text-anchor="end" font-size="9" fill="#3d4852">{top_label}</text>'
        f'<text x="{LEFT - 3}" y="{base}" text-anchor="end" font-size="9" fill="#3d4852">0</text>'
        f'<text x="{LEFT}" y="{H - 4}" font-size="9" fill="#3d4852">{s.months[0]:%b %y}</text>'
        f'<text x="{W - RIGHT}" y="{H - 4}" text-anchor="end" font-size="9" fill="#3d4852">{s.months[-1]:%b %y}</text>'
    )
    label = escape(text_alternative(s))
    return (
        f'<svg class="multiple" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
        f'aria-label="{label}"><title>{escape(s.title)}</title>{axes}{"".join(body)}</svg>'
    )
