"""Issue #11 case 3: edits merge instead of overwrite. Two people edit one issue from forms
opened at the same version; each save writes only what that person changed."""

from html import unescape

from rounds.issues.tables import Category, SafetyIssue
from tests.conftest import post_form
from tests.rounding.helpers import make_issue
from tests.trust.forms import form_fields


async def _open(client, issue_id):
    page = await client.get(f"/issues/{issue_id}")
    assert page.status_code == 200
    return form_fields(page.text, f"/issues/{issue_id}/edit")


async def _issue(issue_id):
    return await SafetyIssue.select().where(SafetyIssue.id == issue_id).first()


async def test_two_sessions_and_a_double_save_keep_both_peoples_changes(
    client, make_client, world, login
):
    issue_id = await make_issue(world, "Suction regulators missing in two rooms")
    category = (await Category.select().first())["id"]
    async with make_client() as other:
        await login(client, "champion")  # A
        await login(other, "executive")  # B
        a_form = await _open(client, issue_id)
        b_form = await _open(other, issue_id)
        # A rates the risk and sets the category
        a = {**a_form, "category": str(category), "harm": "severe", "likelihood": "likely"}
        a["ease"] = "easy"
        assert (await post_form(client, f"/issues/{issue_id}/edit", a)).status_code == 303
        # B, from the form opened before A saved, writes the action plan and saves twice
        b = {**b_form, "action_plan": "Order regulators for every room"}
        for _ in range(2):
            saved = await post_form(other, f"/issues/{issue_id}/edit", b)
            assert saved.status_code == 303, unescape(saved.text)[:2000]
    row = await _issue(issue_id)
    assert row["category"] == category
    assert (row["harm"], row["likelihood"], row["ease"]) == ("severe", "likely", "easy")
    assert row["action_plan"] == "Order regulators for every room"
    assert row["priority"] == 3  # still in the priority and easy-win lists


async def test_a_field_both_changed_shows_both_values_and_the_person_chooses(
    client, make_client, world, login
):
    issue_id = await make_issue(world, "Bed alarms do not reset after turning")
    async with make_client() as other:
        await login(client, "champion")
        await login(other, "executive")
        a_form = await _open(client, issue_id)
        b_form = await _open(other, issue_id)
        a = {**a_form, "owner": str(world.people["member"]), "raised_by": "RN, days"}
        assert (await post_form(client, f"/issues/{issue_id}/edit", a)).status_code == 303
        b = {**b_form, "owner": str(world.people["champion"]), "success_measure": "No alarms"}
        shown = await post_form(other, f"/issues/{issue_id}/edit", b)
        html = unescape(shown.text)
        assert shown.status_code == 200 and "both changed" in html
        assert "Max Member" in html and "Chris Champion" in html  # both values, in words
        assert (await _issue(issue_id))["owner"] == world.people["member"]  # nothing written yet
        again = form_fields(shown.text, f"/issues/{issue_id}/edit")
        # A's other change is in the form now; B's own change is kept on top
        assert again["raised_by"] == "RN, days" and again["success_measure"] == "No alarms"
        # pressing Save again without choosing changes nothing and asks again
        unchosen = await post_form(other, f"/issues/{issue_id}/edit", again)
        assert unchosen.status_code == 200 and "choose which value" in unescape(unchosen.text)
        assert (await _issue(issue_id))["owner"] == world.people["member"]
        # B keeps A's owner: B's success measure is saved, A's owner and role stay
        chosen = await post_form(
            other, f"/issues/{issue_id}/edit", {**again, "keep_owner": "theirs"}
        )
        assert chosen.status_code == 303
    row = await _issue(issue_id)
    assert row["owner"] == world.people["member"] and row["raised_by"] == "RN, days"
    assert row["success_measure"] == "No alarms"


async def test_choosing_mine_writes_mine(client, make_client, world, login):
    issue_id = await make_issue(world, "Bed alarms do not reset after turning")
    async with make_client() as other:
        await login(client, "champion")
        await login(other, "executive")
        a_form, b_form = await _open(client, issue_id), await _open(other, issue_id)
        await post_form(client, f"/issues/{issue_id}/edit", {**a_form, "harm": "mild"})
        shown = await post_form(other, f"/issues/{issue_id}/edit", {**b_form, "harm": "death"})
        again = form_fields(shown.text, f"/issues/{issue_id}/edit")
        assert again["harm"] == "death"
        done = await post_form(other, f"/issues/{issue_id}/edit", {**again, "keep_harm": "mine"})
        assert done.status_code == 303
    assert (await _issue(issue_id))["harm"] == "death"


async def test_status_change_from_an_older_page_survives_other_edits(
    client, make_client, world, login
):
    issue_id = await make_issue(world, "Bed alarms do not reset after turning", status="planned")
    async with make_client() as other:
        await login(client, "champion")
        await login(other, "executive")
        page_b = (await other.get(f"/issues/{issue_id}")).text
        a_form = await _open(client, issue_id)
        await post_form(client, f"/issues/{issue_id}/edit", {**a_form, "harm": "mild"})
        status = form_fields(page_b, f"/issues/{issue_id}/status")
        moved = await post_form(
            other, f"/issues/{issue_id}/status", {**status, "status": "in_progress"}
        )
        assert moved.status_code == 303  # a different field changed: no conflict
        # a status changed by someone else since the page was opened is a real conflict
        again = await post_form(other, f"/issues/{issue_id}/status", {**status, "status": "new"})
        assert again.status_code == 200 and "changed this issue" in unescape(again.text)
    row = await _issue(issue_id)
    assert row["status"] == "in_progress" and row["harm"] == "mild"


async def test_a_tampered_owner_or_category_in_the_merge_choice_is_a_message_not_a_500(
    client, world, login
):
    """The choice names the owner and category from the posted ids: '²' passes str.isdigit
    but not int() - the person is asked to choose again, nothing is saved, no 500."""
    issue_id = await make_issue(world, "Suction regulators missing in two rooms")
    await login(client, "champion")
    fields = await _open(client, issue_id)
    for name in ("owner", "category"):
        for value in ("²", "9" * 5000):
            r = await post_form(
                client,
                f"/issues/{issue_id}/edit",
                {**fields, "conflict_fields": name, name: value, f"base_{name}": value},
            )
            assert r.status_code == 200, (name, value[:5], r.status_code)
            assert "choose which value to keep" in unescape(r.text)
    assert (await _issue(issue_id))["version"] == 1
