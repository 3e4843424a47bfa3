"""Barrier pages: open a barrier on an issue, the barrier and its follow-up log, "My follow-ups",
the barrier board (with CSV export), today's reminders, and the admin's barrier settings."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import date, timedelta

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Response

from rounds.admin.service import list_units
from rounds.audit import service as audit
from rounds.auth.access import ensure_admin
from rounds.barriers import forms, reminders, rules, service
from rounds.core.clock import local_today
from rounds.core.errors import InputError as IssueInputError
from rounds.web import merging
from rounds.web.forms import read_form, validate
from rounds.web.nav import NavItem
from rounds.web.params import FromPath, FromQuery, ViewerDep
from rounds.web.rendering import redirect, render, wants_fragment

# POST handlers say status_code=200: an htmx ClientRedirect takes the handler's default (201).
LIST_PAGES = ("/", "/barriers/mine")
DONE = rules.DONE_MESSAGES


def _vocab() -> dict:
    return {
        "kinds": rules.KINDS,
        "levels": rules.LEVELS,
        "states": rules.FOLLOW_UP_STATES,
        "statuses": rules.STATUSES,
        "level_label": rules.level_label,
    }


def _int(value: str) -> int | None:
    """A query parameter from a plain GET form: empty or junk means "not chosen"."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _back(value, barrier_id: int) -> str:
    """Where to go after an action: only our own list pages or the barrier itself."""
    allowed = (*LIST_PAGES, f"/barriers/{barrier_id}", "/barriers")
    return value if isinstance(value, str) and value in allowed else f"/barriers/{barrier_id}"


# --- My follow-ups -------------------------------------------------------------------------


@get("/barriers/mine", name="barriers_mine")
async def mine(
    request: Request, viewer: ViewerDep, page: FromQuery[str] = "1", act: FromQuery[str] = ""
) -> Response:
    panel = await service.follow_ups_panel(
        viewer,
        show_all=True,
        back="/barriers/mine",
        page=_int(page) or 1,
        people=act.endswith("-escalated"),  # an escalation form opened without JavaScript
    )
    return render(
        request,
        "barriers/mine.html",
        fragment="barriers/_followups.html",
        panel=panel,
        done=DONE.get(request.query_params.get("done", "")),
        errors={},
        values={},
        **_vocab(),
    )


ACT_KINDS = ("note", "removed", "escalated")


def _seen(params) -> dict:
    """The barrier as the list showed it (version, level, owner, next follow-up), from the
    form's URL; whatever is missing or garbled is left out (the saved value is used)."""
    seen: dict = {}
    version, owner, level = (
        params.get("version", ""),
        params.get("base_owner", ""),
        params.get("base_level", ""),
    )
    if version.isdigit() and len(version) < 10:
        seen["version"] = int(version)
    if level in rules.LEVELS:
        seen["level"] = level
    if owner == "" or (owner.isdigit() and len(owner) < 10):
        seen["owner"] = int(owner) if owner else None
    try:
        follow_up = params.get("base_next", "")
        seen["next_follow_up_on"] = date.fromisoformat(follow_up) if follow_up else None
    except ValueError:
        pass
    return seen if "version" in seen else {}


@get("/barriers/{barrier_id:int}/act", name="barrier_act_form")
async def act_form(
    request: Request,
    viewer: ViewerDep,
    barrier_id: FromPath[int],
    kind: FromQuery[str] = "note",
    next: FromQuery[str] = "/barriers/mine",  # noqa: A002
) -> Response:
    """One follow-up action's form for a barrier in "My follow-ups", loaded when its button is
    opened (htmx). Without JavaScript the button's link opens the list with that form open."""
    if kind not in ACT_KINDS or viewer.read_only:
        raise NotFoundException()
    back = _back(next, barrier_id)
    context = await service.follow_up_form(
        viewer, barrier_id, kind=kind, back=back, seen=_seen(request.query_params)
    )
    if not wants_fragment(request):
        return redirect(request, f"/barriers/mine?act={barrier_id}-{kind}#b{barrier_id}-{kind}")
    pfx = f"b{barrier_id}-"
    return render(
        request,
        "barriers/_followup_form.html",
        **context,
        kind=kind,
        pfx=pfx,
        hx=f'hx-post="/barriers/{barrier_id}/%s" hx-target="#followups" hx-swap="outerHTML"',
        e={},
        v={},
        mrows=[],
        here=False,
        opened=None,
    )


# --- one barrier ---------------------------------------------------------------------------


@get("/barriers/{barrier_id:int}", name="barrier")
async def barrier_page(request: Request, viewer: ViewerDep, barrier_id: FromPath[int]) -> Response:
    barrier = await service.get_barrier(viewer, barrier_id)
    return await _detail(
        request,
        viewer,
        barrier,
        errors={},
        values={},
        done=DONE.get(request.query_params.get("done", "")),
    )


