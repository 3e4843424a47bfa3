"""The board report's PDF maker reads Rounds' own static files and nothing else: a URL to another
host in the HTML is not fetched, and does not stop the PDF (WeasyPrint 70 changed its fetcher
API; a plain function there failed with AttributeError on the first outside URL)."""

import http.server
import threading

from rounds.reports.pdf import html_to_pdf


def test_outside_urls_are_not_fetched_and_the_pdf_is_made():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        pdf = html_to_pdf(
            f'<h1>Board report</h1><img src="http://127.0.0.1:{port}/tracker.png">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
            '<link rel="stylesheet" href="css/board-pdf.css">'
        )
    finally:
        server.shutdown()
    assert pdf.startswith(b"%PDF-")
    assert hits == []
