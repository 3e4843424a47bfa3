"""The tracking log: filters that live in the URL, search, pagination, query count, export."""

import csv
import io
from datetime import timedelta

from rounds.barriers.tables import Barrier
from rounds.core import clock
from rounds.core.clock import local_today
from rounds.issues import log
from rounds.issues.tables import Category, SafetyIssue


async def bulk(world, n, **fields):
    now = clock.now()
    base = dict(
        unit=world.unit_a,
        identified_on=local_today(),
        description="Issue",
        status="new",
        created_at=now,
        updated_at=now,
        status_changed_at=now,
        version=1,
    )
    await SafetyIssue.insert(
        *[SafetyIssue(**{**base, "description": f"Bulk issue {i}", **fields}) for i in range(n)]
    )


async def titles(client, query):
    """The log's HTML, without the <mark> around searched words (test_search_marks_words)."""
    r = await client.get("/issues?" + query)
    assert r.status_code == 200
    return r.text.replace("<mark>", "").replace("</mark>", "")


async def test_filters_and_search(client, world, login, new_issue):
    today = local_today()
    cat = (await Category.select(Category.id).where(Category.name == "Medication").first())["id"]
    await new_issue(
        "Heparin vials look alike",
        category=cat,
        status="in_progress",
        priority=3,
        harm="severe",
        likelihood="likely",
        due_on=today - timedelta(days=3),
        owner=world.people["member"],
    )
    await new_issue(
        "Linen cart blocks the fire exit",
        status="planned",
        priority=2,
        ease="easy",
        source="staff_assessment",
        owner=world.people["champion"],
    )
    await new_issue(
        "Feedback still not given on call bells",
        status="resolved",
        feedback_due_on=today - timedelta(days=1),
    )
    await new_issue(
        "Closed and told",
        status="closed",
        feedback_due_on=today - timedelta(days=30),
        feedback_given_on=today - timedelta(days=20),
    )
    await new_issue("Unit B secret", unit=world.unit_b)
    await login(client, "champion")

    def has(html, *wanted, absent=()):
        for w in wanted:
            assert w in html, w
        for a in absent:
            assert a not in html, a

    html = await titles(client, "")
    has(
        html,
        "Heparin",
        "Linen cart",
        "call bells",
        "Closed and told",
        "4 safety issues",
        absent=["Unit B secret"],
    )
    has(
        await titles(client, "status=open"),
        "Heparin",
        "Linen cart",
        absent=["call bells", "Closed and told"],
    )
    has(await titles(client, f"category={cat}"), "Heparin", absent=["Linen cart"])
    has(await titles(client, "priority=3"), "Heparin", absent=["Linen cart"])
    has(await titles(client, "owner=me"), "Linen cart", absent=["Heparin"])
    has(await titles(client, f"owner={world.people['member']}"), "Heparin", absent=["Linen cart"])
    has(await titles(client, "owner=none"), "call bells", absent=["Heparin", "Linen cart"])
    has(await titles(client, "source=staff_assessment"), "Linen cart", absent=["Heparin"])
    has(await titles(client, "overdue=fix"), "Heparin", "3 days overdue", absent=["Linen cart"])
    has(
        await titles(client, "overdue=feedback"),
        "call bells",
        absent=["Closed and told", "Heparin"],
    )
    has(await titles(client, "easy=1"), "Linen cart", "Easy win", absent=["Heparin"])
    has(await titles(client, "q=FIRE+exit"), "Linen cart", absent=["Heparin"])
    has(await titles(client, "q=heparin+pump"), absent=["Heparin vials"])  # every word must match
    has(await titles(client, "q=heparin+look"), "Heparin vials")
    has(await titles(client, f"unit={world.unit_b}"), "0 safety issues", absent=["Unit B secret"])
    # junk in the URL is ignored, never a 500
    has(
        await titles(client, "status=bogus&priority=x&owner=';drop&sort=zzz&page=-4&unit=abc"),
        "4 safety issues",
    )


