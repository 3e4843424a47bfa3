"""The staff stoplight report ("you said, we did") and the home panels."""

from datetime import timedelta

from rounds.core import clock
from rounds.core.clock import local_today


async def test_stoplight_report_groups_by_light_without_names(client, world, login, new_issue):
    await new_issue(
        "Call bells not reaching the desk",
        status="closed",
        outcome="New call-bell receivers fitted",
        owner=world.people["member"],
        status_changed_at=clock.now(),
    )
    await new_issue("Not enough IV poles", status="in_progress", action_plan="Ordering 10 more")
    await new_issue(
        "Hallway lights too dim",
        status="cannot_do",
        cannot_do_reason="Lighting replaced hospital-wide next year",
        status_changed_at=clock.now(),
    )
    await new_issue("Brand new concern")  # not started: not on the poster
    await new_issue(
        "Fixed long ago", status="closed", status_changed_at=clock.now() - timedelta(days=200)
    )
    await login(client, "champion")
    r = await client.get(f"/units/{world.unit_a}/stoplight")
    assert r.status_code == 200
    html = r.text
    for text in (
        "you said, we did",
        "New call-bell receivers fitted",
        "Ordering 10 more",
        "Lighting replaced hospital-wide",
        "Done",
        "In progress",
        "Can&#39;t do",
    ):
        assert text in html, text
    assert "Brand new concern" not in html and "Fixed long ago" not in html
    assert "Max Member" not in html  # no staff names on the poster
    assert "Fixed long ago" in (await client.get(f"/units/{world.unit_a}/stoplight?days=365")).text
    md = await client.get(f"/units/{world.unit_a}/stoplight.md")
    assert md.headers["content-type"].startswith("text/markdown")
    assert (
        "# Unit A ICU – you said, we did" in md.text
        and "**We did:** New call-bell receivers fitted" in md.text
    )
    assert (await client.get(f"/units/{world.unit_a}/stoplight?format=md")).text == md.text
    await login(client, "outsider")
    assert (await client.get(f"/units/{world.unit_a}/stoplight")).status_code == 404


async def test_team_panel_shows_feedback_due_and_overdue_fixes(client, world, login, new_issue):
    today = local_today()
    await new_issue("Feedback is late", feedback_due_on=today - timedelta(days=2))
    await new_issue("Feedback soon", feedback_due_on=today + timedelta(days=3))
    await new_issue("Feedback far away", feedback_due_on=today + timedelta(days=30))
    await new_issue(
        "Fix is late",
        status="in_progress",
        due_on=today - timedelta(days=4),
        feedback_due_on=today + timedelta(days=30),
    )
    await new_issue("Other unit late", unit=world.unit_b, feedback_due_on=today - timedelta(days=2))
    await login(client, "champion")
    html = (await client.get("/")).text
    assert (
        "Feedback is late" in html
        and "Feedback soon" in html
        and "Fix is late" in html
        and "4 days overdue" in html
    )
    assert "Feedback far away" not in html and "Other unit late" not in html


async def test_executive_panel_you_said_we_did(client, world, login, new_issue, query_counter):
    await new_issue(
        "Changed this week", status="resolved", status_changed_at=clock.now() - timedelta(days=2)
    )
    await new_issue(
        "Changed long ago", status="resolved", status_changed_at=clock.now() - timedelta(days=40)
    )
    await login(client, "executive")
    with query_counter() as counted:
        html = (await client.get("/")).text
    assert (
        "Since I last looked" in html
        and "Changed this week" in html
        and "Changed long ago" not in html
    )
    assert counted.n < 30


async def test_admin_categories_add_rename_reorder_deactivate(client, world, login):
    from rounds.issues.tables import Category
    from tests.conftest import post_form
    from tests.issues.conftest import field_error

    await login(client, "champion")
    assert (await client.get("/admin/categories")).status_code == 403
    await login(client, "admin")
    assert "Safety issue categories" in (await client.get("/admin/categories")).text
    assert (
        await post_form(client, "/admin/categories", {"name": "  Falls   prevention "})
    ).status_code == 303
    new = await Category.select().where(Category.name == "Falls prevention").first()
    r = await post_form(client, "/admin/categories", {"name": "medication"})
    assert (
        r.status_code == 200
        and field_error(r.text, "name") == "There is already a category with this name."
    )
    assert (
        await post_form(
            client, f"/admin/categories/{new['id']}", {"action": "rename", "name": "Falls"}
        )
    ).status_code == 303
    assert (
        await post_form(client, f"/admin/categories/{new['id']}", {"action": "up"})
    ).status_code == 303
    names = [c["name"] for c in await Category.select().order_by(Category.position)]
    assert names[-2:] == ["Falls", "Other"]
    assert (
        await post_form(client, f"/admin/categories/{new['id']}", {"action": "deactivate"})
    ).status_code == 303
    await login(client, "champion")
    page = (await client.get(f"/units/{world.unit_a}/issues/new")).text
    assert ">Falls<" not in page and ">Medication<" in page
