"""The pre-round briefing for a seeded unit: promised items, overdue, easy wins, days since;
the champion's editor (version check, mark ready); freezing the briefing as shown."""

from datetime import timedelta

from rounds.core import clock
from rounds.core.clock import local_today
from rounds.rounding.tables import Briefing, LastEvent, SafetyRound, UnitMeasure
from tests.conftest import form_error, post_form
from tests.rounding.helpers import make_barrier, make_issue, make_round


async def seed_unit(world):
    today = local_today()
    previous = await make_round(world, days=-28, status="completed")
    done = await make_issue(
        world, "Suction unit missing on nights", status="closed", round_id=previous, priority=2
    )
    doing = await make_issue(
        world,
        "Bed alarm does not reset",
        status="in_progress",
        round_id=previous,
        priority=3,
        due_on=today - timedelta(days=3),
        owner="member",
    )
    cant = await make_issue(
        world, "Second glucometer dock", status="cannot_do", round_id=previous, priority=1
    )
    await make_barrier(
        world, doing, "Capital request for new bed alarms", follow_up=today - timedelta(days=2)
    )
    await make_barrier(world, doing, "Removed already", follow_up=today, status="removed")
    await make_barrier(world, doing, "Champion's own barrier", owner="champion", follow_up=today)
    await make_issue(world, "Pump alarms are silent at night", status="new", priority=3)
    await make_issue(world, "Transport delays for CT at night", status="planned", priority=3)
    await make_issue(world, "Label the crash cart drawers", status="new", priority=2, ease="easy")
    await make_issue(world, "Hard to fix and low", status="planned", priority=1, ease="easy")
    await make_issue(world, "Another unit's problem", unit=world.unit_b, status="new", priority=3)
    await LastEvent.insert(
        LastEvent(unit=world.unit_a, kind="fall", occurred_on=today - timedelta(days=12)),
        LastEvent(unit=world.unit_a, kind="clabsi", occurred_on=today - timedelta(days=200)),
    )
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    await UnitMeasure.insert(
        UnitMeasure(
            unit=world.unit_a,
            month=month,
            patient_days=800,
            falls=2,
            central_line_days=250,
            clabsi=0,
            entered_at=clock.now(),
            version=1,
        )
    )
    upcoming = await make_round(world, days=1)
    return {"previous": previous, "upcoming": upcoming, "done": done, "doing": doing, "cant": cant}