async def test_htmx_gets_the_list_fragment_and_chips_keep_the_url(client, world, login, new_issue):
    await new_issue("Call bell cords too short", status="planned")
    await login(client, "champion")
    r = await client.get("/issues?status=open", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text and "Call bell cords" in r.text
    assert (
        'hx-push-url="true"' in r.text and 'href="/issues?owner=me&amp;status=open"' not in r.text
    )
    assert 'href="/issues?status=open&amp;owner=me"' in r.text


async def test_pagination(client, world, login):
    await bulk(world, 120)
    await login(client, "champion")
    first = await titles(client, "sort=oldest")
    assert "120 safety issues" in first and "showing 1–50" in first and "page=2" in first
    third = await titles(client, "sort=oldest&page=3")
    assert "showing 101–120" in third and "Older" not in third


async def test_query_count_is_bounded(client, world, login, query_counter, new_issue):
    await bulk(world, 60, owner=world.people["member"])
    issue_id = await new_issue("With a barrier")
    now = clock.now()
    await Barrier.insert(
        Barrier(
            issue=issue_id,
            unit=world.unit_a,
            description="Budget",
            next_follow_up_on=local_today(),
            created_at=now,
            updated_at=now,
        )
    )
    await login(client, "champion")
    with query_counter() as counted:
        r = await client.get("/issues?sort=newest")
    assert r.status_code == 200 and "Open barrier" in r.text
    # session, page of rows, filter choices, unit look-up: the counter sees db.fetch too
    assert counted.n <= 4, counted.queries
    with query_counter() as counted_filtered:
        await client.get("/issues?status=new&q=bulk&page=2")
    assert counted_filtered.n <= 4, counted_filtered.queries


async def test_export_csv_follows_the_filters(client, world, login, new_issue):
    await new_issue('=HYPERLINK("x") formula attempt', status="planned")
    await new_issue("Not planned")
    await login(client, "champion")
    r = await client.get("/issues/export.csv?status=planned")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 1 and rows[0]["Description"].startswith("'=HYPERLINK")
    assert rows[0]["Status"] == "Planned" and rows[0]["Unit"] == "Unit A ICU"


async def test_leader_sees_every_unit_and_people_see_their_own(world, as_person, new_issue):
    await new_issue("A issue")
    await new_issue("B issue", unit=world.unit_b)
    leader = await as_person("leader")
    champion = await as_person("champion")
    assert (await log.tracking_log(leader, log.LogFilters())).total == 2
    page = await log.tracking_log(champion, log.LogFilters())
    assert [i["description"] for i in page.issues] == ["A issue"]


async def test_orders_open_first_and_empty_dates_last(world, as_person, new_issue):
    today = local_today()
    closed_high = await new_issue("Closed high", status="closed", priority=3)
    open_low = await new_issue(
        "Open low", status="planned", priority=1, due_on=today + timedelta(days=5)
    )
    open_high = await new_issue("Open high", status="in_progress", priority=3)
    soon = await new_issue("Due soon", status="planned", due_on=today + timedelta(days=1))
    champion = await as_person("champion")

    async def ids(sort):
        return [
            i["id"] for i in (await log.tracking_log(champion, log.LogFilters(sort=sort))).issues
        ]

    by_priority = await ids("priority")
    assert (
        by_priority.index(open_high) < by_priority.index(open_low) < by_priority.index(closed_high)
    )
    by_due = await ids("due")
    assert by_due[:2] == [soon, open_low] and by_due.index(closed_high) > by_due.index(open_high)


async def test_several_units_merge_each_units_top_rows_in_the_same_order(world, as_person):
    """An executive partner's or a leader's log takes each unit's first rows from its index and
    merges them (log._per_unit_from), or for someone who sees every unit reads the hospital's
    own index (log._hospital_top_from): page by page, for every order and a few filters, the same
    rows in the same order, with the same totals, as one query over all the units."""
    import random

    from rounds.core.tables import Membership

    await Membership.insert(
        Membership(person=world.people["executive"], unit=world.unit_b, unit_role="executive")
    )
    rng = random.Random(7)
    now = clock.now()
    today = local_today()
    await SafetyIssue.insert(
        *[
            SafetyIssue(
                unit=rng.choice([world.unit_a, world.unit_b]),
                identified_on=today - timedelta(days=rng.randrange(40)),
                description=rng.choice(["Pump", "bed alarm", "Sharps", "call light"]) + f" {i}",
                status=rng.choice(["new", "planned", "in_progress", "resolved", "closed"]),
                priority=rng.randrange(4),
                ease=rng.choice(["", "easy", "hard"]),
                due_on=rng.choice([None, today + timedelta(days=rng.randrange(-9, 9))]),
                feedback_due_on=rng.choice([None, today + timedelta(days=rng.randrange(-9, 9))]),
                created_at=now,
                updated_at=now - timedelta(minutes=rng.randrange(500)),
                status_changed_at=now,
                version=1,
            )
            for i in range(47)
        ]
    )
    for who in ("executive", "admin", "leader"):
        viewer = await as_person(who)
        assert log._merge_units(viewer, log.LogFilters(), 6) is not None
        for sort in [*log.SORTS, *log.COLUMN_SORTS]:
            for extra in ({}, {"status": "open"}, {"easy": "1"}):
                for page in (1, 2, 3, 9):
                    f = log.LogFilters.from_query({"sort": sort, "page": str(page), **extra})
                    merged = await log.tracking_log(viewer, f, per_page=5)
                    plain_f = log.LogFilters.from_query({"sort": sort, "page": str(page), **extra})
                    original = log._merge_units
                    log._merge_units = lambda *a, **k: None
                    try:
                        plain = await log.tracking_log(viewer, plain_f, per_page=5)
                    finally:
                        log._merge_units = original
                    assert [r.id for r in merged.issues] == [r.id for r in plain.issues], (
                        who,
                        sort,
                        extra,
                        page,
                    )
                    assert (merged.total, merged.has_next) == (plain.total, plain.has_next)
