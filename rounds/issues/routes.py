"""The tracking log: list and export, quick capture, the issue page, stoplight report, import,
and the admin's categories. Thin handlers: rules and queries live in service.py and csvio.py."""

from __future__ import annotations

import asyncio
import secrets

from litestar import Request, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.response import Response

from rounds.admin.service import get_unit, list_units
from rounds.audit import service as audit
from rounds.auth.access import ensure_admin, ensure_can_contribute, ensure_can_manage
from rounds.barriers.service import barriers_for_issue
from rounds.core.clock import local_today
from rounds.issues import audit_words, csvio, log, rules, service
from rounds.issues.forms import CaptureForm, CategoryForm, IssueForm, StatusForm, UpdateForm
from rounds.web import merging
from rounds.web.forms import read_form, validate
from rounds.web.nav import NavItem
from rounds.web.params import FromPath, ViewerDep
from rounds.web.rendering import redirect, render, wants_fragment

VOCAB = {
    "sources": list(rules.SOURCES.items()),
    "harms": list(rules.HARMS.items()),
    "likelihoods": list(rules.LIKELIHOODS.items()),
    "eases": list(rules.EASE.items()),
    "statuses": list(rules.STATUSES.items()),
    "feedback_hows": list(rules.FEEDBACK_HOW.items()),
    "overrides": [("high", "High"), ("medium", "Medium"), ("low", "Low")],
    "priority_labels": rules.PRIORITY_LABELS,
    "sorts": list(log.SORTS.items()),
}


def _new_key() -> str:
    return secrets.token_urlsafe(24)


# --- the tracking log ---------------------------------------------------------------------


@get("/issues", name="issues")
async def log_page(request: Request, viewer: ViewerDep) -> Response:
    filters = log.LogFilters.from_query(request.query_params)
    page = await log.tracking_log(viewer, filters)
    choices = await log.filter_choices(viewer, filters)
    unit_name = next((u["name"] for u in choices.units if u["id"] == filters.unit), None)
    add_units = service.units_to_add_to(viewer, choices.units)
    return render(
        request,
        "issues/log.html",
        fragment="issues/_list.html",
        log=page,
        f=filters,
        units=choices.units,
        unit_name=unit_name,
        add_units=add_units,
        categories=choices.categories,
        owners=choices.owners,
        **VOCAB,
    )


@get("/issues/new")
async def add_issue(request: Request, viewer: ViewerDep) -> Response:
    """ "Add a safety issue" from the log or home: straight to the unit's capture screen, or a
    choice of unit first for people on several units."""
    units = service.units_to_add_to(viewer, await list_units(viewer, include_inactive=False))
    if not units:
        raise PermissionDeniedException("Only members of a unit's CUSP team can add safety issues.")
    wanted = request.query_params.get("unit") or ""
    chosen = next((u for u in units if str(u["id"]) == wanted), None)
    if chosen is None and len(units) == 1:
        chosen = units[0]
    if chosen is not None:
        return redirect(request, f"/units/{chosen['id']}/issues/new")
    return render(request, "issues/add.html", add_units=units)


@get("/issues/export.csv")
async def log_export(request: Request, viewer: ViewerDep) -> Response:
    filters = log.LogFilters.from_query(request.query_params)
    rows = await log.all_matching(viewer, filters)
    await _audit_export(request, viewer, filters, rows, "csv")
    # building the file takes long for a large log: in a thread, so other requests go on
    return _download(await asyncio.to_thread(csvio.export_csv, rows), "csv")


@get("/issues/export.xlsx")
async def log_export_xlsx(request: Request, viewer: ViewerDep) -> Response:
    filters = log.LogFilters.from_query(request.query_params)
    rows = await log.all_matching(viewer, filters)
    await _audit_export(request, viewer, filters, rows, "xlsx")
    return _download(await asyncio.to_thread(csvio.export_xlsx, rows), "xlsx")


async def _audit_export(request: Request, viewer, filters, rows, kind: str) -> None:
    """Data leaving Rounds: who took how many rows, with which filters."""
    await audit.record(
        viewer.actor,
        "export",
        "safety_issue",
        unit_id=filters.unit,
        changes={"rows": len(rows), "format": kind, "filters": str(request.url.query)[:300]},
    )


@get("/issues/template.csv")
async def import_template(viewer: ViewerDep) -> Response:
    return _download(csvio.export_csv([]), "csv", name="tracking-log-template")