async def _detail(
    request, viewer, barrier, *, errors, values, done=None, open_form=None, merge_rows=None
):
    people = (
        await service.active_people() if barrier["can_act"] and barrier["status"] == "open" else []
    )
    return render(
        request,
        "barriers/detail.html",
        barrier=barrier,
        errors=errors,
        values=values,
        done=done,
        open_form=open_form,
        merge_rows=merge_rows or [],
        people=people,
        default_next=local_today() + timedelta(days=7),
        **_vocab(),
    )


def _base(data: dict) -> dict | None:
    """The level, owner and next follow-up the form was opened with (None if absent or garbled):
    a change then conflicts only with someone else's change to the same field."""
    from datetime import date

    try:
        owner = str(data.get("base_owner", ""))
        follow_up = str(data.get("base_next_follow_up_on", ""))
        return {
            "level": str(data["base_level"]),
            "owner": int(owner) if owner else None,
            "next_follow_up_on": date.fromisoformat(follow_up) if follow_up else None,
        }
    except (KeyError, ValueError):
        return None


# The form fields each action sets, by the barrier's column (for the merge choice), and where
# each field's base value is in the form (the base_* fields are named after the columns).
ACTION_FIELDS = {
    "note": {"next_follow_up_on": "note_next"},
    "escalated": {"level": "esc_level", "owner": "esc_owner", "next_follow_up_on": "esc_next"},
}
BASE_OF = {
    "note_next": "base_next_follow_up_on",
    "esc_next": "base_next_follow_up_on",
    "esc_level": "base_level",
    "esc_owner": "base_owner",
}
FIELD_LABELS = {
    "note_next": "Next follow-up",
    "esc_next": "Next follow-up",
    "esc_level": "Level",
    "esc_owner": "Owner",
}


async def _merge_rows(fields: list[str], theirs: dict, mine: dict) -> list[dict]:
    """Both values of each field both people changed, in words (the issue page's choice)."""
    from datetime import date

    from rounds.web.filters import day

    people = dict(await service.active_people())

    def words(name, value):
        if name.endswith("_next"):
            try:
                return day(value if isinstance(value, date) else date.fromisoformat(str(value)))
            except ValueError:
                return str(value)
        if name == "esc_level":
            return rules.level_label(str(value))
        if name == "esc_owner":
            said = str(value)
            # a posted id: ASCII digits of an integer column only ('²' and 5,000 digits pass
            # str.isdigit but not int())
            return (
                people.get(int(said), said)
                if said.isascii() and said.isdigit() and len(said) < 10
                else said
            )
        return str(value)

    return merging.rows(fields, theirs, mine, labels=FIELD_LABELS, words=words)


async def _act(request: Request, viewer, barrier_id: int, action: str, model, call) -> Response:
    """One follow-up action. Only what this person changed is written; a field someone else
    changed meanwhile to another value is shown with both values to choose (merging)."""
    fields = ACTION_FIELDS.get(action, {})
    data, choice_errors, unresolved = merging.choose(
        await read_form(request), fields.values(), BASE_OF
    )
    back = _back(data.get("next"), barrier_id)
    form, errors = validate(model, data)
    errors = {**errors, **choice_errors}
    merge_rows = None
    if form and not errors:
        try:
            await call(form, _base(data))
            if wants_fragment(request) and back in LIST_PAGES:
                return await _followups_fragment(request, viewer, back, done=DONE[action])
            anchor = "#followups" if back in LIST_PAGES else ""
            return redirect(request, f"{back}?done={action}{anchor}")
        except IssueInputError as exc:
            errors = exc.errors
        except service.BarrierConflict as exc:
            if exc.fields:
                # Re-rendered from the saved barrier (its base_* fields), this person's typing kept.
                chosen = [fields[c] for c in exc.fields if c in fields]
                theirs = {fields[c]: exc.barrier.get(c) for c in exc.fields if c in fields}
                merge_rows = await _merge_rows(chosen, theirs, data)
                errors = {"__all__": MERGE_CONFLICT}
            else:
                errors = {"__all__": str(exc)}
    # not saved: the form again, on a barrier this person may see (another unit's is a 404,
    # also when the service was not asked because the form had a mistake or an open choice)
    barrier = await service.get_barrier(viewer, barrier_id)
    if unresolved and merge_rows is None:
        theirs = {f: data.get(BASE_OF[f], "") for f in unresolved}
        merge_rows = await _merge_rows(unresolved, theirs, data)
    if wants_fragment(request) and back in LIST_PAGES:
        return await _followups_fragment(
            request,
            viewer,
            back,
            errors=errors,
            values=data,
            error_barrier=barrier_id,
            open_form=action,
            merge_rows=merge_rows,
            error_row=barrier,
        )
    return await _detail(
        request,
        viewer,
        barrier,
        errors=errors,
        values=data,
        open_form=action,
        merge_rows=merge_rows,
    )


