"""Units, people and who belongs where. Only admins change these; every change is audited."""

from __future__ import annotations

from dataclasses import dataclass

from rounds import db
from rounds.admin.forms import PersonForm, UnitForm
from rounds.audit import service as audit
from rounds.auth import passwords, sessions
from rounds.auth.access import PermissionDeniedException, Viewer, ensure_admin
from rounds.core import clock
from rounds.core.errors import Conflict, InputError
from rounds.core.tables import Membership, Person, Unit


class DuplicateError(InputError):
    """Another unit or person already has this name, e-mail or membership: one field's message."""

    def __init__(self, field: str, message: str):
        super().__init__({field: message})
        self.field, self.message = field, message


UNIT_FIELDS = ("name", "kind", "facility", "staff_headcount", "active")
PERSON_FIELDS = ("email", "display_name", "job_title", "role", "active")


async def list_units(viewer: Viewer, *, include_inactive: bool = True) -> list[dict]:
    query = Unit.select().order_by(Unit.name)
    if not include_inactive:
        query = query.where(Unit.active == True)  # noqa: E712
    units = await query
    return [u for u in units if viewer.can_see(u["id"])]


async def get_unit(viewer: Viewer, unit_id: int) -> dict:
    from rounds.auth.access import ensure_can_see

    ensure_can_see(viewer, unit_id)
    unit = await Unit.select().where(Unit.id == unit_id).first()
    if unit is None:
        from litestar.exceptions import NotFoundException

        raise NotFoundException()
    return unit


async def unit_team(unit_id: int) -> list[dict]:
    return await (
        Membership.select(
            Membership.id,
            Membership.unit_role,
            Membership.person.id.as_alias("person_id"),
            Membership.person.display_name.as_alias("display_name"),
            Membership.person.job_title.as_alias("job_title"),
            Membership.person.active.as_alias("active"),
        )
        .where(Membership.unit == unit_id)
        .order_by(Membership.unit_role)
        .order_by(Membership.person.display_name)
    )


async def save_unit(viewer: Viewer, form: UnitForm, unit_id: int | None = None) -> int:
    ensure_admin(viewer)
    values = {k: getattr(form, k) for k in UNIT_FIELDS}
    async with db.write_transaction():
        clash = await Unit.select(Unit.id).where(Unit.name == form.name).first()
        if clash and clash["id"] != unit_id:
            raise DuplicateError("name", "Another unit already has this name.")
        if unit_id is None:
            row = (
                await Unit.insert(Unit(**values, created_at=clock.now(), version=1)).returning(
                    Unit.id
                )
            )[0]
            await audit.record(
                viewer.actor,
                "create",
                "unit",
                row["id"],
                unit_id=row["id"],
                changes=audit.created(values),
            )
            return row["id"]
        old = await Unit.select().where(Unit.id == unit_id).first()
        if old is None:
            from litestar.exceptions import NotFoundException

            raise NotFoundException()
        if old["version"] != form.version:
            raise Conflict()
        changes = audit.diff(old, values)
        if changes:
            await Unit.update({**values, Unit.version: old["version"] + 1}).where(
                Unit.id == unit_id
            )
            await audit.record(
                viewer.actor, "update", "unit", unit_id, unit_id=unit_id, changes=changes
            )
        return unit_id


async def add_member(viewer: Viewer, unit_id: int, person_id: int, unit_role: str) -> None:
    ensure_admin(viewer)
    async with db.write_transaction():
        person = await Person.select(Person.id, Person.role).where(Person.id == person_id).first()
        if person is None:
            raise DuplicateError("person_id", "Choose a person from the list.")
        if person["role"] == "leader":
            raise DuplicateError(
                "person_id",
                "Senior leaders see every unit read-only; they are not added to unit teams.",
            )
        existing = (
            await Membership.select()
            .where((Membership.unit == unit_id) & (Membership.person == person_id))
            .first()
        )
        if existing:
            if existing["unit_role"] == unit_role:
                return
            await Membership.update({Membership.unit_role: unit_role}).where(
                Membership.id == existing["id"]
            )
            await audit.record(
                viewer.actor,
                "update",
                "membership",
                existing["id"],
                unit_id=unit_id,
                changes={
                    "unit_role": [existing["unit_role"], unit_role],
                    "person": [person_id, person_id],
                },
            )
            return
        row = (
            await Membership.insert(
                Membership(person=person_id, unit=unit_id, unit_role=unit_role)
            ).returning(Membership.id)
        )[0]
        await audit.record(
            viewer.actor,
            "create",
            "membership",
            row["id"],
            unit_id=unit_id,
            changes=audit.created({"person": person_id, "unit": unit_id, "unit_role": unit_role}),
        )


