"""The issue page: edit in place with a version check, status rules, updates, history."""

from datetime import date, timedelta

from rounds.core.clock import local_today
from rounds.issues.tables import IssueUpdate, SafetyIssue
from tests.conftest import post_form
from tests.issues.conftest import field_error as form_error


def edit_data(issue: dict, **change) -> dict:
    base = {
        "version": issue["version"],
        "identified_on": issue["identified_on"].isoformat(),
        "source": issue["source"],
        "description": issue["description"],
        "raised_by": issue["raised_by"],
        "category": issue["category"] or "",
        "harm": issue["harm"],
        "likelihood": issue["likelihood"],
        "ease": issue["ease"],
        "priority_override": issue["priority_override"],
        "priority_reason": issue["priority_reason"],
        "action_plan": issue["action_plan"],
        "owner": issue["owner"] or "",
        "due_on": (issue["due_on"] or "") and issue["due_on"].isoformat(),
        "success_measure": issue["success_measure"],
        "feedback_due_on": (issue["feedback_due_on"] or "")
        and issue["feedback_due_on"].isoformat(),
        "feedback_given_on": (issue["feedback_given_on"] or "")
        and issue["feedback_given_on"].isoformat(),
        "feedback_how": issue["feedback_how"],
        "feedback_said": issue["feedback_said"],
        "outcome": issue["outcome"],
    }
    base.update(change)
    return {k: ("" if v is None else v) for k, v in base.items()}


async def row(issue_id):
    return await SafetyIssue.select().where(SafetyIssue.id == issue_id).first()


async def test_page_shows_the_story(client, world, login, new_issue):
    issue_id = await new_issue("Bladder scanner always missing on nights", raised_by="RN, nights")
    await login(client, "member")
    r = await client.get(f"/issues/{issue_id}")
    assert r.status_code == 200
    for text in (
        "Bladder scanner always missing",
        "Not started",
        "History",
        "Barriers",
        "added this issue",
    ):
        assert text in r.text, text


async def test_edit_saves_derives_priority_and_plans(client, world, login, new_issue):
    issue_id = await new_issue()
    await login(client, "champion")
    issue = await row(issue_id)
    due = (local_today() + timedelta(days=10)).isoformat()
    r = await post_form(
        client,
        f"/issues/{issue_id}/edit",
        edit_data(
            issue,
            harm="severe",
            likelihood="likely",
            ease="easy",
            owner=world.people["member"],
            due_on=due,
            action_plan="Order 4 regulators",
        ),
    )
    assert r.status_code == 303, r.text[:500]
    saved = await row(issue_id)
    assert (
        saved["priority"] == 3
        and saved["owner"] == world.people["member"]
        and saved["status"] == "planned"
    )
    assert saved["version"] == 2
    page = (await client.get(f"/issues/{issue_id}")).text
    assert "Order 4 regulators" in page and "Max Member" in page and "Easy win" in page
    assert "<strong>Owner</strong>: – → Max Member" in page  # history shows names, not ids


async def test_stale_save_is_refused_showing_what_changed(
    client, make_client, world, login, new_issue
):
    issue_id = await new_issue()
    opened = await row(issue_id)
    await login(client, "champion")
    async with make_client() as other:
        await login(other, "executive")
        r = await post_form(
            other,
            f"/issues/{issue_id}/edit",
            edit_data(opened, action_plan="Exec's plan: new regulators"),
        )
        assert r.status_code == 303
    r = await post_form(
        client, f"/issues/{issue_id}/edit", edit_data(opened, action_plan="Champion's plan")
    )
    assert r.status_code == 200
    assert "Someone else changed this issue" in r.text
    assert "Exec&#39;s plan: new regulators" in r.text and "exec@test.org" in r.text
    assert "Champion&#39;s plan" in r.text  # what this person typed is kept
    saved = await row(issue_id)
    assert saved["action_plan"] == "Exec's plan: new regulators" and saved["version"] == 2


