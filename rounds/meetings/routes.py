"""Monthly CUSP team meetings: list, unit history and schedule, run the meeting, finalise, print."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, get, post
from litestar.response import Response

from rounds.auth.access import Viewer
from rounds.core import clock
from rounds.core.clock import local_today
from rounds.meetings import rules, service
from rounds.meetings.agenda import SHOWABLE
from rounds.meetings.forms import (
    ActionForm,
    AddendumForm,
    AssignForm,
    CaseForm,
    ItemForm,
    NewItemForm,
    RescheduleForm,
    ScheduleForm,
    SummaryForm,
    present_ids,
)
from rounds.meetings.service import Conflict, Locked, MeetingInputError
from rounds.web import merging
from rounds.web.filters import time_of_day
from rounds.web.forms import read_form, validate
from rounds.web.nav import NavItem
from rounds.web.params import FromPath, ViewerDep
from rounds.web.rendering import redirect, render, wants_fragment


def _url(meeting_id: int, anchor: str = "") -> str:
    return f"/meetings/{meeting_id}" + (f"#{anchor}" if anchor else "")


# --- lists ----------------------------------------------------------------------------------


@get("/meetings", name="meetings")
async def meetings_index(request: Request, viewer: ViewerDep) -> Response:
    lists = await service.list_for_viewer(viewer)
    manageable = [
        uid for uid, role in viewer.unit_roles.items() if role in ("champion", "executive")
    ]
    return render(
        request,
        "meetings/index.html",
        **lists,
        today=local_today(),
        first_manageable=manageable[0] if manageable else None,
    )


async def _unit_page(
    request: Request,
    viewer,
    unit_id: int,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    notice: str | None = None,
) -> Response:
    history = await service.unit_history(viewer, unit_id)
    holidays = request.app.state.settings.holiday_dates()
    # Meetings to come on a weekend or holiday, said when scheduling (move them with Reschedule).
    days_off = {
        m["id"]: why
        for m in history.get("upcoming", [])
        if (why := rules.day_off(m["day"], holidays))
    }
    return render(
        request,
        "meetings/unit.html",
        **history,
        days_off=days_off,
        repeats=list(rules.REPEATS.items()),
        can_manage=viewer.can_manage(unit_id),
        notice=notice,
        values=values or {"first_on": "", "at": "14:00", "count": "6", "repeat": "weekday"},
        errors=errors or {},
        today=local_today(),
    )


@get("/units/{unit_id:int}/meetings", name="unit_meetings")
async def unit_meetings(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    created = request.query_params.get("scheduled")
    notice = None
    if created is not None:
        notice = f"Scheduled {created} meeting{'s' if created != '1' else ''}."
        skipped = request.query_params.get("skipped")
        if skipped and skipped != "0":
            notice += f" {skipped} day{'s' if skipped != '1' else ''} already had a meeting and {'were' if skipped != '1' else 'was'} left as they were."
    return await _unit_page(request, viewer, unit_id, notice=notice)


@post("/units/{unit_id:int}/meetings")
async def unit_schedule(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    await service.unit_history(viewer, unit_id)  # 404 for another unit, before reading anything
    data = await read_form(request)
    form, errors = validate(ScheduleForm, data)
    if form:
        try:
            created, skipped = await service.schedule(
                viewer,
                unit_id,
                first_on=form.first_on,
                at=form.at,
                count=form.count,
                repeat=form.repeat,
            )
            return redirect(
                request, f"/units/{unit_id}/meetings?scheduled={len(created)}&skipped={skipped}"
            )
        except MeetingInputError as exc:
            errors = exc.errors
    return await _unit_page(request, viewer, unit_id, values=data, errors=errors)


# --- the meeting page -----------------------------------------------------------------------


async def _meeting_page(
    request: Request,
    viewer,
    meeting_id: int,
    *,
    errors: dict[str, dict] | None = None,
    values: dict[str, dict] | None = None,
    item_state: dict[int | str, dict] | None = None,  # by item id, or "summary"
    notice: str | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    show = request.query_params.get("show", "")
    if errors and any(key.startswith("assign-") for key in errors):
        show = "priorities"  # a refused owner or due date is never among the hidden rows
    show = show if show in SHOWABLE else ""
    context = await service.meeting_page(viewer, meeting_id, programme=show == "programme")
    # an agenda item's action form, asked for alone (htmx) or opened on the page (no JavaScript)
    wanted = request.query_params.get("action", "")
    item = next((i for i in context["all_items"] if str(i["id"]) == wanted), None)
    item = item if context["can_edit"] else None
    # a top issue's owner and due date form, likewise
    wanted = request.query_params.get("assign", "")
    assign_row = next((i for i in context["priorities"] if str(i["id"]) == wanted), None)
    assign_row = assign_row if context["can_edit"] else None
    fragment = None
    if not errors:
        if show:
            fragment = "meetings/_part.html"
        elif item:
            fragment = "meetings/_action_form.html"
        elif assign_row:
            fragment = "meetings/_part.html"
            # alone for htmx; on the page (no JavaScript) with every top issue shown
            show = "assign" if wants_fragment(request) else "priorities"
    return render(
        request,
        "meetings/meeting.html",
        fragment=fragment,
        show=show,
        action_item=item["id"] if item else None,
        assign_issue=assign_row["id"] if assign_row else None,
        assign_row=assign_row,
        item=item,
        **context,
        errors=errors or {},
        values=values or {},
        item_state=item_state or {},
        notice=notice or _notice(request),
        problem=problem,
        new_key=secrets.token_urlsafe(16),
        section_labels=rules.SECTIONS,
        action_kinds=rules.ACTION_KINDS,
        today=local_today(),
        status_code=status_code,
    )


NOTICES = {
    "attendance": "Attendance saved.",
    "action": "Action item added to the tracking log.",
    "item": "Agenda updated.",
    "saved": "Saved.",
    "case": "Case of the month chosen.",
    "assigned": "Owner and due date saved on the issue.",
    "summary": "Summary saved.",
    "finalised": "Minutes approved and locked. Corrections from now on are addenda.",
    "addendum": "Addendum added to the minutes.",
    "moved": "Meeting moved.",
}


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("done", ""))


def _done(request: Request, meeting_id: int, what: str, anchor: str = "") -> Response:
    # a top issue just moved or assigned may be below the first rows: show them all
    shown = "&show=priorities" if anchor.startswith("top-") else ""
    return redirect(
        request,
        f"/meetings/{meeting_id}?done={what}{shown}" + (f"#{anchor}" if anchor else ""),
    )


@get("/meetings/{meeting_id:int}", name="meeting")
async def meeting_view(request: Request, viewer: ViewerDep, meeting_id: FromPath[int]) -> Response:
    return await _meeting_page(request, viewer, meeting_id)


def _locked_shows_meeting(handler: Callable[..., Awaitable[Response]]):
    """Finalised minutes refuse every change (service.Locked): the meeting page again, saying so
    and how to add an addendum instead; nothing was saved. Between `@post` and the handler."""

    @functools.wraps(handler)  # Litestar reads the handler's own parameters through __wrapped__
    async def showing_locked(
        request: Request, viewer: Viewer, meeting_id: int, **params: Any
    ) -> Response:
        try:
            return await handler(request=request, viewer=viewer, meeting_id=meeting_id, **params)
        except Locked as exc:
            return await _meeting_page(request, viewer, meeting_id, problem=str(exc))

    return showing_locked


@post("/meetings/{meeting_id:int}/items/{item_id:int}")
async def item_save(
    request: Request, viewer: ViewerDep, meeting_id: FromPath[int], item_id: FromPath[int]
) -> Response:
    """Autosave (htmx, as typed) or the item's Save button (plain form). Minutes or decisions
    changed on two devices show both texts to choose from (the issue page's merge choice)."""
    meeting, item = await service.get_item(viewer, meeting_id, item_id)
    raw = await read_form(request)
    choosing = "conflict_fields" in raw
    data, choice_errors, unresolved = merging.choose(raw, ITEM_TEXTS)
    form, errors = validate(ItemForm, data)
    mine = {"minutes": str(data.get("minutes", "")), "decisions": str(data.get("decisions", ""))}
    state: dict[str, Any] = {"mine": mine}
    if unresolved:
        current = {k[5:]: v for k, v in data.items() if k[5:] in ITEM_TEXTS}
        state["conflict"] = {**item, **current, "version": data.get("version")}
        state["merge"] = merging.rows(unresolved, current, mine, labels=ITEM_TEXTS)
        state["errors"] = choice_errors
    elif form:
        try:
            saved = await service.save_item(
                viewer,
                meeting_id,
                item_id,
                minutes=form.minutes,
                decisions=form.decisions,
                version=form.version,
                base={k: str(data[f"base_{k}"]) for k in mine if f"base_{k}" in data} or None,
            )
            if wants_fragment(request):
                return render(
                    request,
                    "meetings/_item_status.html",
                    item=saved,
                    state={"saved": True, "chosen": choosing},
                    saved_at=time_of_day(clock.now()),
                )
            return redirect(request, f"/meetings/{meeting_id}?done=saved#item-{item_id}")
        except Conflict as exc:
            state["conflict"] = exc.current
            if exc.mine:  # my changes on top of the saved text; the choice is per field
                state["mine"] = {k: exc.mine[k] for k in mine}
            state["merge"] = merging.rows(
                exc.fields or ITEM_TEXTS, exc.current, state["mine"], labels=ITEM_TEXTS
            )
        except Locked as exc:
            state["problem"] = str(exc)
        except MeetingInputError as exc:
            state["errors"] = exc.errors
    else:
        state["errors"] = errors
    if wants_fragment(request):
        return render(request, "meetings/_item_status.html", item=item, state=state)
    return await _meeting_page(request, viewer, meeting_id, item_state={item_id: state})


ITEM_TEXTS = {"minutes": "Minutes", "decisions": "Decisions"}
SUMMARY_TEXT = {"upward_summary": "Summary for senior leadership"}


@post("/meetings/{meeting_id:int}/items")
@_locked_shows_meeting
async def item_add(request: Request, viewer: ViewerDep, meeting_id: FromPath[int]) -> Response:
    data = await read_form(request)
    form, errors = validate(NewItemForm, data)
    try:
        if form:
            item_id = await service.add_item(
                viewer, meeting_id, section=form.section, title=form.title
            )
            return _done(request, meeting_id, "item", f"item-{item_id}")
    except MeetingInputError as exc:
        errors = exc.errors
    return await _meeting_page(
        request, viewer, meeting_id, errors={"new_item": errors}, values={"new_item": data}
    )


@post("/meetings/{meeting_id:int}/items/{item_id:int}/{change:str}")
@_locked_shows_meeting
async def item_change(
    request: Request,
    viewer: ViewerDep,
    meeting_id: FromPath[int],
    item_id: FromPath[int],
    change: FromPath[str],
) -> Response:
    """Remove, put back, or move an agenda item up or down (the unit champion's agenda)."""
    if change == "remove":
        await service.set_item_removed(viewer, meeting_id, item_id, True)
    elif change == "restore":
        await service.set_item_removed(viewer, meeting_id, item_id, False)
    elif change in ("up", "down"):
        await service.move_item(viewer, meeting_id, item_id, change)
    else:
        from litestar.exceptions import NotFoundException

        raise NotFoundException()
    return _done(request, meeting_id, "item", f"item-{item_id}" if change != "remove" else "agenda")


@post("/meetings/{meeting_id:int}/attendance")
@_locked_shows_meeting
async def attendance_save(
    request: Request, viewer: ViewerDep, meeting_id: FromPath[int]
) -> Response:
    data = await read_form(request)
    ids, problem = present_ids(data)
    was, _ = (
        present_ids({"present": [v for v in str(data.get("was", "")).split(",") if v]})
        if "was" in data
        else (None, None)
    )
    errors = {"present": problem} if problem else {}
    if not errors:
        try:
            await service.set_attendance(
                viewer, meeting_id, present=ids, guest_role=str(data.get("guest_role", "")), was=was
            )
            return _done(request, meeting_id, "attendance", "attendance")
        except MeetingInputError as exc:
            errors = exc.errors
        except service.AttendanceChanged:
            # Show what is saved now (the other device's ticks); keep the typed guest role.
            return await _meeting_page(
                request,
                viewer,
                meeting_id,
                errors={"attendance": {"present": ATTENDANCE_CHANGED}},
                values={"attendance": {"guest_role": data.get("guest_role", "")}},
            )
    return await _meeting_page(
        request, viewer, meeting_id, errors={"attendance": errors}, values={"attendance": data}
    )


ATTENDANCE_CHANGED = (
    "Attendance was changed on another device while you were ticking. Nothing was overwritten: "
    "the boxes now show what is saved – check them again and save."
)


@post("/meetings/{meeting_id:int}/guests/{attendee_id:int}/remove")
@_locked_shows_meeting
async def guest_remove(
    request: Request, viewer: ViewerDep, meeting_id: FromPath[int], attendee_id: FromPath[int]
) -> Response:
    await service.remove_guest(viewer, meeting_id, attendee_id)
    return _done(request, meeting_id, "attendance", "attendance")


@post("/meetings/{meeting_id:int}/actions")
@_locked_shows_meeting
async def action_add(request: Request, viewer: ViewerDep, meeting_id: FromPath[int]) -> Response:
    data = await read_form(request)
    form, errors = validate(ActionForm, data)
    where = f"actions-{data.get('item', '')}"
    if form:
        try:
            await service.add_action(
                viewer,
                meeting_id,
                service.ActionInput(
                    kind=form.kind,
                    description=form.description,
                    owner_id=form.owner,
                    due_on=form.due_on,
                    issue_id=form.issue,
                    item_id=form.item,
                    idempotency_key=form.idempotency_key,
                ),
            )
            return _done(request, meeting_id, "action", where)
        except MeetingInputError as exc:
            errors = exc.errors
    return await _meeting_page(
        request, viewer, meeting_id, errors={"action": errors}, values={"action": data}
    )


@post("/meetings/{meeting_id:int}/case")
@_locked_shows_meeting
async def case_set(request: Request, viewer: ViewerDep, meeting_id: FromPath[int]) -> Response:
    data = await read_form(request)
    form, errors = validate(CaseForm, data)
    if form:
        try:
            await service.set_case(viewer, meeting_id, form.case_issue)
            return _done(request, meeting_id, "case", "section-case")
        except MeetingInputError as exc:
            errors = exc.errors
    return await _meeting_page(
        request, viewer, meeting_id, errors={"case": errors}, values={"case": data}
    )


@post("/meetings/{meeting_id:int}/priorities/{issue_id:int}/{direction:str}")
@_locked_shows_meeting
async def priority_move(
    request: Request,
    viewer: ViewerDep,
    meeting_id: FromPath[int],
    issue_id: FromPath[int],
    direction: FromPath[str],
) -> Response:
    if direction not in ("up", "down"):
        from litestar.exceptions import NotFoundException

        raise NotFoundException()
    await service.rank_issue(viewer, meeting_id, issue_id, direction)
    return _done(request, meeting_id, "item", f"top-{issue_id}")


@post("/meetings/{meeting_id:int}/issues/{issue_id:int}/assign")
@_locked_shows_meeting
async def issue_assign(
    request: Request, viewer: ViewerDep, meeting_id: FromPath[int], issue_id: FromPath[int]
) -> Response:
    data = await read_form(request)
    form, errors = validate(AssignForm, data)
    if form:
        try:
            await service.assign_from_agenda(
                viewer, meeting_id, issue_id, owner_id=form.owner, due_on=form.due_on
            )
            return _done(request, meeting_id, "assigned", f"top-{issue_id}")
        except MeetingInputError as exc:
            errors = exc.errors
    return await _meeting_page(
        request,
        viewer,
        meeting_id,
        errors={f"assign-{issue_id}": errors},
        values={f"assign-{issue_id}": data},
    )


@post("/meetings/{meeting_id:int}/summary")
async def summary_save(request: Request, viewer: ViewerDep, meeting_id: FromPath[int]) -> Response:
    raw = await read_form(request)
    data, choice_errors, unresolved = merging.choose(raw, SUMMARY_TEXT)
    mine = str(data.get("upward_summary", ""))
    base = str(data["base_upward_summary"]) if "base_upward_summary" in data else None
    if data.get("draft"):
        # "Draft it for me": fill the box with a draft; nothing is saved until the person saves.
        draft = await service.draft_summary(viewer, meeting_id)
        return await _meeting_page(
            request,
            viewer,
            meeting_id,
            values={
                "summary": {"upward_summary": draft, "version": data.get("version"), "base": base}
            },
            notice="Draft written from the decisions and the barriers that need help – edit it, then save.",
        )
    form, errors = validate(SummaryForm, data)
    state: dict[str, Any] = {"mine": {"upward_summary": mine}}
    if unresolved:
        state["conflict"] = {"upward_summary": base or "", "version": data.get("version")}
        state["merge"] = merging.rows(
            unresolved, state["conflict"], state["mine"], labels=SUMMARY_TEXT
        )
        state["errors"] = choice_errors
    elif form:
        try:
            saved = await service.save_summary(
                viewer, meeting_id, text=form.upward_summary, version=form.version, base=base
            )
            if wants_fragment(request):
                return render(
                    request,
                    "meetings/_summary_status.html",
                    meeting=saved,
                    state={"saved": True, "chosen": "conflict_fields" in raw},
                    saved_at=time_of_day(clock.now()),
                )
            return _done(request, meeting_id, "summary", "summary")
        except Conflict as exc:
            state["conflict"] = exc.current
            state["merge"] = merging.rows(
                exc.fields or SUMMARY_TEXT, exc.current, state["mine"], labels=SUMMARY_TEXT
            )
        except Locked as exc:
            state["problem"] = str(exc)
        except MeetingInputError as exc:
            state["errors"] = exc.errors
    else:
        state["errors"] = errors
    if wants_fragment(request):
        meeting = await service.get_meeting(viewer, meeting_id)
        return render(request, "meetings/_summary_status.html", meeting=meeting, state=state)
    return await _meeting_page(
        request,
        viewer,
        meeting_id,
        errors={"summary": state.get("errors", {})},
        values={"summary": {"upward_summary": mine, "version": data.get("version"), "base": base}},
        problem=state.get("problem")
        or (
            "Not saved: the summary was changed on another device. Both versions are shown."
            if "conflict" in state
            else None
        ),
        item_state={"summary": state},
    )


@post("/meetings/{meeting_id:int}/reschedule")
@_locked_shows_meeting
async def meeting_reschedule(
    request: Request, viewer: ViewerDep, meeting_id: FromPath[int]
) -> Response:
    data = await read_form(request)
    form, errors = validate(RescheduleForm, data)
    if form:
        try:
            await service.reschedule(viewer, meeting_id, on=form.on, at=form.at)
            return _done(request, meeting_id, "moved")
        except MeetingInputError as exc:
            errors = exc.errors
    return await _meeting_page(
        request, viewer, meeting_id, errors={"reschedule": errors}, values={"reschedule": data}
    )


@post("/meetings/{meeting_id:int}/finalise")
@_locked_shows_meeting
async def meeting_finalise(
    request: Request, viewer: ViewerDep, meeting_id: FromPath[int]
) -> Response:
    await service.finalise(viewer, meeting_id)
    return _done(request, meeting_id, "finalised")


@post("/meetings/{meeting_id:int}/addenda")
async def addendum_add(request: Request, viewer: ViewerDep, meeting_id: FromPath[int]) -> Response:
    data = await read_form(request)
    form, errors = validate(AddendumForm, data)
    if form:
        try:
            await service.add_addendum(viewer, meeting_id, body=form.body)
            return _done(request, meeting_id, "addendum", "addenda")
        except MeetingInputError as exc:
            errors = exc.errors
    meeting = await service.get_meeting(viewer, meeting_id)
    problem = None if meeting["finalised_at"] else errors.get("body")
    return await _meeting_page(
        request,
        viewer,
        meeting_id,
        errors={"addendum": errors},
        values={"addendum": data},
        problem=problem,
    )


@get("/meetings/{meeting_id:int}/print", name="meeting_print")
async def meeting_print(request: Request, viewer: ViewerDep, meeting_id: FromPath[int]) -> Response:
    context = await service.meeting_page(viewer, meeting_id)
    return render(request, "meetings/print.html", **context, section_labels=rules.SECTIONS)


route_handlers = [
    meetings_index,
    unit_meetings,
    unit_schedule,
    meeting_view,
    item_save,
    item_add,
    item_change,
    attendance_save,
    guest_remove,
    action_add,
    case_set,
    priority_move,
    issue_assign,
    summary_save,
    meeting_reschedule,
    meeting_finalise,
    addendum_add,
    meeting_print,
]
nav = [NavItem("Meetings", "/meetings", order=40, more_for=("executive",))]