MERGE_CONFLICT = (
    "Someone else updated this barrier while you had it open. Nothing was saved yet: "
    "what you typed is kept below."
)


async def _followups_fragment(
    request,
    viewer,
    back,
    *,
    done=None,
    errors=None,
    values=None,
    error_barrier=None,
    open_form=None,
    merge_rows=None,
    error_row=None,
):
    panel = await service.follow_ups_panel(
        viewer, show_all=back != "/", back=back, people=open_form == "escalated"
    )
    if error_row is not None and error_row["id"] not in {b["id"] for b in panel["barriers"]}:
        panel["barriers"].insert(0, error_row)  # the refused form is never on another page
    return render(
        request,
        "barriers/mine.html",
        fragment="barriers/_followups.html",
        panel=panel,
        done=done,
        errors=errors or {},
        values=values or {},
        error_barrier=error_barrier,
        open_form=open_form,
        merge_rows=merge_rows or [],
        **_vocab(),
    )


@post("/barriers/{barrier_id:int}/notes", name="barrier_note", status_code=200)
async def add_note(request: Request, viewer: ViewerDep, barrier_id: FromPath[int]) -> Response:
    return await _act(
        request,
        viewer,
        barrier_id,
        "note",
        forms.NoteForm,
        lambda f, base: service.add_note(
            viewer,
            barrier_id,
            body=f.note_body or "",
            next_follow_up_on=f.note_next,
            version=f.version,
            base=base,
        ),
    )


@post("/barriers/{barrier_id:int}/escalate", name="barrier_escalate", status_code=200)
async def escalate(request: Request, viewer: ViewerDep, barrier_id: FromPath[int]) -> Response:
    return await _act(
        request,
        viewer,
        barrier_id,
        "escalated",
        forms.EscalateForm,
        lambda f, base: service.escalate(
            viewer,
            barrier_id,
            to_level=f.esc_level or "",
            owner_id=f.esc_owner,
            reason=f.esc_reason or "",
            next_follow_up_on=f.esc_next,
            version=f.version,
            base=base,
        ),
    )


@post("/barriers/{barrier_id:int}/removed", name="barrier_removed", status_code=200)
async def removed(request: Request, viewer: ViewerDep, barrier_id: FromPath[int]) -> Response:
    return await _act(
        request,
        viewer,
        barrier_id,
        "removed",
        forms.RemovedForm,
        lambda f, base: service.mark_removed(
            viewer, barrier_id, note=f.removed_note or "", version=f.version, base=base
        ),
    )


@post("/barriers/{barrier_id:int}/cannot-remove", name="barrier_cannot_remove", status_code=200)
async def cannot_remove(request: Request, viewer: ViewerDep, barrier_id: FromPath[int]) -> Response:
    return await _act(
        request,
        viewer,
        barrier_id,
        "cannot_remove",
        forms.CannotRemoveForm,
        lambda f, base: service.mark_cannot_remove(
            viewer, barrier_id, reason=f.cannot_reason or "", version=f.version, base=base
        ),
    )


# --- opening a barrier on an issue ---------------------------------------------------------


async def _new_page(request, viewer, issue, *, values, errors):
    return render(
        request,
        "barriers/new.html",
        issue=issue,
        values=values,
        errors=errors,
        people=await service.active_people(),
        min_date=local_today(),
        **_vocab(),
    )


@get("/issues/{issue_id:int}/barriers/new", name="barrier_new")
async def new_barrier(request: Request, viewer: ViewerDep, issue_id: FromPath[int]) -> Response:
    issue = await service.issue_for_new_barrier(viewer, issue_id)
    values = {
        "kind": "other",
        "level": "executive",
        "owner": issue["default_owner"] or "",
        "next_follow_up_on": (local_today() + timedelta(days=7)).isoformat(),
        "idempotency_key": secrets.token_urlsafe(16),
    }
    return await _new_page(request, viewer, issue, values=values, errors={})


@post("/issues/{issue_id:int}/barriers/new", name="barrier_create", status_code=200)
async def create_barrier(request: Request, viewer: ViewerDep, issue_id: FromPath[int]) -> Response:
    issue = await service.issue_for_new_barrier(viewer, issue_id)
    data = await read_form(request)
    form, errors = validate(forms.NewBarrierForm, data)
    if form:
        try:
            barrier_id = await service.open_barrier(
                viewer,
                issue_id,
                description=form.description or "",
                kind=form.kind or "",
                owner_id=form.owner,
                level=form.level or "",
                next_follow_up_on=form.next_follow_up_on,
                idempotency_key=form.idempotency_key,
                from_form=True,
            )
            return redirect(request, f"/barriers/{barrier_id}")
        except IssueInputError as exc:
            errors = exc.errors
    return await _new_page(request, viewer, issue, values=data, errors=errors)


