"""The demo hospital: fictional, realistic, and free of patient identifiers.

Riverside General Hospital (fictional). Staff accounts use example.org addresses. Features add
their own demo rows through rounds/<feature>/demo.py `seed(ctx)`, in the order below.
"""

from __future__ import annotations

import os
import random
import secrets
from importlib import import_module
from pathlib import Path

from rounds import db
from rounds.auth import passwords
from rounds.core import clock
from rounds.core.tables import AuditEntry, Membership, Person, Setting, Unit, WebSession
from rounds.demo_context import DemoContext
from rounds.install import ensure_defaults
from rounds.settings import write_private

FEATURE_SEEDERS = [
    "rounds.rounding.demo",
    "rounds.issues.demo",
    "rounds.barriers.demo",
    "rounds.meetings.demo",
    "rounds.voice.demo",
]

FACILITY = "Riverside General Hospital"
UNITS = [
    # name, kind, headcount
    ("4 West Medical ICU", "icu", 86),
    ("5 North Med-Surg", "med-surg", 64),
    ("Emergency Department", "ed", 120),
    ("3 East Cardiac Step-Down", "med-surg", 58),
    ("Labor & Delivery", "maternity", 72),
    ("Peri-operative Services", "peri-op", 95),
]

# e-mail, name, job title, role, {unit index: unit role}
PEOPLE = [
    ("admin@example.org", "Dana Whitfield", "Director of Patient Safety & Quality", "admin", {}),
    (
        "executive@example.org",
        "Marcus Bell",
        "Chief Nursing Officer",
        "executive",
        {0: "executive", 1: "executive", 4: "executive"},
    ),
    (
        "cmo@example.org",
        "Priya Raman",
        "Chief Medical Officer",
        "executive",
        {2: "executive", 5: "executive"},
    ),
    ("coo@example.org", "Helen Ortiz", "Chief Operating Officer", "executive", {3: "executive"}),
    ("champion@example.org", "Sam Okafor", "Charge Nurse, 4 West", "champion", {0: "champion"}),
    ("champion2@example.org", "Lena Brooks", "Nurse Manager, 5 North", "champion", {1: "champion"}),
    ("champion3@example.org", "Tomás Reyes", "ED Physician Champion", "champion", {2: "champion"}),
    (
        "champion4@example.org",
        "Grace Lin",
        "Clinical Nurse Specialist, 3 East",
        "champion",
        {3: "champion"},
    ),
    (
        "champion5@example.org",
        "Ada Mensah",
        "Charge Nurse, Labor & Delivery",
        "champion",
        {4: "champion"},
    ),
    ("champion6@example.org", "Noah Fischer", "OR Nurse Manager", "champion", {5: "champion"}),
    ("member@example.org", "Jordan Pike", "Respiratory Therapist", "member", {0: "member"}),
    (
        "member2@example.org",
        "Riley Chen",
        "Clinical Pharmacist",
        "member",
        {0: "member", 1: "member"},
    ),
    ("member3@example.org", "Morgan Diaz", "Staff Nurse, nights", "member", {1: "member"}),
    ("member4@example.org", "Casey Nguyen", "ED Nurse Educator", "member", {2: "member"}),
    ("member5@example.org", "Jamie Patel", "Physical Therapist", "member", {3: "member"}),
    ("member6@example.org", "Avery Johnson", "Midwife", "member", {4: "member"}),
    ("member7@example.org", "Quinn Adler", "Anesthesia Technician", "member", {5: "member"}),
    ("facilities@example.org", "Robin Hale", "Director of Facilities", "member", {}),
    ("ceo@example.org", "Evelyn Carter", "President & CEO (C-suite)", "leader", {}),
    ("leader@example.org", "Victor Osei", "Board Quality Committee Liaison", "leader", {}),
]


def demo_password(var_dir: Path) -> str:
    """ROUNDS_DEMO_PASSWORD, or one generated once into var/demo_password."""
    if os.environ.get("ROUNDS_DEMO_PASSWORD"):
        return os.environ["ROUNDS_DEMO_PASSWORD"]
    path = var_dir / "demo_password"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = "-".join(secrets.token_hex(3) for _ in range(3))
    write_private(path, value)
    return value


async def is_loaded() -> bool:
    return await Setting.exists().where(Setting.key == "demo.loaded")


async def reset_all() -> None:
    """Delete every row (keeps the schema). Used by `rounds demo --reset`."""
    async with db.write_transaction():
        for table in reversed(db.all_tables()):
            await table.delete(force=True)
        await db.raw("UPDATE audit_head SET seq = 0, last_hash = ''")
    await ensure_defaults()


async def load(password: str, *, seed: int = 7) -> bool:
    """Load the demo hospital once. Returns False if it was already there (passwords refreshed)."""
    await ensure_defaults()
    password_hash = await passwords.hash_password(password)
    if await is_loaded():
        await Person.update({Person.password_hash: password_hash}).where(
            Person.email.like("%@example.org")
        )
        return False
    now = clock.now()
    ctx = DemoContext(today=clock.today(), rng=random.Random(seed))
    async with db.write_transaction():
        unit_rows = await Unit.insert(
            *[
                Unit(
                    name=n,
                    kind=k,
                    facility=FACILITY,
                    staff_headcount=h,
                    active=True,
                    created_at=now,
                )
                for n, k, h in UNITS
            ]
        ).returning(*Unit.all_columns())
        ctx.units = sorted(unit_rows, key=lambda u: u["id"])
        person_rows = await Person.insert(
            *[
                Person(
                    email=e,
                    display_name=n,
                    job_title=t,
                    role=r,
                    password_hash=password_hash,
                    active=True,
                    created_at=now,
                )
                for e, n, t, r, _ in PEOPLE
            ]
        ).returning(*Person.all_columns())
        ctx.people = {p["email"]: p for p in person_rows}
        memberships = []
        for email, _n, _t, _r, unit_roles in PEOPLE:
            for index, unit_role in unit_roles.items():
                unit_id, person_id = ctx.units[index]["id"], ctx.people[email]["id"]
                memberships.append(Membership(person=person_id, unit=unit_id, unit_role=unit_role))
                ctx.team.setdefault(unit_id, {}).setdefault(unit_role, []).append(person_id)
        await Membership.insert(*memberships)
        from rounds.issues.tables import Category

        ctx.categories = {
            c["name"]: c["id"] for c in await Category.select(Category.id, Category.name)
        }
    for name in FEATURE_SEEDERS:
        await import_module(name).seed(ctx)
    await Setting.insert(Setting(key="demo.loaded", value=now.isoformat()))
    return True


async def counts() -> dict[str, int]:
    return {t._meta.tablename: await t.count() for t in (Unit, Person, AuditEntry, WebSession)}
