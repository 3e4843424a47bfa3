"""Quick capture: only the description is needed, one tap saves, double taps do not duplicate."""

from rounds.issues import service
from rounds.issues.tables import SafetyIssue
from tests.conftest import post_form
from tests.issues.conftest import field_error as form_error


async def test_capture_needs_only_a_description(client, world, login):
    await login(client, "member")
    page = await client.get(f"/units/{world.unit_a}/issues/new")
    assert page.status_code == 200 and 'name="idempotency_key"' in page.text
    r = await post_form(
        client,
        f"/units/{world.unit_a}/issues/new",
        {"description": "Suction regulators missing in rooms 3 and 5"},
    )
    assert r.status_code == 303 and "/issues/new?added=" in r.headers["location"]
    issue = await SafetyIssue.select().first()
    assert (
        issue["status"] == "new"
        and issue["unit"] == world.unit_a
        and issue["source"] == "safety_round"
    )
    assert (
        issue["feedback_due_on"] is not None
        and (issue["feedback_due_on"] - issue["identified_on"]).days == 14
    )
    follow = await client.get(r.headers["location"])
    assert "Suction regulators missing" in follow.text and "Added to the log" in follow.text


async def test_same_key_twice_makes_one_issue(client, world, login):
    await login(client, "champion")
    data = {"description": "Glucometer docking station broken", "idempotency_key": "tap-123"}
    first = await post_form(client, f"/units/{world.unit_a}/issues/new", data)
    second = await post_form(client, f"/units/{world.unit_a}/issues/new", data)
    assert first.status_code == second.status_code == 303
    assert await SafetyIssue.count() == 1


async def test_service_idempotency_returns_the_first_issue(world, as_person):
    viewer = await as_person("champion")
    a = await service.capture(viewer, world.unit_a, description="Pump alarm", idempotency_key="k-1")
    b = await service.capture(viewer, world.unit_a, description="Pump alarm", idempotency_key="k-1")
    assert a.created and not b.created and a.id == b.id


async def test_bad_input_is_shown_next_to_the_field_with_text_kept(client, world, login):
    await login(client, "champion")
    r = await post_form(
        client,
        f"/units/{world.unit_a}/issues/new",
        {"description": "Mr Jones in bed 4 fell", "raised_by": "RN, nights"},
    )
    assert r.status_code == 200
    assert "Remove patient identifiers" in form_error(r.text, "description")
    assert "Mr Jones in bed 4 fell" in r.text and 'value="RN, nights"' in r.text
    assert await SafetyIssue.count() == 0
    r = await post_form(client, f"/units/{world.unit_a}/issues/new", {"description": "   "})
    assert form_error(r.text, "description") == "Describe the concern in the staff's words."


async def test_htmx_capture_returns_a_fresh_form_and_the_growing_list(client, world, login):
    await login(client, "champion")
    keys = set()
    for n, text in enumerate(
        [
            "Linen cart blocks the exit",
            "No step stool in room 8",
            "Hand gel empty at the nurses station",
        ],
        1,
    ):
        r = await post_form(
            client,
            f"/units/{world.unit_a}/issues/new",
            {"description": text, "idempotency_key": f"k{n}"},
            htmx=True,
        )
        assert r.status_code == 200 and "<html" not in r.text
        assert f"Added today ({n})" in r.text and text in r.text
        assert '<textarea id="description" name="description" rows="4" required autofocus' in r.text
        keys.add(r.text.split('name="idempotency_key" value="')[1].split('"')[0])
    assert len(keys) == 3  # a new key with every fresh form


async def test_people_outside_the_unit_and_leaders_cannot_capture(client, world, login):
    await login(client, "outsider")
    assert (await client.get(f"/units/{world.unit_a}/issues/new")).status_code == 404
    r = await post_form(client, f"/units/{world.unit_a}/issues/new", {"description": "x"})
    assert r.status_code == 404
    await login(client, "leader")
    assert (await client.get(f"/units/{world.unit_a}/issues/new")).status_code == 403
    assert await SafetyIssue.count() == 0


async def test_unknown_category_is_a_field_message_not_an_error_page(client, world, login):
    from tests.conftest import form_error, post_form

    await login(client, "champion")
    response = await post_form(
        client,
        f"/units/{world.unit_a}/issues/new",
        {"description": "Suction regulator missing", "category": "999999"},
    )
    assert response.status_code == 200
    assert form_error(response.text, "category") == "Choose a category from the list."
    assert "Suction regulator missing" in response.text
