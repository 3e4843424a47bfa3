"""Daily reminder digests: content, one per person per day, real SMTP delivery (aiosmtpd), and
a failed send kept and retried."""

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from rounds.barriers import reminders
from rounds.barriers.tables import ReminderDigest
from rounds.core.clock import local_today
from rounds.core.tables import Membership
from tests.barriers.helpers import make_barrier, make_issue


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


async def _due_things(world, fake_clock):
    """An overdue barrier and an overdue issue owned by the executive; feedback due on unit A."""
    today = local_today()
    await make_barrier(world, description="Vendor contract for bed alarms", follow_up=today)
    await make_barrier(
        world, description="Not due for a while", follow_up=today + timedelta(days=20)
    )
    await make_issue(
        world.unit_a,
        "Oxygen cylinders stored in the corridor",
        owner=world.people["executive"],
        due_on=today - timedelta(days=2),
    )
    await make_issue(
        world.unit_a,
        "Hand gel dispensers empty at night",
        feedback_due_on=today - timedelta(days=1),
    )
    await make_issue(
        world.unit_a,
        "Feedback already given",
        feedback_due_on=today - timedelta(days=1),
        feedback_given_on=today,
    )
    fake_clock.advance(days=8)  # the barrier is now 8 days late: escalation due


async def test_digest_content(world, engine, fake_clock):
    await _due_things(world, fake_clock)
    today = local_today()
    digest = await reminders.digest_for(world.people["executive"], today)
    assert [b["description"] for b in digest.barriers] == ["Vendor contract for bed alarms"]
    assert [i["description"] for i in digest.issues] == ["Oxygen cylinders stored in the corridor"]
    assert digest.feedback == []  # the executive does not champion the unit
    text = digest.text("Eve Executive", "https://rounds.example.org")
    assert "Good morning Eve" in text
    assert "[Escalation due – suggest C-suite] Vendor contract for bed alarms" in text
    assert "https://rounds.example.org/barriers/" in text and "8 days overdue" in text
    champion = await reminders.digest_for(world.people["champion"], today)
    assert [i["description"] for i in champion.feedback] == ["Hand gel dispensers empty at night"]
    member = await reminders.digest_for(world.people["member"], today)
    assert member.empty


async def test_reminders_page_shows_todays_digest(client, world, login, fake_clock):
    await _due_things(world, fake_clock)
    await login(client, "executive")
    html = (await client.get("/reminders")).text
    assert (
        "Vendor contract for bed alarms" in html
        and "Oxygen cylinders stored in the corridor" in html
    )
    assert "Escalation due – suggest C-suite" in html


async def test_sent_once_even_when_run_twice(world, engine, settings, fake_clock, smtp_server):
    controller, handler = smtp_server
    await _due_things(world, fake_clock)
    smtp = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": controller.port,
            "mail_from": "rounds@test.org",
        }
    )
    first = await reminders.run(smtp)
    assert (
        first.created == 3 and first.sent == 3 and first.failed == 0
    )  # executive, champion, admin (audit checkpoint)
    second = await reminders.run(smtp)
    assert second.created == 0 and second.already == 3 and second.sent == 0
    assert len(handler.messages) == 3
    recipients = sorted(r[0] for r, _ in handler.messages)
    assert recipients == ["admin@test.org", "champ@test.org", "exec@test.org"]
    body = next(content for r, content in handler.messages if r == ["exec@test.org"])
    assert "Vendor contract for bed alarms" in body and "Subject: 2 overdue - Rounds" in body
    rows = await ReminderDigest.select()
    assert len(rows) == 3 and all(r["sent_at"] is not None and r["attempts"] == 1 for r in rows)


async def test_smtp_failure_is_recorded_and_retried(
    world, engine, settings, fake_clock, smtp_server
):
    controller, handler = smtp_server
    await _due_things(world, fake_clock)
    await Membership.delete().where(
        Membership.unit_role == "champion"
    )  # only the executive's digest
    down = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": _free_port()}
    )  # nothing listens there
    failed = await reminders.run(down)
    assert failed.created == 2 and failed.failed == 2 and failed.sent == 0  # + the admin
    row = await ReminderDigest.select().first()
    assert row["sent_at"] is None and row["attempts"] == 1 and "Connection" in row["last_error"]
    up = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": controller.port})
    retried = await reminders.run(up)
    assert retried.created == 0 and retried.sent == 2
    assert len(handler.messages) == 2
    row = await ReminderDigest.select().first()
    assert row["sent_at"] is not None and row["attempts"] == 2 and row["last_error"] == ""


