"""Demo data for rounds.voice: concerns sent without an account on the Emergency Department -
two waiting for triage, one sent ahead of a round and put on the log, one declined with its reason - and a Staff Safety
Assessment campaign running this fortnight. No links are made (the champion makes them in one
tap, with the server's own key). No patient identifiers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from rounds.demo_context import DemoContext
from rounds.voice import rules
from rounds.voice.tables import Campaign, Concern

UNIT_INDEX = 2  # Emergency Department

CONCERNS = [
    # (days ago, audience, language, role, harm, prevent, status, decline reason)
    (
        1,
        "staff",
        "en",
        "RN, nights",
        "Someone will be hurt moving between the hallway stretchers: the corridor beds block the "
        "route to the resus bay at night.",
        "Mark a clear lane on the floor and move overflow stretchers to bay 3.",
        "waiting",
        "",
    ),
    (
        2,
        "family",
        "es",
        "",
        "La luz para llamar a la enfermera no funciona en la sala de espera.",
        "Arreglar la luz o poner un timbre.",
        "waiting",
        "",
    ),
    (
        5,
        "staff",
        "en",
        "Paramedic liaison",
        "Handover from ambulance crews happens in the corridor and details get lost.",
        "A fixed handover spot with a checklist on the wall.",
        "accepted",
        "",
    ),
    (
        9,
        "staff",
        "en",
        "",
        "The staff room fridge is always full.",
        "",
        "declined",
        "Not a patient-safety matter; we passed it to the facilities team, who will add shelves.",
    ),
]


async def seed(ctx: DemoContext) -> None:
    if ctx.scale or len(ctx.units) <= UNIT_INDEX:
        return
    unit_id = ctx.units[UNIT_INDEX]["id"]
    champion = (ctx.team.get(unit_id, {}).get("champion") or [None])[0]
    now = datetime.combine(ctx.today, time(9, 0), tzinfo=UTC)
    campaign = (
        await Campaign.insert(
            Campaign(
                unit=unit_id,
                opens_on=ctx.today - timedelta(days=10),
                closes_on=ctx.today + timedelta(days=4),
                created_by=champion,
                created_at=now - timedelta(days=10),
            )
        ).returning(Campaign.id)
    )[0]["id"]
    rows = []
    for n, (ago, audience, language, role, harm, prevent, status, reason) in enumerate(CONCERNS):
        received = now - timedelta(days=ago, hours=n)
        decided = status != "waiting"
        rows.append(
            Concern(
                unit=unit_id,
                audience=audience,
                language=language,
                code=rules.new_code(),
                harm=harm,
                prevent=prevent,
                role=role,
                campaign=campaign if audience == "staff" and status != "accepted" else None,
                received_at=received,
                status="waiting" if status == "accepted" else status,
                decline_reason=reason,
                decided_at=received + timedelta(days=1) if decided else None,
                decided_by=champion if decided else None,
            )
        )
    await Concern.insert(*rows)
    # the accepted one goes on the log the ordinary way, so the issue and the audit entry exist
    from rounds.auth.access import Viewer
    from rounds.voice import service

    person = next((p for p in ctx.people.values() if p["id"] == champion), None)
    if person is None:
        return
    viewer = Viewer(
        id=person["id"],
        email=person["email"],
        display_name=person["display_name"],
        role=person["role"],
        unit_roles={unit_id: "champion"},
    )
    waiting = await Concern.select(Concern.id, Concern.harm, Concern.prevent).where(
        (Concern.unit == unit_id) & (Concern.role == "Paramedic liaison")
    )
    for row in waiting:
        await service.accept(
            viewer,
            row["id"],
            description=rules.issue_description(row["harm"], row["prevent"]),
            source="before_round",  # sent ahead of a round (the demo log has every source)
            category_id=next(iter(ctx.categories.values()), None),
        )
