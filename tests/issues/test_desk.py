"""The log at a desk: column sorting from the URL, easy wins that are still to do, and "Add a
safety issue" offered to exactly the people who can add."""

import re
from datetime import timedelta

from rounds.core.clock import local_today
from rounds.issues import log


async def test_column_sorts_order_both_ways_with_empty_values_last(as_person, new_issue, world):
    from rounds.core.tables import Person

    today = local_today()
    people = {
        p["id"]: p["display_name"] for p in await Person.select(Person.id, Person.display_name)
    }
    member = world.people["member"]
    champion_id = world.people["champion"]
    late = await new_issue("Zebra late", due_on=today + timedelta(days=9), owner=member)
    early = await new_issue("alpha early", due_on=today - timedelta(days=2), owner=champion_id)
    undated = await new_issue("Middle undated")
    champion = await as_person("champion")

    async def ids(sort):
        page = await log.tracking_log(champion, log.LogFilters.from_query({"sort": sort}))
        return [i.id for i in page.issues]

    assert await ids("description") == [early, undated, late]  # case is ignored
    assert await ids("description-rev") == [late, undated, early]
    assert (await ids("due-rev"))[:2] == [late, early] and (await ids("due-rev"))[-1] == undated
    by_owner = await ids("owner")
    names = sorted([people[member], people[champion_id]], key=str.lower)
    expected = [early, late] if names[0] == people[champion_id] else [late, early]
    assert by_owner == [*expected, undated]  # no owner last
    assert (await ids("owner-rev"))[-1] == undated


async def test_headings_flip_and_say_their_state():
    f = log.LogFilters.from_query({"sort": "owner", "status": "open"})
    headings = {label: (qs, state) for _, label, qs, state in f.column_headings()}
    assert headings["Owner"] == ("status=open&sort=owner-rev", "ascending")
    assert headings["Unit"] == ("status=open&sort=unit", None)
    # the default order is "priority, high first"
    default = {label: state for _, label, _, state in log.LogFilters().column_headings()}
    assert default["Priority"] == "descending" and default["Owner"] is None
    assert log.LogFilters.from_query({"sort": "owner-rev"}).sort_label == "Owner, descending"
    assert log.LogFilters.from_query({"sort": "drop table"}).sort == "priority"


async def test_table_headings_in_the_page_carry_aria_sort(client, login, new_issue):
    await new_issue("Bed alarm volume too low")
    await login(client, "champion")
    html = (await client.get("/issues?sort=due-rev")).text
    assert re.search(r'<th scope="col" aria-sort="descending"><a [^>]*>Fix due', html)
    assert html.count("aria-sort=") == 1
    assert 'class="log-table"' in html and "log-cards" in html
    assert "Bed alarm volume too low</a>" in html  # the table row links the description


async def test_easy_wins_are_still_to_do(client, login, new_issue):
    await new_issue("Open easy win", status="planned", priority=3, ease="easy")
    for status in ("closed", "resolved", "cannot_do"):
        await new_issue(f"Done easy {status}", status=status, priority=3, ease="easy")
    await login(client, "champion")
    html = (await client.get("/issues?easy=1")).text
    assert "Open easy win" in html and "Done easy" not in html
    # and a closed one is not badged as an easy win on its own page
    closed = await new_issue("Closed badge check", status="closed", priority=3, ease="easy")
    page = (await client.get(f"/issues/{closed}")).text
    assert "Easy win" not in page


async def test_add_a_safety_issue_is_offered_to_who_can_add(client, login, world):
    from rounds.core.tables import Membership

    await login(client, "champion")
    for path in ("/", "/issues"):
        html = (await client.get(path)).text
        assert f'href="/units/{world.unit_a}/issues/new"' in html, path
    # someone on two units chooses the unit first
    await Membership.insert(
        Membership(person=world.people["champion"], unit=world.unit_b, unit_role="member")
    )
    await login(client, "champion")
    for path in ("/", "/issues"):
        html = (await client.get(path)).text
        assert 'action="/issues/new"' in html and "Add a safety issue" in html, path
    r = await client.get(f"/issues/new?unit={world.unit_b}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/units/{world.unit_b}/issues/new"
    picker = await client.get("/issues/new?unit=999999")  # not theirs: choose again
    assert picker.status_code == 200 and 'name="unit"' in picker.text


async def test_leader_is_never_offered_add(client, login, world):
    await login(client, "leader")
    for path in ("/", "/issues", f"/issues?unit={world.unit_a}", f"/units/{world.unit_a}"):
        html = (await client.get(path)).text
        assert "Add a safety issue" not in html, path
    assert (await client.get("/issues/new")).status_code == 403