async def test_field_rules(client, world, login, new_issue):
    issue_id = await new_issue()
    await login(client, "champion")
    issue = await row(issue_id)
    r = await post_form(
        client,
        f"/issues/{issue_id}/edit",
        edit_data(
            issue,
            priority_override="high",
            owner=world.people["outsider"],
            feedback_given_on=(local_today() + timedelta(days=2)).isoformat(),
            outcome="Told Mrs Jones",
            identified_on="not a date",
        ),
    )
    assert r.status_code == 200
    assert form_error(r.text, "identified_on") == "Enter a date like 2026-03-14."
    r = await post_form(
        client,
        f"/issues/{issue_id}/edit",
        edit_data(
            issue,
            priority_override="high",
            owner=world.people["outsider"],
            feedback_given_on=(local_today() + timedelta(days=2)).isoformat(),
            outcome="Told Mrs Jones",
        ),
    )
    assert "Say why the team set this priority" in form_error(r.text, "priority_reason")
    assert form_error(r.text, "owner") == "Choose an owner from this unit's team."
    assert "future" in form_error(r.text, "feedback_given_on")
    assert "Remove patient identifiers" in form_error(r.text, "outcome")
    assert (await row(issue_id))["version"] == 1


async def test_status_rules_close_needs_feedback_cannot_do_needs_reason(
    client, world, login, new_issue
):
    issue_id = await new_issue(status="resolved")
    await login(client, "champion")
    r = await post_form(client, f"/issues/{issue_id}/status", {"version": 1, "status": "closed"})
    assert r.status_code == 200 and "Record when and how staff were told" in r.text
    issue = await row(issue_id)
    r = await post_form(
        client,
        f"/issues/{issue_id}/edit",
        edit_data(
            issue,
            feedback_given_on=local_today().isoformat(),
            feedback_how="huddle",
            feedback_said="New regulators are in every room",
        ),
    )
    assert r.status_code == 303
    r = await post_form(client, f"/issues/{issue_id}/status", {"version": 2, "status": "closed"})
    assert r.status_code == 303
    saved = await row(issue_id)
    assert saved["status"] == "closed" and saved["closed_on"] == local_today()

    other = await new_issue("Hallway too dark at night", status="planned")
    r = await post_form(
        client, f"/issues/{other}/status", {"version": 1, "status": "cannot_do", "reason": ""}
    )
    assert "Say why this cannot be done" in form_error(r.text, "reason")
    r = await post_form(
        client,
        f"/issues/{other}/status",
        {
            "version": 1,
            "status": "cannot_do",
            "reason": "Lighting is replaced hospital-wide in 2027",
        },
    )
    assert r.status_code == 303
    assert (await row(other))["cannot_do_reason"] == "Lighting is replaced hospital-wide in 2027"
    r = await post_form(client, f"/issues/{other}/status", {"version": 1, "status": "in_progress"})
    assert (
        r.status_code == 200 and "Someone else changed this issue" in r.text
    )  # stale status change refused


async def test_members_edit_only_what_they_own_and_leaders_nothing(client, world, login, new_issue):
    issue_id = await new_issue()
    await login(client, "member")
    issue = await row(issue_id)
    r = await post_form(client, f"/issues/{issue_id}/edit", edit_data(issue, action_plan="x"))
    assert r.status_code == 403
    page = (await client.get(f"/issues/{issue_id}")).text
    assert "Edit details" not in page and "Add an update" in page
    await SafetyIssue.update({SafetyIssue.owner: world.people["member"]}).where(
        SafetyIssue.id == issue_id
    )
    issue = await row(issue_id)
    r = await post_form(
        client, f"/issues/{issue_id}/edit", edit_data(issue, action_plan="I will order them")
    )
    assert r.status_code == 303
    await login(client, "leader")
    page = (await client.get(f"/issues/{issue_id}")).text
    assert "Edit details" not in page and "Add an update" not in page
    assert (
        await post_form(
            client, f"/issues/{issue_id}/status", {"version": 2, "status": "in_progress"}
        )
    ).status_code == 403


async def test_updates_are_added_and_screened(client, world, login, new_issue):
    issue_id = await new_issue()
    await login(client, "member")
    r = await post_form(
        client, f"/issues/{issue_id}/updates", {"body": "Called biomed, parts ordered"}
    )
    assert r.status_code == 303
    r = await post_form(
        client, f"/issues/{issue_id}/updates", {"body": "DOB 01/02/1950 patient affected"}
    )
    assert r.status_code == 200 and "Remove patient identifiers" in form_error(r.text, "body")
    assert await IssueUpdate.count() == 1
    assert "Called biomed, parts ordered" in (await client.get(f"/issues/{issue_id}")).text


async def test_other_units_issue_is_404(client, world, login, new_issue):
    issue_id = await new_issue(unit=world.unit_b)
    await login(client, "champion")
    assert (await client.get(f"/issues/{issue_id}")).status_code == 404
    assert (
        await post_form(client, f"/issues/{issue_id}/status", {"version": 1, "status": "planned"})
    ).status_code == 404


_ = date