async def remove_member(viewer: Viewer, unit_id: int, membership_id: int) -> None:
    ensure_admin(viewer)
    async with db.write_transaction():
        row = (
            await Membership.select()
            .where((Membership.id == membership_id) & (Membership.unit == unit_id))
            .first()
        )
        if row is None:
            return
        await Membership.delete().where(Membership.id == membership_id)
        await audit.record(
            viewer.actor,
            "delete",
            "membership",
            membership_id,
            unit_id=unit_id,
            changes={"person": [row["person"], None], "unit_role": [row["unit_role"], None]},
        )


async def list_people(viewer: Viewer) -> list[dict]:
    ensure_admin(viewer)
    return await Person.select(*[getattr(Person, f) for f in ("id", *PERSON_FIELDS)]).order_by(
        Person.display_name
    )


async def get_person(viewer: Viewer, person_id: int) -> dict:
    ensure_admin(viewer)
    person = (
        await Person.select(Person.id, Person.version, *[getattr(Person, f) for f in PERSON_FIELDS])
        .where(Person.id == person_id)
        .first()
    )
    if person is None:
        from litestar.exceptions import NotFoundException

        raise NotFoundException()
    return person


async def person_units(person_id: int) -> list[dict]:
    return await Membership.select(
        Membership.unit_role,
        Membership.unit.id.as_alias("unit_id"),
        Membership.unit.name.as_alias("unit_name"),
    ).where(Membership.person == person_id)


async def save_person(
    viewer: Viewer,
    form: PersonForm,
    person_id: int | None = None,
    password: str | None = None,
    *,
    temporary: bool = False,
) -> int:
    ensure_admin(viewer)
    values = {k: getattr(form, k) for k in PERSON_FIELDS}
    password_hash = await passwords.hash_password(password) if password else ""
    async with db.write_transaction():
        clash = await Person.select(Person.id).where(Person.email == form.email).first()
        if clash and clash["id"] != person_id:
            raise DuplicateError("email", "Another person already uses this e-mail address.")
        if person_id is None:
            row = (
                await Person.insert(
                    Person(
                        **values,
                        password_hash=password_hash,
                        created_at=clock.now(),
                        version=1,
                        must_change_password=temporary,
                    )
                ).returning(Person.id)
            )[0]
            await audit.record(
                viewer.actor, "create", "person", row["id"], changes=audit.created(values)
            )
            return row["id"]
        old = await Person.select().where(Person.id == person_id).first()
        if old is None:
            from litestar.exceptions import NotFoundException

            raise NotFoundException()
        if old["version"] != form.version:
            raise Conflict()
        if person_id == viewer.id and (not form.active or form.role != "admin"):
            raise DuplicateError(
                "role", "You cannot remove your own administrator access or deactivate yourself."
            )
        changes = audit.diff(old, values)
        if changes:
            await Person.update({**values, Person.version: old["version"] + 1}).where(
                Person.id == person_id
            )
            await audit.record(viewer.actor, "update", "person", person_id, changes=changes)
    if not form.active:
        await sessions.end_all_for(person_id)  # deactivation signs the person out everywhere
    return person_id


async def set_password(viewer: Viewer | None, person_id: int, password: str) -> None:
    """Admins reset passwords (the CLI passes viewer=None). Existing sessions end.

    A password set by an admin is temporary: the person chooses their own at next sign-in."""
    if viewer is not None:
        ensure_admin(viewer)
        if person_id == viewer.id:  # a temporary password would sign the admin out mid-task
            raise PermissionDeniedException(
                detail="To change your own password, use 'Change my password' on your account."
            )
    password_hash = await passwords.hash_password(password)
    async with db.write_transaction():
        # A reset is a response to a lost or leaked password: the secret calendar link ends too.
        await Person.update(
            {
                Person.password_hash: password_hash,
                Person.must_change_password: viewer is not None,
                Person.calendar_token: None,
            }
        ).where(Person.id == person_id)
        actor = viewer.actor if viewer else audit.SYSTEM
        await audit.record(
            actor,
            "update",
            "person",
            person_id,
            changes={"password": ["(hidden)", "(reset)"], "calendar_link": ["(ended)", None]},
        )
    await sessions.end_all_for(person_id)


@dataclass
class PeopleChoice:
    id: int
    label: str


async def people_choices() -> list[PeopleChoice]:
    rows = (
        await Person.select(Person.id, Person.display_name, Person.job_title)
        .where(Person.active == True)
        .order_by(Person.display_name)
    )  # noqa: E712
    return [
        PeopleChoice(
            r["id"], f"{r['display_name']}" + (f" – {r['job_title']}" if r["job_title"] else "")
        )
        for r in rows
    ]
