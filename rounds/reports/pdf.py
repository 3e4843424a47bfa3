"""The board report as a PDF, made on the server with WeasyPrint (it needs Pango: Debian's
libpango-1.0-0 and libpangoft2-1.0-0, see .ci/run).

WeasyPrint reads only local files here: the stylesheet from static/, nothing over the network.
"""

from __future__ import annotations

from rounds import STATIC_DIR

PAPER = {"letter": "letter", "a4": "A4"}


def html_to_pdf(html: str, paper: str = "letter") -> bytes:
    """One PDF from the board report's HTML, with the board's own stylesheet, on Letter or A4."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher  # imported here: WeasyPrint needs Pango to load

    class LocalOnly(URLFetcher):
        """Only Rounds' own static files: the report is self-contained (inline SVG, local
        CSS) and never reaches another host, whatever a description contains."""

        def fetch(self, url, headers=None):
            if url.startswith(STATIC_DIR.as_uri() + "/"):
                return super().fetch(url, headers)
            raise ValueError(f"not fetched: {url}")

    page = CSS(string=f"@page {{ size: {PAPER.get(paper, 'letter')}; margin: 10mm 11mm; }}")
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=LocalOnly())
    data = document.write_pdf(
        stylesheets=[CSS(filename=str(STATIC_DIR / "css" / "board-pdf.css")), page]
    )
    if data is None:  # only when given a target to write to
        raise RuntimeError("WeasyPrint wrote no PDF")
    return data
