"""The ceiling: the same 50 log rows fetched with the plain driver on one kept connection and
rendered by a bare Jinja template in a bare Litestar handler - no sessions, no ORM, no CSRF,
no middleware. The benchmark serves it exactly like the app (uvicorn, same workers) and prints
every page's throughput as a fraction of it.

Served with `python -m tests.perf.ceiling --port P --workers N` (the app's own runner); ROUNDS_DATABASE_URL and
ROUNDS_CEILING_UNIT choose the database and the unit.
"""

from __future__ import annotations

import os
import sqlite3

from jinja2 import Environment
from litestar import Litestar, get
from litestar.response import Response

LOG_SQL = """
SELECT i.id, i.description, i.status, i.priority, i.identified_on, i.due_on, i.feedback_due_on,
       c.name AS category, p.display_name AS owner
FROM safety_issue i
LEFT JOIN category c ON c.id = i.category
LEFT JOIN person p ON p.id = i.owner
WHERE i.unit = {unit} AND i.status IN ('new', 'planned', 'in_progress')
ORDER BY i.priority DESC, i.identified_on DESC, i.id DESC
LIMIT 50
"""

TEMPLATE = Environment(autoescape=True).from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tracking log</title></head><body>
<main><h1>Tracking log</h1><table><thead><tr><th>Safety issue</th><th>Status</th><th>Priority</th><th>Category</th>
<th>Owner</th><th>Identified</th><th>Due</th><th>Feedback due</th></tr></thead><tbody>
{% for r in rows %}<tr><td><a href="/issues/{{ r.id }}">{{ r.description }}</a></td><td>{{ r.status }}</td>
<td>{{ r.priority }}</td><td>{{ r.category or '' }}</td><td>{{ r.owner or 'No owner' }}</td><td>{{ r.identified_on }}</td>
<td>{{ r.due_on or '' }}</td><td>{{ r.feedback_due_on or '' }}</td></tr>
{% endfor %}</tbody></table></main></body></html>"""
)


def create_app() -> Litestar:
    url = os.environ["ROUNDS_DATABASE_URL"]
    unit = int(os.environ.get("ROUNDS_CEILING_UNIT", "1"))
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), check_same_thread=False)
        conn.row_factory = sqlite3.Row
        sql = LOG_SQL.format(unit=unit)

        @get("/ceiling", sync_to_thread=False)
        def ceiling() -> Response:
            rows = conn.execute(sql).fetchall()
            return Response(TEMPLATE.render(rows=rows), media_type="text/html")

        return Litestar(route_handlers=[ceiling], openapi_config=None)

    import asyncpg

    state: dict = {}

    async def start(app):
        state["pool"] = await asyncpg.create_pool(url, min_size=1, max_size=4)

    async def stop(app):
        await state["pool"].close()

    sql = LOG_SQL.format(unit="$1")

    @get("/ceiling")
    async def ceiling_pg() -> Response:
        async with state["pool"].acquire() as conn:
            rows = await conn.fetch(sql, unit)
        return Response(TEMPLATE.render(rows=rows), media_type="text/html")

    return Litestar(
        route_handlers=[ceiling_pg], on_startup=[start], on_shutdown=[stop], openapi_config=None
    )


if __name__ == "__main__":
    # Served exactly like the app (rounds.serving: uvicorn, same workers, TCP_NODELAY fixed).
    import argparse

    from rounds import serving

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    serving.run(
        "tests.perf.ceiling:create_app",
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
        server_header=False,
    )
