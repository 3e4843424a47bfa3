"""Issue #11 case 7: a concern captured with "Needs my help" and its barrier are one write."""

import pytest

from rounds.barriers import service as barrier_service
from rounds.barriers.tables import Barrier
from rounds.issues.tables import SafetyIssue
from rounds.rounding import service
from tests.issues.conftest import viewer_for
from tests.rounding.helpers import make_round


async def _running_round(world):
    round_id = await make_round(world, days=0, status="in_progress")
    viewer = await viewer_for(world.people["champion"])
    return viewer, await service.get_round(viewer, round_id)


async def test_failure_between_concern_and_barrier_leaves_neither_and_retry_makes_both(
    world, monkeypatch
):
    viewer, row = await _running_round(world)
    real_record = barrier_service.audit.record

    async def failing_record(actor, action, object_type, *args, **kwargs):
        if object_type == "barrier":
            raise RuntimeError("disk full while opening the barrier")
        return await real_record(actor, action, object_type, *args, **kwargs)

    monkeypatch.setattr(barrier_service.audit, "record", failing_record)
    concern = dict(
        description="No portable suction on nights",
        raised_by="RT",
        needs_help=True,
        in_the_way="No budget for a second suction unit",
        idempotency_key="help-key-1",
    )
    with pytest.raises(RuntimeError):
        await service.capture_concern(viewer, row, **concern)
    assert await SafetyIssue.count().where(SafetyIssue.idempotency_key == "help-key-1") == 0
    assert await Barrier.count() == 0

    monkeypatch.setattr(barrier_service.audit, "record", real_record)
    issue_id = await service.capture_concern(viewer, row, **concern)
    again = await service.capture_concern(viewer, row, **concern)  # a double tap
    assert again == issue_id
    barriers = await Barrier.select().where(Barrier.issue == issue_id)
    assert len(barriers) == 1 and barriers[0]["owner"] == world.people["executive"]
    assert await SafetyIssue.count().where(SafetyIssue.round == row["id"]) == 1


async def test_retry_of_a_concern_saved_without_its_barrier_opens_the_barrier(world):
    """A concern saved before this fix (issue kept, barrier lost): the retry repairs it."""
    viewer, row = await _running_round(world)
    concern = dict(description="Bed alarms do not reset", raised_by="RN", idempotency_key="k2")
    issue_id = await service.capture_concern(viewer, row, needs_help=False, **concern)
    await SafetyIssue.update({SafetyIssue.needs_executive_help: True}).where(
        SafetyIssue.id == issue_id
    )
    again = await service.capture_concern(
        viewer, row, needs_help=True, in_the_way="Alarm resets need the vendor", **concern
    )
    assert again == issue_id
    assert await Barrier.count().where(Barrier.issue == issue_id) == 1
