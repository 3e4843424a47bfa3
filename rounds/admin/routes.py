"""Admin screens: units (with their team) and people."""

from __future__ import annotations

import secrets

from litestar import Request, get, post
from litestar.response import Response

from rounds.admin import handover, service
from rounds.admin.forms import (
    ROLE_LABELS,
    UNIT_KINDS,
    UNIT_ROLE_LABELS,
    MembershipForm,
    PasswordForm,
    PersonForm,
    UnitForm,
)
from rounds.auth import mfa
from rounds.auth.access import ensure_admin
from rounds.auth.passwords import password_problem
from rounds.web.forms import read_form, validate
from rounds.web.nav import NavItem
from rounds.web.params import FromPath, ViewerDep
from rounds.web.rendering import redirect, render

CONFLICT = "Someone else changed this record while you were editing. Their version is shown below; your changes were not saved – re-enter them if still needed."


def _unit_context(**extra):
    return {"kinds": list(UNIT_KINDS.items()), **extra}


@get("/admin", name="admin")
async def admin_home(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    return render(
        request,
        "admin/index.html",
        units=await service.list_units(viewer),
        people=await service.list_people(viewer),
        role_labels=ROLE_LABELS,
        kinds=UNIT_KINDS,
    )


@get("/admin/units/new")
async def unit_new(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    return render(
        request,
        "admin/unit_form.html",
        **_unit_context(values={"active": "on", "kind": "med-surg"}, errors={}, unit=None),
    )


@post("/admin/units/new")
async def unit_create(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    data = await read_form(request)
    form, errors = validate(UnitForm, data)
    if form:
        try:
            unit_id = await service.save_unit(viewer, form)
            return redirect(request, f"/admin/units/{unit_id}")
        except service.DuplicateError as exc:
            errors = {exc.field: exc.message}
    return render(
        request, "admin/unit_form.html", **_unit_context(values=data, errors=errors, unit=None)
    )


@get("/admin/units/{unit_id:int}")
async def unit_edit(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    ensure_admin(viewer)
    unit = await service.get_unit(viewer, unit_id)
    return await _unit_page(
        request, viewer, unit, values={**unit, "active": "on" if unit["active"] else ""}, errors={}
    )


async def _unit_page(request, viewer, unit, values, errors, member_errors=None, notice=None):
    return render(
        request,
        "admin/unit_form.html",
        **_unit_context(
            unit=unit,
            values=values,
            errors=errors,
            team=await service.unit_team(unit["id"]),
            people=await service.people_choices(),
            unit_roles=list(UNIT_ROLE_LABELS.items()),
            unit_role_labels=UNIT_ROLE_LABELS,
            member_errors=member_errors or {},
            notice=notice,
        ),
    )


@post("/admin/units/{unit_id:int}")
async def unit_update(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    ensure_admin(viewer)
    unit = await service.get_unit(viewer, unit_id)
    data = await read_form(request)
    form, errors = validate(UnitForm, data)
    if form:
        try:
            await service.save_unit(viewer, form, unit_id)
            return redirect(request, f"/admin/units/{unit_id}?saved=1")
        except service.DuplicateError as exc:
            errors = {exc.field: exc.message}
        except service.Conflict:
            unit = await service.get_unit(viewer, unit_id)
            errors = {"__all__": CONFLICT}
            data = {**unit, "active": "on" if unit["active"] else ""}
    return await _unit_page(request, viewer, unit, values=data, errors=errors)


@post("/admin/units/{unit_id:int}/members")
async def member_add(request: Request, viewer: ViewerDep, unit_id: FromPath[int]) -> Response:
    ensure_admin(viewer)
    unit = await service.get_unit(viewer, unit_id)
    data = await read_form(request)
    form, errors = validate(MembershipForm, data)
    if form:
        try:
            await service.add_member(viewer, unit_id, form.person_id, form.unit_role)
            return redirect(request, f"/admin/units/{unit_id}#team")
        except service.DuplicateError as exc:
            errors = {exc.field: exc.message}
    values = {**unit, "active": "on" if unit["active"] else ""}
    return await _unit_page(request, viewer, unit, values=values, errors={}, member_errors=errors)


@post("/admin/units/{unit_id:int}/members/{membership_id:int}/remove")
async def member_remove(
    request: Request, viewer: ViewerDep, unit_id: FromPath[int], membership_id: FromPath[int]
) -> Response:
    ensure_admin(viewer)
    await service.get_unit(viewer, unit_id)
    await service.remove_member(viewer, unit_id, membership_id)
    return redirect(request, f"/admin/units/{unit_id}#team")


def _person_context(**extra):
    return {"roles": list(ROLE_LABELS.items()), **extra}


@get("/admin/people/new")
async def person_new(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    return render(
        request,
        "admin/person_form.html",
        **_person_context(values={"active": "on", "role": "member"}, errors={}, person=None),
    )


@post("/admin/people/new")
async def person_create(request: Request, viewer: ViewerDep) -> Response:
    ensure_admin(viewer)
    data = await read_form(request)
    form, errors = validate(PersonForm, data)
    password = str(data.get("password", ""))
    if password and (problem := password_problem(password, email=str(data.get("email", "")))):
        errors["password"] = problem
    if form and not errors:
        try:
            generated = None if password else secrets.token_urlsafe(12)
            person_id = await service.save_person(
                viewer, form, password=password or generated, temporary=True
            )
            if not generated:
                return redirect(request, f"/admin/people/{person_id}")
            # Shown once, in this response only: never in a URL, a log or the database.
            person = await service.get_person(viewer, person_id)
            return render(
                request,
                "admin/person_form.html",
                **_person_context(
                    person=person,
                    values={**person, "active": "on" if person["active"] else ""},
                    errors={},
                    units=[],
                    unit_role_labels=UNIT_ROLE_LABELS,
                    temporary=generated,
                ),
            )
        except service.DuplicateError as exc:
            errors = {exc.field: exc.message}
    data.pop("password", None)
    return render(
        request,
        "admin/person_form.html",
        **_person_context(values=data, errors=errors, person=None),
    )


@get("/admin/people/{person_id:int}")
async def person_edit(request: Request, viewer: ViewerDep, person_id: FromPath[int]) -> Response:
    person = await service.get_person(viewer, person_id)
    return render(
        request,
        "admin/person_form.html",
        **_person_context(
            person=person,
            values={**person, "active": "on" if person["active"] else ""},
            errors={},
            units=await service.person_units(person_id),
            unit_role_labels=UNIT_ROLE_LABELS,
            second_factor=await mfa.is_enrolled(person_id),
        ),
    )


@post("/admin/people/{person_id:int}/two-step/reset")
async def person_two_step_reset(
    request: Request, viewer: ViewerDep, person_id: FromPath[int]
) -> Response:
    """Lost phone and no recovery codes: the person sets up a new authenticator next time."""
    await service.get_person(viewer, person_id)
    await mfa.reset(viewer, person_id)
    return redirect(request, f"/admin/people/{person_id}?two_step_reset=1")


@post("/admin/people/{person_id:int}")
async def person_update(request: Request, viewer: ViewerDep, person_id: FromPath[int]) -> Response:
    person = await service.get_person(viewer, person_id)
    data = await read_form(request)
    form, errors = validate(PersonForm, data)
    if form:
        leaving = person["active"] and not form.active
        if leaving and (await handover.holdings(viewer, person_id))["items"]:
            # Deactivation waits for the hand-over: save the rest, then list what they hold.
            form.active = True
        try:
            await service.save_person(viewer, form, person_id)
            if leaving and form.active:
                return redirect(request, f"/admin/people/{person_id}/handover")
            return redirect(request, f"/admin/people/{person_id}?saved=1")
        except service.DuplicateError as exc:
            errors = {exc.field: exc.message}
        except service.Conflict:
            person = await service.get_person(viewer, person_id)
            data, errors = (
                {**person, "active": "on" if person["active"] else ""},
                {"__all__": CONFLICT},
            )
    return render(
        request,
        "admin/person_form.html",
        **_person_context(
            person=person,
            values=data,
            errors=errors,
            units=await service.person_units(person_id),
            unit_role_labels=UNIT_ROLE_LABELS,
        ),
    )


def _handover_choices(data: dict, items: list[dict]) -> dict[str, int | None]:
    chosen = {}
    for item in items:
        value = str(data.get(item["key"], "")).strip()
        chosen[item["key"]] = int(value) if value.isdigit() else None
    return chosen


@get("/admin/people/{person_id:int}/handover")
async def person_handover(
    request: Request, viewer: ViewerDep, person_id: FromPath[int]
) -> Response:
    found = await handover.holdings(viewer, person_id)
    values = {i["key"]: i["default"] or "" for i in found["items"]}
    return render(request, "admin/handover.html", **found, values=values, errors={})


@post("/admin/people/{person_id:int}/handover")
async def person_handover_do(
    request: Request, viewer: ViewerDep, person_id: FromPath[int]
) -> Response:
    """Reassign everything the person holds and deactivate them, in one transaction."""
    found = await handover.holdings(viewer, person_id)
    data = await read_form(request)
    try:
        await handover.hand_over(viewer, person_id, _handover_choices(data, found["items"]))
        return redirect(request, f"/admin/people/{person_id}?handed_over=1")
    except handover.HandOverError as exc:
        errors = exc.errors
    return render(request, "admin/handover.html", **found, values=data, errors=errors)


@post("/admin/people/{person_id:int}/password")
async def person_password(
    request: Request, viewer: ViewerDep, person_id: FromPath[int]
) -> Response:
    person = await service.get_person(viewer, person_id)
    data = await read_form(request)
    form, errors = validate(PasswordForm, data)
    if form and (problem := password_problem(form.password)):
        errors = {"password": problem}
    if form and not errors:
        await service.set_password(viewer, person_id, form.password)
        return redirect(request, f"/admin/people/{person_id}?password_reset=1")
    return render(
        request,
        "admin/person_form.html",
        **_person_context(
            person=person,
            values={**person, "active": "on" if person["active"] else ""},
            errors={},
            password_errors=errors,
            units=await service.person_units(person_id),
            unit_role_labels=UNIT_ROLE_LABELS,
        ),
    )


route_handlers = [
    admin_home,
    unit_new,
    unit_create,
    unit_edit,
    unit_update,
    member_add,
    member_remove,
    person_new,
    person_create,
    person_edit,
    person_update,
    person_handover,
    person_handover_do,
    person_password,
    person_two_step_reset,
]
nav = [NavItem("Admin", "/admin", roles=("admin",), order=90)]
