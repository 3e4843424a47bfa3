"""Admins browse and filter the audit log (the audit trail itself is rounds.audit, below the
features; its entries in words come from rounds.issues.audit_words)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Response

from rounds.audit import service
from rounds.auth.access import ensure_admin
from rounds.issues import audit_words as words
from rounds.issues.sheets import write_csv
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
    entries = await words.in_words(entries)
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


@get("/admin/audit.csv")
async def audit_export(request: Request, viewer: ViewerDep) -> Response:
    """The entries matching the filters (newest first, at most 10,000): the raw stored values
    beside the same in words."""
    ensure_admin(viewer)
    q = request.query_params
    filters = service.AuditFilter(
        object_type=(q.get("object_type") or "")[:40],
        action=(q.get("action") or "")[:40],
        actor=(q.get("actor") or "")[:100],
        unit_id=_int(q.get("unit_id")),
        object_id=(q.get("object_id") or "")[:40],
    )
    entries, _ = await service.browse(filters, page=1, per_page=10_000)
    entries = await words.in_words(entries)
    rows = [
        [
            e["seq"],
            e["at"].isoformat() if hasattr(e["at"], "isoformat") else e["at"],
            e["actor_label"],
            e["who"],
            e["action"],
            e["object_type"],
            e["object_id"],
            json.dumps(e["changes"], ensure_ascii=False, default=str),
            "; ".join(f"{label}: {old} -> {new}" for label, old, new in e["lines"]),
        ]
        for e in entries
    ]
    header = [
        "Seq",
        "At",
        "Actor",
        "Who",
        "Action",
        "Record type",
        "Record id",
        "Changes (raw)",
        "Changes",
    ]
    return Response(
        content=write_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


route_handlers = [audit_log, audit_export]
