"""The board report as a PDF, made on the server with WeasyPrint (it needs Pango: Debian's
libpango-1.0-0 and libpangoft2-1.0-0, see .ci/run).

WeasyPrint reads only local files here: the stylesheet from static/, nothing over the network.
"""

from __future__ import annotations

from rounds import STATIC_DIR


def _no_fetching(url: str, *args, **kwargs):
    """Refuse every outside resource: the report is self-contained (inline SVG, local CSS)."""
    if url.startswith("file://") and url.startswith(STATIC_DIR.as_uri()):
        from weasyprint import default_url_fetcher

        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"not fetched: {url}")


PAPER = {"letter": "letter", "a4": "A4"}


def html_to_pdf(html: str, paper: str = "letter") -> bytes:
    """One PDF from the board report's HTML, with the board's own stylesheet, on Letter or A4."""
    from weasyprint import CSS, HTML

    page = CSS(string=f"@page {{ size: {PAPER.get(paper, 'letter')}; margin: 10mm 11mm; }}")
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=_no_fetching)
    return document.write_pdf(
        stylesheets=[CSS(filename=str(STATIC_DIR / "css" / "board-pdf.css")), page]
    )