async def test_a_send_in_progress_is_not_sent_again(
    world, engine, settings, fake_clock, smtp_server
):
    controller, handler = smtp_server
    await _due_things(world, fake_clock)
    await reminders.create_digests(local_today(), "http://x")
    from rounds.core import clock

    # another run claimed every digest a minute ago and is still sending
    await ReminderDigest.update(
        {
            ReminderDigest.attempts: 1,
            ReminderDigest.last_attempt_at: clock.now() - timedelta(minutes=1),
        },
        force=True,
    )
    smtp = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": controller.port})
    result = await reminders.run(smtp)
    assert result.sent == 0 and handler.messages == []


async def test_without_smtp_digests_stay_in_the_app(world, engine, settings, fake_clock):
    await _due_things(world, fake_clock)
    result = await reminders.run(settings)
    assert result.created == 3 and not result.smtp
    assert "not configured" in result.summary()
    assert await ReminderDigest.count().where(ReminderDigest.sent_at.is_null()) == 3


async def test_a_dead_server_stops_the_run_early(world, engine, settings, fake_clock):
    for who in ("admin", "executive", "champion", "member"):
        await make_barrier(
            world,
            description=f"Owned by {who}",
            owner_id=world.people[who],
            follow_up=local_today(),
        )
    down = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": _free_port()})
    result = await reminders.run(down)
    assert result.created == 4 and result.failed == 3  # the fourth waits for the next run
    attempts = sorted(r["attempts"] for r in await ReminderDigest.select(ReminderDigest.attempts))
    assert attempts == [0, 1, 1, 1]


async def test_subject_summary_groups_and_both_parts(
    world, engine, settings, fake_clock, smtp_server
):
    """The subject says what is due, three summary lines come first, then what to do, in
    plain text and HTML parts of one multipart/alternative e-mail."""
    import email
    from email import policy

    controller, handler = smtp_server
    await _due_things(world, fake_clock)
    today = local_today()
    executive = world.people["executive"]
    await make_issue(world.unit_a, "Call bell cords too short", owner=executive, due_on=today)
    await make_issue(
        world.unit_a,
        "Label the crash cart drawers",
        owner=executive,
        due_on=today + timedelta(days=3),
    )
    await make_issue(
        world.unit_a, "Not this week", owner=executive, due_on=today + timedelta(days=9)
    )
    digest = await reminders.digest_for(executive, today)
    assert digest.subject == "2 overdue, 2 due this week - Rounds"
    text = digest.text("Eve Executive", "https://rounds.example.org")
    lines = text.splitlines()
    assert lines[0] == "2 overdue, 2 due this week, 1 barrier due for escalation."
    assert lines[1].startswith(
        "Most urgent: “Oxygen cylinders stored in the corridor”, 10 days overdue"
    )
    assert lines[2].startswith("To do: decide on escalation; move your safety issues on; coming up")
    groups = [line for line in lines if line and line[0].isupper() and line.endswith(")")]
    assert groups == [
        "Decide on escalation (1)",
        "Move your safety issues on (2)",
        "Coming up later this week (1)",
    ]
    assert "Not this week" not in text and "Label the crash cart drawers" in text

    smtp = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": controller.port,
            "mail_from": "rounds@test.org",
        }
    )
    await reminders.run(smtp)
    raw = next(content for r, content in handler.messages if r == ["exec@test.org"])
    message = email.message_from_string(raw, policy=policy.default)
    assert message["Subject"] == "2 overdue, 2 due this week - Rounds"
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert plain.startswith("2 overdue, 2 due this week")
    assert "<strong>2 overdue, 2 due this week, 1 barrier due for escalation.</strong>" in html
    assert 'href="' in html and "/issues/" in html and "Call bell cords too short" in html
    # the champion's subject counts feedback due; and who needs a new owner
    champion = await reminders.digest_for(world.people["champion"], today)
    assert champion.subject == f"1 overdue, {len(champion.needs_owner)} need a new owner - Rounds"