@get("/issues/template.xlsx")
async def import_template_xlsx(viewer: ViewerDep) -> Response:
    return _download(csvio.export_xlsx([]), "xlsx", name="tracking-log-template")


_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _download(content: bytes, kind: str, *, name: str = "") -> Response:
    name = name or f"tracking-log-{local_today().isoformat()}"
    return Response(
        content=content,
        media_type=_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'},
    )


# --- quick capture --------------------------------------------------------------------------


async def _capture_context(viewer, unit, values, errors, added=None):
    return {
        "unit": unit,
        "values": values,
        "errors": errors,
        "added": added,
        "recent": await service.recently_captured(viewer, unit["id"]),
        "categories": await service.category_choices(),
        **VOCAB,
    }


@get("/units/{unit_id:int}/issues/new")
async def capture_page(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    unit = await get_unit(viewer, unit_id)
    ensure_can_contribute(viewer, unit_id)
    added = request.query_params.get("added") or ""
    values = {
        "idempotency_key": _new_key(),
        "source": request.query_params.get("source") or "safety_round",
    }
    return render(
        request,
        "issues/capture.html",
        fragment="issues/_capture.html",
        **await _capture_context(
            viewer, unit, values, {}, added=int(added) if added.isdigit() else None
        ),
    )


@post("/units/{unit_id:int}/issues/new")
async def capture_save(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    unit = await get_unit(viewer, unit_id)
    ensure_can_contribute(viewer, unit_id)
    data = await read_form(request)
    form, errors = validate(CaptureForm, data)
    if form and not errors:
        try:
            captured = await service.capture(
                viewer,
                unit_id,
                description=form.description,
                raised_by=form.raised_by,
                source=form.source,
                category_id=form.category,
                needs_executive_help=form.needs_executive_help,
                idempotency_key=form.idempotency_key or None,
            )
        except service.IssueInputError as exc:
            errors = exc.errors
        else:
            fresh = {
                "idempotency_key": _new_key(),
                "source": form.source,
                "raised_by": "",
                "category": "",
            }
            if wants_fragment(request):
                response = render(
                    request,
                    "issues/capture.html",
                    fragment="issues/_capture.html",
                    **await _capture_context(viewer, unit, fresh, {}, added=captured.id),
                )
                # Acknowledged: the browser's outbox may forget the item (static/js/app.js).
                response.headers["X-Rounds-Saved"] = "1"
                return response
            return redirect(
                request, f"/units/{unit_id}/issues/new?added={captured.id}&source={form.source}"
            )
    return render(
        request,
        "issues/capture.html",
        fragment="issues/_capture.html",
        **await _capture_context(viewer, unit, data, errors),
    )


# --- the issue page -------------------------------------------------------------------------


def _form_values(issue: dict) -> dict:
    values = {name: issue.get(name) for name in service.EDITABLE}
    values["version"] = issue["version"]
    for name in ("category", "owner"):
        values[name] = "" if values[name] is None else values[name]
    return values


def _as_typed(value) -> str:
    """A value as the form submits it (the base_* hidden fields)."""
    if value is None or value is False:
        return ""
    if value is True:
        return "on"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _base(issue: dict) -> dict[str, str]:
    """What the edit form is based on: saved with it, so a save writes only what this person changed."""
    return {name: _as_typed(issue.get(name)) for name in service.EDITABLE}


def _submitted_base(data: dict) -> dict[str, str]:
    return {
        k[5:]: v for k, v in data.items() if k.startswith("base_") and k[5:] in service.EDITABLE
    }


def _typed_base(data: dict) -> dict | None:
    """The base_* fields typed like the form (None if the form has none or they are garbled)."""
    raw = _submitted_base(data)
    if not raw:
        return None
    form, errors = validate(IssueForm, {**raw, "version": data.get("version") or 0})
    return form.values() if form and not errors else None


def _choose(data: dict) -> tuple[dict, dict, list[str]]:
    """Apply the person's choices for fields both people changed (keep_<field> = theirs|mine).
    The base of a form shown after a conflict is the other person's saved value."""
    return merging.choose(data, service.EDITABLE)


def _merge_rows(fields, theirs: dict, mine: dict, names: dict, vocab: dict) -> list[dict]:
    """Both values of each field changed by both people, in words."""

    def words(name, value):
        if name in names:
            said = str(value)  # a posted id: '²' and 5,000 digits pass isdigit, not int()
            return (
                names[name].get(int(said), value)
                if said.isascii() and said.isdigit() and len(said) < 10
                else value
            )
        if name in vocab:
            return vocab[name].get(value, value)
        if name == "needs_executive_help":
            return "yes" if value in ("on", True) else "no"
        return value

    return merging.rows(fields, theirs, mine, labels=service.FIELD_LABELS, words=words)


_VOCAB_BY_FIELD = {
    "source": rules.SOURCES,
    "harm": rules.HARMS,
    "likelihood": rules.LIKELIHOODS,
    "ease": rules.EASE,
    "feedback_how": rules.FEEDBACK_HOW,
    "priority_override": {"high": "High", "medium": "Medium", "low": "Low"},
}


async def _issue_context(
    viewer,
    issue,
    *,
    values=None,
    errors=None,
    status_errors=None,
    status_values=None,
    update_errors=None,
    update_values=None,
    conflict=None,
    base=None,
    merge_conflict=None,
):
    team = await service.unit_team_choices(issue["unit"])
    if issue["owner"] and issue["owner"] not in dict(team):
        # The owner left (or the team): shown, so a save that leaves the owner alone keeps
        # them, never silently clears them; the page asks for a new owner.
        team.append((issue["owner"], f"{issue['owner_name']} (has left – choose a new owner)"))
    categories = await service.category_choices(include_inactive_id=issue["category"])
    names = {"owner": dict(team), "category": dict(categories)}
    history = await audit_words.in_words(await audit.history("safety_issue", issue["id"]))
    return {
        "issue": issue,
        "values": values or _form_values(issue),
        "errors": errors or {},
        "status_errors": status_errors or {},
        "status_values": status_values or {},
        "update_errors": update_errors or {},
        "update_values": update_values or {},
        "conflict": conflict,
        "base": base or _base(issue),
        "merge_conflict": merge_conflict or [],
        "editable": service.EDITABLE,
        "team": team,
        "categories": categories,
        "names": names,
        "labels": service.FIELD_LABELS,
        "history": history,
        "updates": await service.updates_for(issue["id"]),
        "barriers": await barriers_for_issue(viewer, issue["id"], issue["unit"]),
        "can_edit": service.can_edit(viewer, issue),
        "can_comment": viewer.can_contribute(issue["unit"]) and not viewer.read_only,
        "next_action": service.NEXT_ACTION.get(issue["status"]),
        "moves": service.status_choices(issue["status"]),
        **VOCAB,
    }


@get("/issues/{issue_id:int}")
async def issue_page(request: Request, viewer: ViewerDep, issue_id: FromPath[int]) -> Response:
    issue = await service.get_issue(viewer, issue_id)
    return render(
        request,
        "issues/issue.html",
        fragment="issues/_issue.html",
        **await _issue_context(viewer, issue),
    )


def _conflict_changes(exc: service.Conflict, names: dict) -> list[dict]:
    out = []
    for change in exc.changes:
        row = dict(change)
        for key in ("old", "new"):
            value = row[key]
            if row["field"] in names and value not in (None, ""):
                value = names[row["field"]].get(int(value), value)
            row[key] = "–" if value in (None, "") else value
        out.append(row)
    return out


@post("/issues/{issue_id:int}/edit")
async def issue_edit(request: Request, viewer: ViewerDep, issue_id: FromPath[int]) -> Response:
    """Save only what this person changed (against the base_* values the form was opened with);
    a field someone else changed meanwhile to another value is shown with both values to choose."""
    issue = await service.get_issue(viewer, issue_id)
    service.ensure_can_edit(viewer, issue)
    data, choice_errors, unresolved = _choose(await read_form(request))
    form, errors = validate(IssueForm, data)
    errors = {**errors, **choice_errors}
    conflict = merge_conflict = None
    base = _submitted_base(data) or None
    if form and not errors:
        try:
            await service.change_issue(
                viewer, issue_id, form.values(), base=_typed_base(data), version=form.version
            )
            return redirect(request, f"/issues/{issue_id}?saved=1")
        except service.IssueInputError as exc:
            errors = exc.errors
        except service.Conflict as exc:
            issue = await service.get_issue(viewer, issue_id)
            ctx = await _issue_context(viewer, issue)
            conflict = _conflict_changes(exc, ctx["names"])
            if exc.fields:
                # The form now shows the issue as saved, with this person's own changes on top;
                # its base is the saved issue, so the next save writes only those changes.
                base = _base(issue)
                current = _form_values(issue)
                data = {
                    **current,
                    **{k: data.get(k, "") for k in exc.mine},
                    "version": issue["version"],
                }
                merge_conflict = _merge_rows(exc.fields, base, data, ctx["names"], _VOCAB_BY_FIELD)
                conflict = None
                errors = {
                    "__all__": "Someone else changed the same details while you were editing."
                }
            else:
                # Keep what this person typed, but against the current version: saving again is
                # a deliberate choice made after seeing what changed.
                data = {**data, "version": issue["version"]}
                errors = {
                    "__all__": "Someone else changed this issue while you were editing. Nothing you typed was saved yet."
                }
    if unresolved and merge_conflict is None:
        ctx = await _issue_context(viewer, issue)
        merge_conflict = _merge_rows(unresolved, base or {}, data, ctx["names"], _VOCAB_BY_FIELD)
    return render(
        request,
        "issues/issue.html",
        fragment="issues/_issue.html",
        **await _issue_context(
            viewer,
            issue,
            values=data,
            errors=errors,
            conflict=conflict,
            base=base,
            merge_conflict=merge_conflict,
        ),
    )


@post("/issues/{issue_id:int}/status")
async def issue_status(request: Request, viewer: ViewerDep, issue_id: FromPath[int]) -> Response:
    issue = await service.get_issue(viewer, issue_id)
    service.ensure_can_edit(viewer, issue)
    data = await read_form(request)
    form, errors = validate(StatusForm, data)
    conflict = None
    if form and not errors:
        try:
            await service.change_status(
                viewer,
                issue_id,
                form.status,
                reason=form.reason,
                version=form.version,
                base_status=form.base_status,
            )
            return redirect(request, f"/issues/{issue_id}?status=1")
        except service.IssueInputError as exc:
            errors = exc.errors
        except service.Conflict as exc:
            issue = await service.get_issue(viewer, issue_id)
            ctx = await _issue_context(viewer, issue)
            conflict = _conflict_changes(exc, ctx["names"])
            errors = {
                "status": "Someone else changed this issue a moment ago – check what changed below, then choose again."
            }
    return render(
        request,
        "issues/issue.html",
        fragment="issues/_issue.html",
        **await _issue_context(
            viewer, issue, status_errors=errors, status_values=data, conflict=conflict
        ),
    )


@post("/issues/{issue_id:int}/updates")
async def issue_update_add(
    request: Request, viewer: ViewerDep, issue_id: FromPath[int]
) -> Response:
    issue = await service.get_issue(viewer, issue_id)
    data = await read_form(request)
    form, errors = validate(UpdateForm, data)
    if form and not errors:
        try:
            await service.add_update(viewer, issue_id, form.body)
            return redirect(request, f"/issues/{issue_id}#updates")
        except service.IssueInputError as exc:
            errors = exc.errors
    return render(
        request,
        "issues/issue.html",
        fragment="issues/_issue.html",
        **await _issue_context(viewer, issue, update_errors=errors, update_values=data),
    )


# --- staff stoplight report ------------------------------------------------------------------


def _days(request: Request) -> int:
    value = request.query_params.get("days") or ""
    return min(int(value), 730) if value.isdigit() and int(value) > 0 else 90


@get("/units/{unit_id:int}/stoplight")
async def stoplight_page(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    report = await service.stoplight_report(viewer, unit_id, days=_days(request))
    if request.query_params.get("format") == "md":
        return _markdown(report)
    return render(request, "issues/stoplight.html", report=report)


@get("/units/{unit_id:int}/stoplight.md")
async def stoplight_markdown(
    request: Request, viewer: ViewerDep, unit_id: FromPath[int]
) -> Response:
    return _markdown(await service.stoplight_report(viewer, unit_id, days=_days(request)))


def _markdown(report: service.StoplightReport) -> Response:
    return Response(
        content=service.stoplight_markdown(report), media_type="text/markdown; charset=utf-8"
    )


# --- import ----------------------------------------------------------------------------------


def _import_page(request, unit, *, result=None, table=None, errors=None, note=""):
    return render(
        request,
        "issues/import.html",
        unit=unit,
        result=result,
        table_json=table.to_json() if table and result else "",
        samples=_samples(table) if table else [],
        fields=list(csvio.FIELDS.items()),
        errors=errors or {},
        note=note,
        max_mb=csvio.MAX_BYTES // 1_000_000,
        max_rows=csvio.MAX_ROWS,
    )


def _samples(table) -> list[str]:
    """The first value of each column, to help choose what it holds."""
    out = []
    for i in range(len(table.header)):
        value = next((c[i] for _, c in table.rows if i < len(c) and c[i]), "")
        out.append(value[:60])
    return out


@get("/units/{unit_id:int}/issues/import")
async def import_page(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    unit = await get_unit(viewer, unit_id)
    ensure_can_manage(viewer, unit_id)
    return _import_page(request, unit)


@post("/units/{unit_id:int}/issues/import")
async def import_post(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    """Upload -> proposed mapping and preview; "Check again" with a changed mapping; "Import"
    saves only the mapping whose preview was shown."""
    unit = await get_unit(viewer, unit_id)
    ensure_can_manage(viewer, unit_id)
    data = await read_form(request)
    try:
        if isinstance(data.get("table"), str) and data["table"]:
            table = csvio.Table.from_json(data["table"])
            mapping = [str(data.get(f"col-{i}") or "") for i in range(len(table.header))]
        else:
            upload = data.get("file")
            if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
                return _import_page(
                    request, unit, errors={"file": "Choose the file of your tracking log."}
                )
            raw = await upload.read(csvio.MAX_BYTES + 1)
            table = csvio.read(raw, upload.filename or "")
            mapping = csvio.propose_mapping(table.header)
    except csvio.SheetError as exc:
        return _import_page(request, unit, errors={"file": str(exc)})
    result = await csvio.check(unit_id, table, mapping)
    shown = data.get("checked") == ",".join(result.mapping)
    if data.get("action") == "confirm" and result.ok and shown and not result.nothing_to_do:
        try:
            saved = await csvio.save(viewer, unit_id, table, mapping)
        except csvio.ImportChanged:
            note = "Someone changed an issue in the log while you were checking: here is the preview again."
            result = await csvio.check(unit_id, table, mapping)
            return _import_page(request, unit, result=result, table=table, note=note)
        return redirect(
            request,
            f"/issues?unit={unit_id}&sort=updated&imported={saved.added}&updated={saved.updated}",
        )
    note = ""
    if data.get("action") == "confirm" and not shown:
        note = "The columns changed since the preview: check the rows below, then import."
    return _import_page(request, unit, result=result, table=table, note=note)


# --- categories (admin) ----------------------------------------------------------------------


async def _categories_page(request, errors=None, values=None, row_errors=None):
    return render(
        request,
        "issues/categories.html",
        categories=await service.list_categories(),
        errors=errors or {},
        values=values or {},
        row_errors=row_errors or {},
    )


@get("/admin/categories")
async def categories_page(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    return await _categories_page(request)


@post("/admin/categories")
async def category_add(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    data = await read_form(request)
    form, errors = validate(CategoryForm, data)
    if form and not errors:
        try:
            await service.save_category(viewer, form.name)
            return redirect(request, "/admin/categories?saved=1")
        except service.IssueInputError as exc:
            errors = exc.errors
    return await _categories_page(request, errors=errors, values=data)


@post("/admin/categories/{category_id:int}")
async def category_change(
    request: Request, viewer: ViewerDep, category_id: FromPath[int]
) -> Response:
    ensure_admin(viewer)
    data = await read_form(request)
    action = data.get("action", "rename")
    try:
        if action == "up":
            await service.move_category(viewer, category_id, -1)
        elif action == "down":
            await service.move_category(viewer, category_id, +1)
        elif action in ("deactivate", "activate"):
            await service.set_category_active(viewer, category_id, action == "activate")
        else:
            form, errors = validate(CategoryForm, data)
            if errors or form is None:
                raise service.IssueInputError(errors)
            await service.save_category(viewer, form.name, category_id)
    except service.IssueInputError as exc:
        return await _categories_page(
            request,
            row_errors={category_id: exc.errors.get("name", "Check this name.")},
            values={f"name-{category_id}": data.get("name", "")},
        )
    return redirect(request, f"/admin/categories?saved=1#category-{category_id}")


route_handlers = [
    log_page,
    add_issue,
    log_export,
    log_export_xlsx,
    import_template,
    import_template_xlsx,
    capture_page,
    capture_save,
    issue_page,
    issue_edit,
    issue_status,
    issue_update_add,
    stoplight_page,
    stoplight_markdown,
    import_page,
    import_post,
    categories_page,
    category_add,
    category_change,
]
nav = [NavItem("Tracking log", "/issues", order=20)]