# --- the board -----------------------------------------------------------------------------


@get("/barriers", name="barrier_board")
async def board_page(request: Request, viewer: ViewerDep, unit: FromQuery[str] = "") -> Response:
    unit_id = _int(unit)
    data = await service.board(viewer, unit_id=unit_id)
    units = await _units_for(viewer)
    return render(
        request,
        "barriers/board.html",
        fragment="barriers/_board.html",
        board=data,
        units=units,
        unit_id=unit_id,
        **_vocab(),
    )


async def _units_for(viewer) -> list[dict]:
    return await list_units(viewer, include_inactive=False)


@get("/barriers/export.csv", name="barrier_export")
async def export_csv(request: Request, viewer: ViewerDep, unit: FromQuery[str] = "") -> Response:
    data = await service.board(viewer, unit_id=_int(unit))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Barrier",
            "Unit",
            "Safety issue",
            "Kind",
            "Escalation level",
            "Owner",
            "Opened on",
            "Age (days)",
            "Next follow-up",
            "Days overdue",
            "Escalation due",
            "Suggested next level",
            "Link",
        ]
    )
    for level, rows in data.groups:
        for r in rows:
            writer.writerow(
                [
                    _cell(r["description"]),
                    _cell(r["unit_name"]),
                    _cell(r["issue_description"]),
                    rules.KINDS.get(r["kind"], r["kind"]),
                    rules.level_label(level),
                    _cell(r["owner_name"] or ""),
                    r["created_at"].date().isoformat()
                    if hasattr(r["created_at"], "date")
                    else r["created_at"],
                    r["age_days"],
                    r["next_follow_up_on"].isoformat() if r["next_follow_up_on"] else "",
                    r["days_overdue"],
                    "yes" if r["state"] == "escalation_due" else "",
                    rules.level_label(r["suggested_level"]) if r["suggested_level"] else "",
                    f"/barriers/{r['id']}",
                ]
            )
    await audit.record(
        viewer.actor,
        "export",
        "barrier",
        unit_id=_int(unit),
        changes={"rows": sum(len(rows) for _, rows in data.groups), "unit": unit[:40]},
    )
    filename = f"open-barriers-{local_today().isoformat()}.csv"
    return Response(
        content=out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: make them plain text."""
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- reminders -----------------------------------------------------------------------------


@get("/reminders", name="reminders")
async def reminders_page(request: Request, viewer: ViewerDep) -> Response:
    today = local_today()
    digest = await reminders.digest_for(viewer.id, today)
    status = await reminders.delivery_status(viewer.id, today)
    return render(request, "barriers/reminders.html", digest=digest, status=status, **_vocab())


# --- admin settings ------------------------------------------------------------------------


@get("/admin/barrier-settings", name="barrier_settings")
async def settings_page(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    current = await service.barrier_settings()
    values = {
        **current,
        "seen_wip_limit": current["wip_limit"],
        "seen_escalate_after_days": current["escalate_after_days"],
    }
    return render(
        request,
        "barriers/settings.html",
        values=values,
        errors={},
        saved=request.query_params.get("saved"),
    )


@post("/admin/barrier-settings", name="barrier_settings_save", status_code=200)
async def settings_save(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    data = await read_form(request)
    form, errors = validate(forms.SettingsForm, data)
    if form:
        try:
            seen = {
                "wip_limit": form.seen_wip_limit,
                "escalate_after_days": form.seen_escalate_after_days,
            }
            await service.save_barrier_settings(
                viewer,
                wip_limit=form.wip_limit,
                escalate_after_days=form.escalate_after_days,
                seen={k: v for k, v in seen.items() if v is not None},
            )
            return redirect(request, "/admin/barrier-settings?saved=1")
        except IssueInputError as exc:
            errors = exc.errors
            if "__all__" in errors:
                current = await service.barrier_settings()
                data = {
                    **current,
                    "seen_wip_limit": current["wip_limit"],
                    "seen_escalate_after_days": current["escalate_after_days"],
                }
    return render(request, "barriers/settings.html", values=data, errors=errors, saved=None)


route_handlers = [
    mine,
    act_form,
    barrier_page,
    add_note,
    escalate,
    removed,
    cannot_remove,
    new_barrier,
    create_barrier,
    board_page,
    export_csv,
    reminders_page,
    settings_page,
    settings_save,
]
nav = [NavItem("Barriers", "/barriers", order=40)]
