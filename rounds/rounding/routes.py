"""Safety rounds: the person's rounds, each unit's schedule and history, the pre-round briefing
and its editor, the round screen on the tablet, unit measures, the calendar feed and the
question script (admin)."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Response

from rounds.auth.access import ensure_admin, ensure_can_contribute, ensure_can_manage
from rounds.core.clock import local_today
from rounds.issues import rules as issue_rules
from rounds.issues import service as issue_service
from rounds.issues.service import Conflict as IssueConflict
from rounds.issues.service import IssueInputError
from rounds.issues.service import can_edit as issue_can_edit
from rounds.rounding import briefing, calendar, measures, rules, service, starting
from rounds.rounding.forms import (
    BriefingForm,
    CancelForm,
    CaptureForm,
    CorrectForm,
    HelpForm,
    LastEventsForm,
    MeasureForm,
    ScheduleForm,
    ScriptForm,
    SeriesForm,
    StaffForm,
    parse_month,
)
from rounds.rounding.service import Conflict, RoundInputError
from rounds.web import merging
from rounds.web.forms import read_form
from rounds.web.forms import validate as _validate
from rounds.web.nav import NavItem
from rounds.web.params import FromPath, FromQuery, ViewerDep
from rounds.web.rendering import redirect, render, wants_fragment

MERGE_CONFLICT = "Someone else changed the same figures while you had this month open."
CONFLICT = (
    "Someone else saved a change while you had this open. What is saved now is shown below; "
    "your changes were not saved – re-enter them if they are still needed."
)


HIDDEN_FIELDS = {"version", "idempotency_key", "seen", "action", "step"}
SAVED_HEADER = "X-Rounds-Saved"
STALE_FORM = "This form was out of date or changed on its way. Reload the page and try again."


def validate(model, data):
    """Validate; a problem with a hidden field (version, key...) is shown at the top of the
    form, since there is no field to show it next to."""
    form, errors = _validate(model, data)
    if errors.keys() & HIDDEN_FIELDS:
        errors = {k: v for k, v in errors.items() if k not in HIDDEN_FIELDS}
        errors["__all__"] = STALE_FORM
    return form, errors


def new_key() -> str:
    return secrets.token_urlsafe(16)


# --- the person's rounds -------------------------------------------------------------------------


@get("/rounds", name="rounds")
async def my_rounds(request: Request, viewer: ViewerDep) -> Response:
    lists = await service.upcoming_for(viewer)
    ids = [r["id"] for r in lists["mine"] + lists["others"]]
    return render(
        request,
        "rounding/list.html",
        mine=lists["mine"],
        others=lists["others"],
        briefings=await service.briefing_status(ids),
        labels=rules.STATUS_LABELS,
        units=await service.managed_units(viewer),
    )


# --- a unit's rounds ------------------------------------------------------------------------------


async def _unit_page(
    request: Request,
    viewer,
    unit_id: int,
    *,
    values=None,
    errors=None,
    series_values=None,
    series_errors=None,
    notice=None,
):
    history = await service.unit_history(viewer, unit_id)
    choices = await service.team_choices(unit_id)
    default_exec = choices["executive"][0][0] if choices["executive"] else ""
    default_champ = choices["champion"][0][0] if choices["champion"] else ""
    if values is None:
        values = {
            "on": (local_today() + timedelta(days=7)).isoformat(),
            "at": "10:00",
            "executive_id": default_exec,
            "champion_id": default_champ,
        }
    if series_values is None:
        series_values = {
            "first_on": (local_today() + timedelta(days=7)).isoformat(),
            "series_at": "10:00",
            "every_weeks": "4",
            "series_executive_id": default_exec,
            "series_champion_id": default_champ,
        }
    briefings = await service.briefing_status([r["id"] for r in history["upcoming"]])
    return render(
        request,
        "rounding/unit_rounds.html",
        **history,
        choices=choices,
        values=values,
        errors=errors or {},
        series_values=series_values,
        series_errors=series_errors or {},
        labels=rules.STATUS_LABELS,
        can_manage=viewer.can_manage(unit_id),
        briefings=briefings,
        notice=notice,
        reach_mark=rules.REACH_MARK,
    )


@get("/units/{unit_id:int}/rounds", name="unit_rounds")
async def unit_rounds(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    notice = {
        "scheduled": "Round scheduled.",
        "series": "Recurring schedule started – the next rounds are listed below.",
        "extended": "Next rounds generated.",
        "stopped": "Recurring schedule stopped.",
        "cancelled": "Round cancelled.",
    }.get(request.query_params.get("done", ""))
    return await _unit_page(request, viewer, unit_id, notice=notice)


@post("/units/{unit_id:int}/rounds")
async def schedule_round(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    await service.get_unit(viewer, unit_id)
    ensure_can_manage(viewer, unit_id)
    data = await read_form(request)
    form, errors = validate(ScheduleForm, data)
    if form:
        try:
            await service.schedule(
                viewer,
                unit_id,
                on=form.on,
                at=form.at,
                executive_id=form.executive_id,
                champion_id=form.champion_id,
            )
            return redirect(request, f"/units/{unit_id}/rounds?done=scheduled")
        except RoundInputError as exc:
            errors = exc.errors
    return await _unit_page(request, viewer, unit_id, values=data, errors=errors)


@post("/units/{unit_id:int}/rounds/series")
async def start_series(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    await service.get_unit(viewer, unit_id)
    ensure_can_manage(viewer, unit_id)
    data = await read_form(request)
    form, errors = validate(SeriesForm, data)
    if form:
        try:
            await service.create_series(
                viewer,
                unit_id,
                first_on=form.first_on,
                at=form.series_at,
                every_weeks=form.every_weeks,
                executive_id=form.series_executive_id,
                champion_id=form.series_champion_id,
            )
            return redirect(request, f"/units/{unit_id}/rounds?done=series")
        except RoundInputError as exc:
            errors = exc.errors
    return await _unit_page(request, viewer, unit_id, series_values=data, series_errors=errors)


@post("/units/{unit_id:int}/rounds/series/{series_id:int}/extend")
async def extend_series(
    request: Request, viewer: ViewerDep, unit_id: FromPath[int], series_id: FromPath[int]
) -> Response:
    await service.get_unit(viewer, unit_id)
    await service.extend_series(viewer, unit_id, series_id)
    return redirect(request, f"/units/{unit_id}/rounds?done=extended")


@post("/units/{unit_id:int}/rounds/series/{series_id:int}/stop")
async def stop_series(
    request: Request, viewer: ViewerDep, unit_id: FromPath[int], series_id: FromPath[int]
) -> Response:
    await service.get_unit(viewer, unit_id)
    await service.stop_series(viewer, unit_id, series_id)
    return redirect(request, f"/units/{unit_id}/rounds?done=stopped")


# --- one round ------------------------------------------------------------------------------------


async def _round_page(request: Request, viewer, round_id: int, *, values=None, errors=None):
    row = await service.get_round(viewer, round_id)
    notes = await briefing.notes_for(round_id)
    issues = await service.heard(round_id)
    return render(
        request,
        "rounding/round.html",
        round=row,
        notes=notes,
        issues=issues,
        labels=rules.STATUS_LABELS,
        can_manage=viewer.can_manage(row["unit"]),
        values=values or {"version": row["version"]},
        errors=errors or {},
        can_cancel=rules.can_cancel(row["status"]) is None,
    )


@get("/rounds/{round_id:int}", name="round")
async def round_detail(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    return await _round_page(request, viewer, round_id)


@post("/rounds/{round_id:int}/cancel")
async def cancel_round(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    row = await service.get_round(viewer, round_id)
    data = await read_form(request)
    form, errors = validate(CancelForm, data)
    if form:
        try:
            await service.cancel(viewer, round_id, reason=form.reason, version=form.version)
            return redirect(request, f"/units/{row['unit']}/rounds?done=cancelled")
        except RoundInputError as exc:
            errors = exc.errors
        except Conflict:
            row = await service.get_round(viewer, round_id)
            errors = {"__all__": CONFLICT}
            data = {**data, "version": row["version"]}
    return await _round_page(request, viewer, round_id, values=data, errors=errors)


# --- the briefing ---------------------------------------------------------------------------------


@get("/rounds/{round_id:int}/briefing", name="briefing")
async def briefing_page(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    """The summary, with the other sections collapsed. `?open=<section>` opens one section: htmx
    asks for its content alone when it is expanded, a browser without JavaScript gets the page
    with that section open. `?open=all` opens every section (to read or print it all)."""
    wanted = request.query_params.get("open", "")
    section = wanted if wanted in briefing.SECTIONS else None
    if section and wants_fragment(request):
        parts: tuple[str, ...] | None = (section,)
    elif section:
        parts = ("summary", section)
    else:
        parts = None if wanted == "all" else ("summary",)
    row, content, frozen = await briefing.for_round(viewer, round_id, parts)
    return render(
        request,
        "rounding/briefing.html",
        fragment="rounding/_briefing_more.html" if section else None,
        round=row,
        b=content,
        frozen=frozen,
        open_section="all" if wanted == "all" else section,
        labels=rules.STATUS_LABELS,
        can_manage=viewer.can_manage(row["unit"]),
        can_start=row["status"] in rules.STARTABLE,
    )


async def _editor(
    request: Request, viewer, round_id: int, *, values=None, errors=None, saved: str = ""
):
    row, content, frozen = await briefing.for_round(viewer, round_id)
    ensure_can_manage(viewer, row["unit"])
    notes = await briefing.notes_for(round_id)
    if values is None:
        values = {k: (notes or {}).get(k, "") for k in briefing.NOTE_FIELDS}
        values["version"] = notes["version"] if notes else 0
    preview = (
        {**content, "notes": {k: values.get(k, "") for k in briefing.NOTE_FIELDS}}
        if not frozen
        else content
    )
    return render(
        request,
        "rounding/briefing_edit.html",
        round=row,
        b=preview,
        frozen=frozen,
        values=values,
        errors=errors or {},
        notes=notes,
        note_fields=briefing.NOTE_FIELDS,
        saved=saved,
        labels=rules.STATUS_LABELS,
        editable=row["status"] in rules.STARTABLE,
    )


@get("/rounds/{round_id:int}/briefing/edit")
async def briefing_edit(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    return await _editor(request, viewer, round_id, saved=request.query_params.get("saved", ""))


@post("/rounds/{round_id:int}/briefing/edit")
async def briefing_save(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    await service.get_round(viewer, round_id)
    data = await read_form(request)
    form, errors = validate(BriefingForm, data)
    if form:
        try:
            await briefing.save_notes(
                viewer,
                round_id,
                form.model_dump(include=set(briefing.NOTE_FIELDS)),
                version=form.version,
                mark_ready=form.action == "ready",
            )
            return redirect(
                request,
                f"/rounds/{round_id}/briefing/edit?saved={'ready' if form.action == 'ready' else 'saved'}",
            )
        except RoundInputError as exc:
            errors = exc.errors
        except Conflict:
            notes = await briefing.notes_for(round_id)
            errors = {
                "__all__": CONFLICT
                + " Your text: "
                + " / ".join(v for k, v in data.items() if k in briefing.NOTE_FIELDS and v)
            }
            data = {k: (notes or {}).get(k, "") for k in briefing.NOTE_FIELDS}
            data["version"] = notes["version"] if notes else 0
    return await _editor(request, viewer, round_id, values=data, errors=errors)


@post("/rounds/{round_id:int}/start")
async def start_round(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    data = await read_form(request)
    try:
        await starting.start(viewer, round_id, confirmed=data.get("confirm") == "yes")
    except starting.NeedsConfirmation as exc:
        row = await service.get_round(viewer, round_id)
        return render(request, "rounding/start_confirm.html", round=row, reasons=exc.reasons)
    except RoundInputError as exc:
        row, content, frozen = await briefing.for_round(viewer, round_id)
        return render(
            request,
            "rounding/briefing.html",
            round=row,
            b=content,
            frozen=frozen,
            labels=rules.STATUS_LABELS,
            can_manage=viewer.can_manage(row["unit"]),
            can_start=False,
            errors=exc.errors,
        )
    return redirect(request, f"/rounds/{round_id}/run")


# --- the round screen -------------------------------------------------------------------------------


def _query_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


async def _run_context(
    viewer,
    row,
    *,
    values=None,
    errors=None,
    staff_errors=None,
    added=None,
    notice="",
    editing=None,
    mode="edit",
    edit_values=None,
    edit_errors=None,
):
    heard = await service.heard(row["id"])
    for item in heard:
        item["can_change"] = issue_can_edit(viewer, item)
    by_id = {i["id"]: i for i in heard}
    if added in by_id and not notice:
        notice = f"Added: “{by_id[added]['description'][:80]}” – at the top of Heard so far."
    return {
        "round": row,
        "script": await briefing.script(),
        # the newest first: what was just added is where the eye is, under the box
        "heard": heard[::-1],
        "heard_count": len(heard),
        "added": added if added in by_id else None,
        "notice": notice,
        "editing": editing if editing in by_id else None,
        "mode": mode,
        "edit_values": edit_values or {},
        "edit_errors": edit_errors or {},
        "values": values or {"idempotency_key": new_key()},
        "errors": errors or {},
        "staff_errors": staff_errors or {},
        "labels": rules.STATUS_LABELS,
        "can_contribute": viewer.can_contribute(row["unit"]),
    }


def _edit_values(item: dict) -> dict:
    """What the correction form shows, and remembers as what it was based on."""
    line = item["barrier"]["description"] if item["barrier"] else ""
    return {
        "edit_description": item["description"],
        "edit_raised_by": item["raised_by"],
        "edit_in_the_way": line,
        "base_description": item["description"],
        "base_raised_by": item["raised_by"],
        "base_in_the_way": line,
        "version": item["version"],
    }


def _heard_page(request, viewer, row, ctx):
    """The round screen, or for htmx only the list of what was heard (the box is left alone)."""
    return render(
        request,
        "rounding/run.html",
        fragment="rounding/_heard.html",
        **ctx,
        can_manage=viewer.can_manage(row["unit"]),
        # the list alone: the live region above it is updated in place (announced)
        status_oob=wants_fragment(request),
    )


@get("/rounds/{round_id:int}/run", name="round_run")
async def run_page(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    row = await service.get_round(viewer, round_id)
    added = _query_int(request, "added")
    values: dict[str, str | bool] = {"idempotency_key": new_key()}
    notice = {"removed": "Removed from the tracking log.", "changed": "Changes saved."}.get(
        request.query_params.get("done", ""), ""
    )
    ctx = await _run_context(viewer, row, values=values, added=added, notice=notice)
    if ctx["added"] and request.query_params.get("pin") == "1":
        # without JavaScript: the pinned "Raised by" comes back from the concern just added
        values.update(
            raised_by=next(i["raised_by"] for i in ctx["heard"] if i["id"] == added),
            pin_raised_by=True,
        )
    return render(request, "rounding/run.html", **ctx, can_manage=viewer.can_manage(row["unit"]))


@post("/rounds/{round_id:int}/run/capture")
async def run_capture(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    row = await service.get_round(viewer, round_id)
    data = await read_form(request)
    form, errors = validate(CaptureForm, data)
    if form:
        try:
            issue_id = await service.capture_concern(
                viewer,
                row,
                description=form.description,
                raised_by=form.raised_by,
                needs_help=form.needs_help,
                in_the_way=form.in_the_way,
                idempotency_key=form.idempotency_key,
            )
            if not wants_fragment(request):  # without JavaScript: a reload adds nothing twice
                pin = "&pin=1" if form.pin_raised_by else ""
                return redirect(request, f"/rounds/{round_id}/run?added={issue_id}{pin}#heard")
            # "Raised by" is kept for the next concern only when pinned: people speak in turn,
            # but a role carried over silently ends up on the wrong concern.
            keep = (
                {"raised_by": form.raised_by, "pin_raised_by": True} if form.pin_raised_by else {}
            )
            ctx = await _run_context(
                viewer,
                row,
                values={"idempotency_key": new_key(), **keep, "added": True},
                added=issue_id,
            )
            response = render(
                request,
                "rounding/run.html",
                fragment="rounding/_capture.html",
                **ctx,
                can_manage=viewer.can_manage(row["unit"]),
            )
            response.headers[SAVED_HEADER] = "1"  # the browser's outbox may forget the item
            return response
        except (IssueInputError, RoundInputError) as exc:
            errors = exc.errors
    ctx = await _run_context(viewer, row, values=data, errors=errors)
    return render(
        request,
        "rounding/run.html",
        fragment="rounding/_capture.html",
        **ctx,
        can_manage=viewer.can_manage(row["unit"]),
    )


@post("/rounds/{round_id:int}/run/issues/{issue_id:int}/help")
async def run_help(
    request: Request, viewer: ViewerDep, round_id: FromPath[int], issue_id: FromPath[int]
) -> Response:
    row = await service.get_round(viewer, round_id)
    data = await read_form(request)
    form, errors = validate(HelpForm, data)
    if form:
        try:
            await service.ask_for_help(viewer, row, issue_id, in_the_way=form.in_the_way)
        except (IssueInputError, RoundInputError) as exc:
            errors = exc.errors
    if not errors and not wants_fragment(request):
        return redirect(request, f"/rounds/{round_id}/run#heard")
    # Only the list is re-rendered, so a concern being typed in the box is not lost.
    ctx = await _run_context(
        viewer,
        row,
        editing=issue_id if errors else None,
        mode="help",
        edit_values={"edit_in_the_way": data.get("in_the_way", "")},
        edit_errors={("edit_in_the_way" if k == "in_the_way" else k): v for k, v in errors.items()},
        notice="" if errors else "Added to your barriers.",
    )
    if errors and ctx["editing"] is None:
        ctx["help_error"] = " ".join(errors.values())
    return _heard_page(request, viewer, row, ctx)


@get("/rounds/{round_id:int}/run/issues/{issue_id:int}/edit")
async def run_edit(
    request: Request, viewer: ViewerDep, round_id: FromPath[int], issue_id: FromPath[int]
) -> Response:
    """One concern heard on this round opened for correcting (or, with ?help=1, for saying
    what is in the way): the whole round screen without JavaScript, the list for htmx."""
    row = await service.get_round(viewer, round_id)
    ctx = await _run_context(viewer, row, editing=issue_id)
    item = next((i for i in ctx["heard"] if i["id"] == issue_id), None)
    if item is None:
        raise NotFoundException()
    ctx["mode"] = "help" if request.query_params.get("help") or not item["can_change"] else "edit"
    if ctx["mode"] == "help":
        # a leader reads the round; asking the executive for help is the unit's team's (and the
        # executive's) to do - say so here rather than refuse the form after it is filled in
        ensure_can_contribute(viewer, row["unit"])
    ctx["edit_values"] = _edit_values(item)
    if request.query_params.get("help"):
        ctx["edit_values"]["edit_needs_help"] = True
    return _heard_page(request, viewer, row, ctx)


@post("/rounds/{round_id:int}/run/issues/{issue_id:int}")
async def run_correct(
    request: Request, viewer: ViewerDep, round_id: FromPath[int], issue_id: FromPath[int]
) -> Response:
    row = await service.get_round(viewer, round_id)
    data = await read_form(request)
    form, errors = validate(CorrectForm, data)
    if form:
        try:
            await service.correct_concern(
                viewer,
                row,
                issue_id,
                values={"description": form.edit_description, "raised_by": form.edit_raised_by},
                base={"description": form.base_description, "raised_by": form.base_raised_by},
                version=form.version,
                needs_help=form.edit_needs_help,
                in_the_way=form.edit_in_the_way,
                base_in_the_way=form.base_in_the_way,
            )
            if not wants_fragment(request):
                return redirect(request, f"/rounds/{round_id}/run?done=changed#heard-{issue_id}")
            ctx = await _run_context(viewer, row, notice="Changes saved.")
            return _heard_page(request, viewer, row, ctx)
        except IssueConflict as exc:
            errors = {
                "__all__": "Someone else changed this concern while you had it open: "
                + "; ".join(
                    f"{issue_service.FIELD_LABELS.get(f, f)} is now “{exc.current.get(f)}”"
                    for f in exc.fields
                )
                + ". Your words are kept below – save again to use them."
            }
            data = {**data, "version": exc.current["version"]}
            for name in exc.fields:
                data[f"base_{name}"] = exc.current.get(name) or ""
        except (IssueInputError, RoundInputError) as exc:
            errors = {
                (f"edit_{k}" if k in ("description", "raised_by", "in_the_way") else k): v
                for k, v in exc.errors.items()
            }
    ctx = await _run_context(viewer, row, editing=issue_id, edit_values=data, edit_errors=errors)
    if ctx["editing"] is None:  # removed meanwhile, or the round is over
        ctx["help_error"] = " ".join(errors.values())
    return _heard_page(request, viewer, row, ctx)


@post("/rounds/{round_id:int}/run/issues/{issue_id:int}/remove")
async def run_remove(
    request: Request, viewer: ViewerDep, round_id: FromPath[int], issue_id: FromPath[int]
) -> Response:
    row = await service.get_round(viewer, round_id)
    try:
        removed = await service.remove_concern(viewer, row, issue_id)
    except RoundInputError as exc:
        ctx = await _run_context(viewer, row)
        ctx["help_error"] = " ".join(exc.errors.values())
        return _heard_page(request, viewer, row, ctx)
    if not wants_fragment(request):
        return redirect(request, f"/rounds/{round_id}/run?done=removed#heard")
    notice = f"Removed from the tracking log: “{removed['description'][:80]}”."
    ctx = await _run_context(viewer, row, notice=notice)
    return _heard_page(request, viewer, row, ctx)


@post("/rounds/{round_id:int}/run/staff")
async def run_staff(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    row = await service.get_round(viewer, round_id)
    data = await read_form(request)
    form, errors = validate(StaffForm, data)
    if form:
        try:
            row = await service.update_staff(
                viewer,
                row,
                count=form.staff_count,
                step=form.step,
                roles=form.staff_roles,
                first_timers=form.first_timers,
                first_step=form.first_step,
            )
            if not wants_fragment(request):
                return redirect(request, f"/rounds/{round_id}/run#staff")
            errors = {}
        except RoundInputError as exc:
            errors = exc.errors
    if errors:  # keep what was typed
        row = {
            **row,
            "staff_count": data.get("staff_count", row["staff_count"]),
            "first_timers": data.get("first_timers", row["first_timers"]),
            "staff_roles": data.get("staff_roles", row["staff_roles"]),
        }
    ctx = await _run_context(viewer, row, staff_errors=errors)
    return render(
        request,
        "rounding/run.html",
        fragment="rounding/_staff.html",
        **ctx,
        can_manage=viewer.can_manage(row["unit"]),
    )


@get("/rounds/{round_id:int}/readback")
async def readback_page(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    row = await service.get_round(viewer, round_id)
    return render(
        request,
        "rounding/readback.html",
        round=row,
        heard=await service.heard(round_id),
        script=await briefing.script(),
        can_manage=viewer.can_manage(row["unit"]),
    )


@post("/rounds/{round_id:int}/readback")
async def readback_done(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    row = await service.get_round(viewer, round_id)
    try:
        await service.mark_read_back(viewer, row)
    except RoundInputError:
        pass  # the round is not running: the finish page explains
    return redirect(request, f"/rounds/{round_id}/finish")


# Quick triage at "Finish round": one tap each for harm, likelihood and ease (issues.rules words).
TRIAGE = {
    "harm": ("Worst credible harm", issue_rules.HARMS),
    "likelihood": ("How likely", issue_rules.LIKELIHOODS),
    "ease": ("Ease of fixing", issue_rules.EASE),
}


async def _finish_page(request, viewer, row, *, values=None, errors=None):
    issues = await service.heard(row["id"])
    if values is None:
        values = {"version": row["version"], "debrief_notes": row["debrief_notes"]}
        for i in issues:
            values[f"owner_{i['id']}"] = i["owner"] or ""
            values[f"due_{i['id']}"] = i["due_on"].isoformat() if i["due_on"] else ""
            for name in TRIAGE:
                values[f"{name}_{i['id']}"] = i[name] or ""
    choices = await service.team_choices(row["unit"])
    return render(
        request,
        "rounding/finish.html",
        round=row,
        heard=issues,
        owners=choices["all"],
        values=values,
        errors=errors or {},
        labels=rules.STATUS_LABELS,
        triage=[(name, label, list(choices.items())) for name, (label, choices) in TRIAGE.items()],
        default_due=(local_today() + timedelta(days=30)).isoformat(),
    )


@get("/rounds/{round_id:int}/finish")
async def finish_page(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    row = await service.get_round(viewer, round_id)
    return await _finish_page(request, viewer, row)


@post("/rounds/{round_id:int}/finish")
async def finish_round(request: Request, viewer: ViewerDep, round_id: FromPath[int]) -> Response:
    row = await service.get_round(viewer, round_id)
    data = await read_form(request)
    errors: dict[str, str] = {}
    assignments: dict[int, tuple[int | None, date | None]] = {}
    ratings: dict[int, dict[str, str]] = {}
    lines: dict[int, str] = {}
    for key in data:
        if key.startswith("in_the_way_") and key[11:].isdigit() and len(key) < 25:
            lines[int(key[11:])] = str(data.get(key) or "")
        if key.startswith("owner_") and key[6:].isdigit():
            issue_id = int(key[6:])
            owner_raw, due_raw = str(data.get(key) or ""), str(data.get(f"due_{issue_id}") or "")
            owner = int(owner_raw) if owner_raw.isdigit() else None
            if owner_raw and owner is None:
                errors[key] = "Choose an owner from the list."
            due = None
            if due_raw:
                try:
                    due = date.fromisoformat(due_raw)
                except ValueError:
                    errors[f"due_{issue_id}"] = "Enter a date like 2026-03-14."
            assignments[issue_id] = (owner, due)
        name, _, issue_key = key.partition("_")
        if name in TRIAGE and issue_key.isdigit() and len(issue_key) < 10:
            value = str(data.get(key) or "")
            if value and value not in TRIAGE[name][1]:
                errors[key] = "Choose one of the options."
            elif value:
                ratings.setdefault(int(issue_key), {})[name] = value
    try:
        version = int(str(data.get("version") or "0"))
    except ValueError:
        version = 0
    if not errors:
        try:
            await service.finish(
                viewer,
                row,
                assignments=assignments,
                debrief=str(data.get("debrief_notes") or ""),
                version=version,
                ratings=ratings,
                in_the_way=lines,
            )
            return redirect(request, f"/rounds/{round_id}?finished=1")
        except RoundInputError as exc:
            errors = exc.errors
        except Conflict:
            row = await service.get_round(viewer, round_id)
            errors = {"__all__": CONFLICT}
            data = {**data, "version": row["version"]}
    return await _finish_page(request, viewer, row, values=data, errors=errors)


# --- unit measures ----------------------------------------------------------------------------------


def _blank_month(month: date) -> dict:
    return {"month": f"{month:%Y-%m}", "version": 0, **{k: "" for k in rules.COUNT_FIELDS}}


async def _measures_page(
    request,
    viewer,
    unit_id,
    *,
    values=None,
    errors=None,
    event_values=None,
    event_errors=None,
    notice=None,
    merge_rows=None,
):
    data = await measures.overview(viewer, unit_id)
    if values is None:
        values = _blank_month(data["last_month"])
        wanted = parse_month(request.query_params.get("month", ""))
        if wanted:
            existing = await measures.month_values(unit_id, wanted)
            values = {**existing, "month": f"{wanted:%Y-%m}"} if existing else _blank_month(wanted)
        elif not data["missing_last_month"]:
            values = _blank_month(local_today())
    if event_values is None:
        event_values = {k: v.isoformat() for k, v in data["events"].items()}
    event_values.setdefault("seen", measures.events_fingerprint(data["events"]))
    return render(
        request,
        "rounding/measures.html",
        **data,
        values=values,
        errors=errors or {},
        event_values=event_values,
        event_errors=event_errors or {},
        count_fields=rules.COUNT_FIELDS,
        merge_rows=merge_rows or [],
        rates=rules.RATES,
        event_kinds=rules.EVENT_KINDS,
        can_manage=viewer.can_manage(unit_id),
        notice=notice,
        max_month=f"{local_today():%Y-%m}",
        today=local_today().isoformat(),
    )


@get("/units/{unit_id:int}/measures", name="measures")
async def measures_page(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    notice = {"saved": "Figures saved.", "events": "Last-event dates saved."}.get(
        request.query_params.get("done", "")
    )
    return await _measures_page(request, viewer, unit_id, notice=notice)


def _base(data: dict) -> dict | None:
    """The figures an edit started from (None for a new month, another month or garbled input)."""
    raw = {k[5:]: v for k, v in data.items() if k.startswith("base_")}
    if not raw or raw.get("month") != data.get("month"):
        return None
    form, errors = validate(MeasureForm, {**raw, "version": 0})
    return form.counts() if form and not errors else None


@post("/units/{unit_id:int}/measures")
async def measures_save(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    """Save only the figures this person changed; a figure someone else changed meanwhile to
    another number is shown with both numbers to choose (the issue page's merge, one mechanism)."""
    await service.get_unit(viewer, unit_id)
    ensure_can_manage(viewer, unit_id)
    data, choice_errors, unresolved = merging.choose(await read_form(request), rules.COUNT_FIELDS)
    form, errors = validate(MeasureForm, data)
    errors = {**errors, **choice_errors}
    merge_rows = None
    if form and not errors:
        try:
            await measures.save_month(
                viewer, unit_id, form.month, form.counts(), version=form.version, base=_base(data)
            )
            return redirect(request, f"/units/{unit_id}/measures?done=saved")
        except RoundInputError as exc:
            errors = exc.errors
        except Conflict as exc:
            current = await measures.month_values(unit_id, form.month)
            if exc.fields and current:
                # The saved figures with this person's changes on top, based on the saved ones.
                saved = {k: str(current[k]) for k in rules.COUNT_FIELDS}
                data = {
                    **saved,
                    **{k: str(data.get(k, "")) for k in exc.mine},
                    **{f"base_{k}": v for k, v in saved.items()},
                    "base_month": f"{form.month:%Y-%m}",
                    "month": f"{form.month:%Y-%m}",
                    "version": current["version"],
                }
                merge_rows = merging.rows(exc.fields, saved, data, labels=rules.COUNT_FIELDS)
                errors = {"__all__": MERGE_CONFLICT}
            else:
                errors = {"__all__": CONFLICT}
                data = (
                    {**current, "month": f"{form.month:%Y-%m}"}
                    if current
                    else _blank_month(form.month)
                )
    if unresolved and merge_rows is None:
        base = {k[5:]: v for k, v in data.items() if k.startswith("base_")}
        merge_rows = merging.rows(unresolved, base, data, labels=rules.COUNT_FIELDS)
    return await _measures_page(
        request, viewer, unit_id, values=data, errors=errors, merge_rows=merge_rows
    )


@post("/units/{unit_id:int}/measures/last-events")
async def last_events_save(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    await service.get_unit(viewer, unit_id)
    ensure_can_manage(viewer, unit_id)
    data = await read_form(request)
    form, errors = validate(LastEventsForm, data)
    if form:
        try:
            await measures.save_last_events(viewer, unit_id, form.dates(), seen=form.seen)
            return redirect(request, f"/units/{unit_id}/measures?done=events#last-events")
        except RoundInputError as exc:
            errors = exc.errors
        except Conflict:
            errors = {"__all__": CONFLICT}
            data = None
    return await _measures_page(request, viewer, unit_id, event_values=data, event_errors=errors)


# --- calendar ---------------------------------------------------------------------------------------


@get("/calendar/{token:str}", opt={"public": True}, exclude_from_csrf=True, name="calendar_feed")
async def calendar_feed(request: Request, token: FromPath[str]) -> Response:
    if not token.endswith(".ics"):
        raise NotFoundException()
    body = await calendar.feed(
        token.removesuffix(".ics"), request.app.state.settings.link_base(str(request.base_url))
    )
    if body is None:
        raise NotFoundException()
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="rounds.ics"'},
    )


@get("/me/calendar", name="my_calendar")
async def my_calendar(request: Request, viewer: ViewerDep) -> Response:
    return render(
        request, "rounding/calendar.html", has_link=await calendar.has_link(viewer), link=None
    )


@post("/me/calendar")
async def my_calendar_change(request: Request, viewer: ViewerDep) -> Response:
    data = await read_form(request)
    if data.get("action") == "revoke":
        await calendar.revoke(viewer)
        return render(request, "rounding/calendar.html", has_link=False, link=None, revoked=True)
    token = await calendar.new_link(viewer)
    link = f"{request.app.state.settings.link_base(str(request.base_url))}/calendar/{token}.ics"
    return render(request, "rounding/calendar.html", has_link=True, link=link)


# --- the question script (admin) ------------------------------------------------------------------------


async def _script_page(request, *, values=None, errors=None, saved=False):
    current = await briefing.script()
    if values is None:
        values = {
            "questions": "\n".join(current["questions"]),
            "opening": current["opening"],
            "closing": current["closing"],
        }
    values.setdefault("seen", briefing.fingerprint(current))
    return render(request, "rounding/script.html", values=values, errors=errors or {}, saved=saved)


@get("/admin/script", name="admin_script")
async def script_page(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    return await _script_page(request, saved=bool(request.query_params.get("saved")))


@post("/admin/script")
async def script_save(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    data = await read_form(request)
    form, errors = validate(ScriptForm, data)
    if form:
        try:
            await briefing.save_script(
                viewer,
                questions=form.questions.splitlines(),
                opening=form.opening,
                closing=form.closing,
                seen=form.seen,
            )
            return redirect(request, "/admin/script?saved=1")
        except RoundInputError as exc:
            errors = exc.errors
        except Conflict:
            errors = {"__all__": CONFLICT}
            data = None
    return await _script_page(request, values=data, errors=errors)


_ = FromQuery

route_handlers = [
    my_rounds,
    unit_rounds,
    schedule_round,
    start_series,
    extend_series,
    stop_series,
    round_detail,
    cancel_round,
    briefing_page,
    briefing_edit,
    briefing_save,
    start_round,
    run_page,
    run_capture,
    run_help,
    run_edit,
    run_correct,
    run_remove,
    run_staff,
    readback_page,
    readback_done,
    finish_page,
    finish_round,
    measures_page,
    measures_save,
    last_events_save,
    calendar_feed,
    my_calendar,
    my_calendar_change,
    script_page,
    script_save,
]
nav = [NavItem("Rounds", "/rounds", order=10)]
