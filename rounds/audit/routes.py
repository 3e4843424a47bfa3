"""Admins browse and filter the audit log."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Response

from rounds.audit import service
from rounds.auth.access import ensure_admin
from rounds.web.params import ViewerDep
from rounds.web.rendering import render


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@get("/admin/audit", name="audit")
async def audit_log(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    q = request.query_params
    filters = service.AuditFilter(
        object_type=(q.get("object_type") or "")[:40],
        action=(q.get("action") or "")[:40],
        actor=(q.get("actor") or "")[:100],
        unit_id=_int(q.get("unit_id")),
        object_id=(q.get("object_id") or "")[:40],
    )
    page = max(1, min(_int(q.get("page")) or 1, 100_000))
    entries, has_next = await service.browse(filters, page=page)
    base_query = urlencode({k: v for k, v in vars(filters).items() if v})
    return render(
        request,
        "admin/audit.html",
        fragment="admin/_audit_rows.html",
        entries=entries,
        has_next=has_next,
        page=page,
        filters=filters,
        base_query=base_query,
    )


route_handlers = [audit_log]