def _between(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


async def test_briefing_summary_for_a_seeded_unit(client, world, login, query_counter):
    """The first screen: days since harm, what the executive promised with its stoplight, what
    changed since the last round, the top three (easy wins marked), the champion's headline and
    asks; the rest is collapsed and not built. A handful of statements, a small page."""
    ids = await seed_unit(world)
    await Briefing.insert(
        Briefing(
            round=ids["upcoming"],
            going_on="Census high since the pumps changed",
            wins="Night team's catch",
            asks="Approve a second suction unit",
            updated_at=clock.now(),
            version=1,
        )
    )
    await login(client, "executive")
    with query_counter() as counted:
        response = await client.get(f"/rounds/{ids['upcoming']}/briefing")
    assert response.status_code == 200
    html = response.text
    # session, round, briefing row, last events, barriers, last round, its issues, the counts,
    # the top three, staff concerns sent ahead (it was 20 statements with everything expanded)
    assert counted.n <= 10, counted.queries
    assert len(response.content) < 50_000
    # days since, computed from the last-event dates
    assert ">12<" in html and "days since the last </span>fall" in html
    assert ">200<" in html and "days since the last </span>CLABSI" in html
    # what the executive promised: their open barrier (overdue follow-up) with the issue's light
    promised = _between(html, "What you promised", "</section>")
    assert "Capital request for new bed alarms" in promised and "2 days overdue" in promised
    assert "stoplight--yellow" in promised
    assert "Removed already" not in html and "Champion&#39;s own barrier" not in html
    # since the last round: raised, done, can't do, a fall; what was heard then, with its lights
    changed = _between(html, "Since your last round", "</section>")
    assert "<strong>7</strong> raised" in changed
    assert "<strong>1</strong> done" in changed and "<strong>1</strong> found impossible" in changed
    assert "Harm since: fall" in changed and "CLABSI" not in changed
    assert "<strong>5</strong> open," in changed and "1 overdue" in changed
    heard = _between(html, "Heard on that round", "</section>")
    assert "Suction unit missing on nights" in heard and "Bed alarm does not reset" in heard
    for light in ("green", "yellow", "red"):
        assert f"stoplight--{light}" in heard
    # the top three open issues, easy wins marked
    top = _between(html, "Top 3 open issues", "</section>")
    assert "Pump alarms are silent" in top and "Transport delays" in top
    assert "Bed alarm does not reset" in top and "Easy win" not in top
    assert "Another unit&#39;s problem" not in html
    # the champion's headline and asks; the other notes wait in their section
    champion = _between(html, "From ", "</section>")
    assert "Census high since the pumps changed" in champion
    assert "Asks of you:</strong> Approve a second suction unit" in champion
    assert "Night team&#39;s catch" not in html
    assert "Not marked ready yet" in champion
    # the sections are collapsed and load when opened (htmx), with a link without JavaScript
    for name in ("issues", "trends", "notes", "script"):
        url = f"/rounds/{ids['upcoming']}/briefing?open={name}"
        assert f'hx-get="{url}"' in html and f'href="{url}#more-{name}"' in html
    assert "How might the next patient on this unit be harmed?" not in html
    assert "Label the crash cart drawers" not in html  # the easy win below the top three
    assert "Start round" in html


async def test_easy_wins_are_marked_in_the_top_three(client, world, login):
    round_id = await make_round(world, days=1)
    await make_issue(world, "Label the crash cart drawers", status="new", priority=3, ease="easy")
    await make_issue(world, "Replace the ward's bed fleet", status="new", priority=3, ease="hard")
    await login(client, "executive")
    html = (await client.get(f"/rounds/{round_id}/briefing")).text
    top = _between(html, "Top 2 open issues", "</section>")
    crash = _between(top, "Label the crash cart drawers", "</li>")
    fleet = _between(top, "Replace the ward", "</li>")
    assert "Easy win" in crash and "Easy win" not in fleet
    # no earlier round: no "since", the first round is said
    assert "First recorded round on this unit" in html and "Since your last round" not in html


async def test_what_changed_counts_only_since_the_last_round(world):
    """Issues raised or changed before the last round are not "since"; open ones still count."""
    from rounds.issues.tables import SafetyIssue
    from rounds.rounding import briefing, service
    from rounds.rounding.tables import SafetyRound

    ids = await seed_unit(world)
    old = await make_issue(world, "Raised long ago, still open", status="planned")
    done_before = await make_issue(world, "Fixed before the last round", status="resolved")
    long_ago = clock.now() - timedelta(days=60)
    await SafetyIssue.update(
        {SafetyIssue.identified_on: long_ago.date(), SafetyIssue.status_changed_at: long_ago}
    ).where(SafetyIssue.id.is_in([old, done_before]))
    row = await service._round_query().where(SafetyRound.id == ids["upcoming"]).first()
    content = await briefing.summary(row, None)
    assert content["changes"]["raised"] == 7 and content["changes"]["done"] == 1
    assert content["changes"]["cannot"] == 1
    assert [h["label"] for h in content["changes"]["harm"]] == ["fall"]
    assert content["open_count"] == 6 and content["overdue_count"] == 1
    # the whole briefing (kept when the round starts) holds the summary and every section
    whole = await briefing.assemble(row)
    assert content.keys() <= whole.keys()
    assert {
        "overdue_issues",
        "easy_wins",
        "trends",
        "measures",
        "team",
        "script",
        "sent_ahead",
    } <= whole.keys()


async def test_sections_load_on_demand_with_and_without_javascript(
    client, world, login, query_counter
):
    ids = await seed_unit(world)
    await login(client, "executive")
    base = f"/rounds/{ids['upcoming']}/briefing"
    # htmx asks for the section alone when it is opened: just its content, in a few statements
    with query_counter() as counted:
        part = await client.get(base + "?open=issues", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text
    assert "Also overdue" in part.text and "Label the crash cart drawers" in part.text
    easy = _between(part.text, "Easy wins", "</ul>")
    assert "Hard to fix and low" not in easy and "Pump alarms" not in part.text  # in the top three
    assert counted.n <= 6, counted.queries
    # without JavaScript the link opens the page with that section open and filled in
    page = await client.get(base + "?open=issues")
    assert "<html" in page.text and 'id="more-issues" open' in page.text
    assert "Label the crash cart drawers" in page.text and "Top 3 open issues" in page.text
    assert 'id="more-trends" hx-get' in page.text  # the others stay collapsed
    # the trends: each sparkline with its latest value, 12-month range and direction in words
    trends = (await client.get(base + "?open=trends", headers={"HX-Request": "true"})).text
    falls = _between(trends, "Falls per 1,000 patient-days", "</li>")
    assert "Latest: <strong>2.5</strong>" in falls and "12-month range: 2.5 to 2.5" in falls
    assert "Lower is better" in falls and "<svg" in falls
    script = (await client.get(base + "?open=script", headers={"HX-Request": "true"})).text
    assert "How might the next patient on this unit be harmed?" in script
    # everything open at once, to read or print it all
    everything = (await client.get(base + "?open=all")).text
    assert "Label the crash cart drawers" in everything and "Lower is better" in everything
    assert "hx-get" not in everything.split('class="briefing__more"')[1]
    # an unknown section is the plain page
    assert (await client.get(base + "?open=nonsense")).status_code == 200


async def test_champion_prepares_marks_ready_and_version_check(client, world, login, make_client):
    ids = await seed_unit(world)
    url = f"/rounds/{ids['upcoming']}/briefing/edit"
    await login(client, "champion")
    page = await client.get(url)
    assert page.status_code == 200 and "Mark ready" in page.text
    notes = {
        "going_on": "Two new travellers this week",
        "staff_concerns": "Pumps alarm silently",
        "wins": "Night team's catch",
        "asks": "Approve a second suction unit",
        "version": "0",
        "action": "ready",
    }
    response = await post_form(client, url, notes)
    assert response.status_code == 303
    row = await Briefing.select().where(Briefing.round == ids["upcoming"]).first()
    assert (
        row["ready_at"] is not None
        and row["version"] == 1
        and row["asks"] == "Approve a second suction unit"
    )
    assert (
        await SafetyRound.select(SafetyRound.status)
        .where(SafetyRound.id == ids["upcoming"])
        .first()
    )["status"] == "briefed"
    # a stale version is refused and nothing is overwritten; the typed text is mentioned back
    stale = await post_form(
        client, url, {**notes, "going_on": "Stale edit", "version": "0", "action": "save"}
    )
    assert (
        stale.status_code == 200
        and "Someone else saved" in stale.text
        and "Stale edit" in stale.text
    )
    assert (
        await Briefing.select(Briefing.going_on).where(Briefing.round == ids["upcoming"]).first()
    )["going_on"] == "Two new travellers this week"
    # identifiers are refused next to the field, text kept
    bad = await post_form(
        client,
        url,
        {**notes, "staff_concerns": "Mr Smith in bed 4 fell", "version": "1", "action": "save"},
    )
    assert form_error(bad.text, "staff_concerns") and "Mr Smith in bed 4 fell" in bad.text
    # the executive sees it ready on the home page
    async with make_client() as exec_client:
        await login(exec_client, "executive")
        home = (await exec_client.get("/")).text
        assert "Briefing ready" in home and f"/rounds/{ids['upcoming']}/briefing" in home
        briefing = (await exec_client.get(f"/rounds/{ids['upcoming']}/briefing")).text
        assert (
            "Approve a second suction unit" in briefing and "Not marked ready yet" not in briefing
        )
    # members cannot edit
    async with make_client() as member:
        await login(member, "member")
        assert (await member.get(url)).status_code == 403


async def test_start_freezes_the_briefing_as_shown(client, world, login):
    ids = await seed_unit(world)
    await login(client, "champion")
    await post_form(
        client,
        f"/rounds/{ids['upcoming']}/briefing/edit",
        {
            "going_on": "Census high since 3 March",
            "wins": "Zero CLABSI",
            "version": "0",
            "action": "ready",
        },
    )
    await login(client, "executive")
    response = await post_form(client, f"/rounds/{ids['upcoming']}/start", {"confirm": "yes"})
    assert (
        response.status_code == 303
        and response.headers["location"] == f"/rounds/{ids['upcoming']}/run"
    )
    row = await Briefing.select().where(Briefing.round == ids["upcoming"]).first()
    assert (
        row["frozen_at"] is not None
        and "Capital request for new bed alarms" in row["frozen_content"]
    )
    # the log changes after the round started: the kept briefing does not
    await make_issue(world, "Brand new concern after start", status="new", priority=3)
    html = (await client.get(f"/rounds/{ids['upcoming']}/briefing")).text
    assert "as it was shown when the round started" in html
    assert (
        "Capital request for new bed alarms" in html and "Brand new concern after start" not in html
    )
    assert ">12<" in html and "Census high since 3 March" in html and "Zero CLABSI" in html
    # the notes can no longer be edited once the round started
    refused = await post_form(
        client,
        f"/rounds/{ids['upcoming']}/briefing/edit",
        {"going_on": "late", "version": str(row["version"]), "action": "save"},
    )
    assert refused.status_code == 200 and "can no longer be edited" in refused.text
    # starting twice is harmless (a double tap)
    again = await post_form(client, f"/rounds/{ids['upcoming']}/start")
    assert again.status_code == 303


async def test_an_unreadable_kept_briefing_does_not_break_the_page(client, world, login):
    round_id = await make_round(world, days=-1, status="completed")
    for junk in ("{not json", '{"unit_name": "x"}', "[1, 2]"):
        await Briefing.delete().where(Briefing.round == round_id)
        await Briefing.insert(
            Briefing(round=round_id, frozen_content=junk, updated_at=clock.now(), version=1)
        )
        await login(client, "executive")
        page = await client.get(f"/rounds/{round_id}/briefing")
        assert page.status_code == 200 and "No copy of the briefing was kept" in page.text


async def test_a_briefing_kept_before_the_summary_existed_still_shows(client, world, login):
    """Briefings frozen by an earlier release lack the summary's newer keys: shown all the same."""
    from rounds.rounding import briefing, service

    ids = await seed_unit(world)
    row = await service._round_query().where(SafetyRound.id == ids["upcoming"]).first()
    content = await briefing.assemble(row)
    for key in ("changes", "sent_ahead_count"):
        content.pop(key)
    for trend in content["trends"]:
        for key in ("low", "high", "better"):
            trend.pop(key)
    for issue in content["top_issues"]:
        issue.pop("easy_win")
    await briefing.freeze(ids["upcoming"], content, clock.now())
    await SafetyRound.update({SafetyRound.status: "completed"}).where(
        SafetyRound.id == ids["upcoming"]
    )
    await login(client, "executive")
    page = await client.get(f"/rounds/{ids['upcoming']}/briefing")
    assert page.status_code == 200 and "as it was shown when the round started" in page.text
    assert "Capital request for new bed alarms" in page.text and "Latest: <strong>2.5" in page.text
    assert "hx-get" not in page.text.split('class="briefing__more"')[1]  # all kept: nothing to load


async def test_a_busy_previous_round_shows_three_and_links_to_the_rest(client, world, login):
    """A round where staff raised many concerns: the glance lists three and links to that
    round's read-back; the briefing reads at most four of them (bounded at any size)."""
    ids = await seed_unit(world)
    for n in range(5):
        await make_issue(world, f"Extra concern {n} from that round", round_id=ids["previous"])
    await login(client, "executive")
    html = (await client.get(f"/rounds/{ids['upcoming']}/briefing")).text
    heard = _between(html, "Heard on that round", "</section>")
    assert heard.count("<li>") == 3
    assert f'href="/rounds/{ids["previous"]}/readback">Everything heard on that round' in heard
