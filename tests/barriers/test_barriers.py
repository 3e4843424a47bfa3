"""Barriers end to end through the web: open, follow up, escalate, remove; access, versions,
double taps, the home panel, the board and its export, the admin settings."""

import re
from datetime import timedelta

from rounds.barriers.tables import Barrier, BarrierNote
from rounds.core.clock import local_today
from rounds.core.tables import AuditEntry
from tests.barriers.helpers import make_barrier, make_issue
from tests.conftest import form_error, post_form


def _version(html: str, barrier_id: int) -> str:
    match = re.search(
        rf'action="/barriers/{barrier_id}/notes".*?name="version" value="(\d+)"', html, re.S
    )
    assert match, "note form not found"
    return match.group(1)


async def _barrier(barrier_id: int) -> dict:
    return await Barrier.select().where(Barrier.id == barrier_id).first()


# --- opening a barrier ---------------------------------------------------------------------


async def test_open_barrier_defaults_owner_to_executive_partner(client, world, login):
    issue_id = await make_issue(world.unit_a)
    await login(client, "champion")
    page = await client.get(f"/issues/{issue_id}/barriers/new")
    assert page.status_code == 200
    assert re.search(rf'<option value="{world.people["executive"]}" selected>', page.text)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    data = {
        "description": "Biomed cannot fund the alarm contract",
        "kind": "budget",
        "level": "executive",
        "owner": str(world.people["executive"]),
        "next_follow_up_on": (local_today() + timedelta(days=3)).isoformat(),
        "idempotency_key": key,
    }
    first = await post_form(client, f"/issues/{issue_id}/barriers/new", data)
    assert first.status_code == 303
    again = await post_form(client, f"/issues/{issue_id}/barriers/new", data)  # a double tap
    assert again.headers["location"] == first.headers["location"]
    rows = await Barrier.select().where(Barrier.issue == issue_id)
    assert (
        len(rows) == 1
        and rows[0]["owner"] == world.people["executive"]
        and rows[0]["status"] == "open"
    )
    assert await AuditEntry.exists().where(
        (AuditEntry.object_type == "barrier") & (AuditEntry.action == "create")
    )
    detail = await client.get(first.headers["location"])
    assert "Biomed cannot fund the alarm contract" in detail.text and "Follow-up log" in detail.text


async def test_open_barrier_refuses_past_date_and_keeps_text(client, world, login):
    issue_id = await make_issue(world.unit_a)
    await login(client, "champion")
    response = await post_form(
        client,
        f"/issues/{issue_id}/barriers/new",
        {
            "description": "Pharmacy restock clashes with handover",
            "kind": "department",
            "level": "executive",
            "owner": str(world.people["executive"]),
            "next_follow_up_on": (local_today() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert (
        form_error(response.text, "next_follow_up_on")
        == "The next follow-up cannot be in the past."
    )
    assert "Pharmacy restock clashes with handover" in response.text
    empty = await post_form(
        client,
        f"/issues/{issue_id}/barriers/new",
        {"description": "", "kind": "other", "level": "unit", "owner": "", "next_follow_up_on": ""},
    )
    assert form_error(empty.text, "description") == "Say what stands in the way."
    assert form_error(empty.text, "next_follow_up_on")
    assert await Barrier.count() == 0


async def test_open_barrier_screens_patient_identifiers(client, world, login):
    issue_id = await make_issue(world.unit_a)
    await login(client, "champion")
    response = await post_form(
        client,
        f"/issues/{issue_id}/barriers/new",
        {
            "description": "Waiting on pharmacy for MRN 12345678",
            "kind": "department",
            "level": "executive",
            "owner": str(world.people["executive"]),
            "next_follow_up_on": local_today().isoformat(),
        },
    )
    assert response.status_code == 200 and form_error(response.text, "description")
    assert await Barrier.count() == 0


# --- follow-up, escalation, removal ----------------------------------------------------------


async def test_add_note_sets_next_date_and_logs_it(client, world, login):
    barrier_id = await make_barrier(world)
    await login(client, "executive")
    page = await client.get(f"/barriers/{barrier_id}")
    next_on = local_today() + timedelta(days=10)
    response = await post_form(
        client,
        f"/barriers/{barrier_id}/notes",
        {
            "note_body": "Vendor quote expected Friday",
            "note_next": next_on.isoformat(),
            "version": _version(page.text, barrier_id),
            "next": f"/barriers/{barrier_id}",
        },
    )
    assert response.status_code == 303
    row = await _barrier(barrier_id)
    assert row["next_follow_up_on"] == next_on and row["version"] == 2
    assert "Vendor quote expected Friday" in (await client.get(f"/barriers/{barrier_id}")).text


async def test_note_needs_text_and_a_future_date(client, world, login):
    barrier_id = await make_barrier(world)
    await login(client, "executive")
    response = await post_form(
        client,
        f"/barriers/{barrier_id}/notes",
        {
            "note_body": "",
            "note_next": (local_today() - timedelta(days=2)).isoformat(),
            "version": "1",
            "next": f"/barriers/{barrier_id}",
        },
    )
    assert response.status_code == 200
    assert form_error(response.text, "note_body")
    assert form_error(response.text, "note_next") == "The next follow-up cannot be in the past."
    assert (await _barrier(barrier_id))["version"] == 1


async def test_escalate_upwards_reassigns_and_keeps_history(client, world, login):
    barrier_id = await make_barrier(world)
    await login(client, "executive")
    base = {
        "esc_owner": str(world.people["leader"]),
        "esc_reason": "Needs capital approval",
        "esc_next": (local_today() + timedelta(days=5)).isoformat(),
        "version": "1",
        "next": f"/barriers/{barrier_id}",
    }
    same = await post_form(
        client, f"/barriers/{barrier_id}/escalate", {**base, "esc_level": "executive"}
    )
    assert "choose a higher level" in form_error(same.text, "esc_level")
    lower = await post_form(
        client, f"/barriers/{barrier_id}/escalate", {**base, "esc_level": "department"}
    )
    assert "upwards only" in form_error(lower.text, "esc_level")
    no_reason = await post_form(
        client,
        f"/barriers/{barrier_id}/escalate",
        {**base, "esc_level": "c_suite", "esc_reason": ""},
    )
    assert form_error(no_reason.text, "esc_reason")
    assert (await _barrier(barrier_id))["level"] == "executive"
    done = await post_form(
        client, f"/barriers/{barrier_id}/escalate", {**base, "esc_level": "c_suite"}
    )
    assert done.status_code == 303
    row = await _barrier(barrier_id)
    assert row["level"] == "c_suite" and row["owner"] == world.people["leader"]
    note = (
        await BarrierNote.select()
        .where((BarrierNote.barrier == barrier_id) & (BarrierNote.kind == "escalated"))
        .first()
    )
    assert (
        note["from_level"] == "executive"
        and note["to_level"] == "c_suite"
        and note["author"] == world.people["executive"]
    )
    assert note["body"] == "Needs capital approval"
    entry = (
        await AuditEntry.select()
        .where((AuditEntry.object_type == "barrier") & (AuditEntry.action == "update"))
        .first()
    )
    assert '"level": ["executive", "c_suite"]' in entry["changes"]
    # the old owner no longer has it; the new owner (even outside the unit) sees it
    assert "Needs capital approval" not in (await client.get("/barriers/mine")).text
    async with client.__class__(transport=client._transport, base_url="http://testserver") as other:
        await login(other, "leader")
        assert "Vendor will not service the bed alarms" in (await other.get("/barriers/mine")).text


async def test_removed_needs_a_note_and_cannot_remove_needs_a_reason(client, world, login):
    first = await make_barrier(world)
    second = await make_barrier(world, description="No budget for a night IV team")
    await login(client, "executive")
    bare = await post_form(
        client,
        f"/barriers/{first}/removed",
        {"removed_note": "  ", "version": "1", "next": f"/barriers/{first}"},
    )
    assert form_error(bare.text, "removed_note") == "Say how the barrier was removed."
    assert (await _barrier(first))["status"] == "open"
    ok = await post_form(
        client,
        f"/barriers/{first}/removed",
        {"removed_note": "Contract signed", "version": "1", "next": "/barriers/mine"},
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith(
        "/barriers/mine?done=removed"
    )
    assert (await _barrier(first))["status"] == "removed" and (await _barrier(first))[
        "closed_at"
    ] is not None
    no_reason = await post_form(
        client, f"/barriers/{second}/cannot-remove", {"cannot_reason": "", "version": "1"}
    )
    assert form_error(no_reason.text, "cannot_reason")
    await post_form(
        client,
        f"/barriers/{second}/cannot-remove",
        {"cannot_reason": "Not funded this year", "version": "1"},
    )
    row = await _barrier(second)
    assert (
        row["status"] == "cannot_remove" and row["cannot_remove_reason"] == "Not funded this year"
    )
    # closed barriers take no more actions
    late = await post_form(
        client,
        f"/barriers/{second}/notes",
        {"note_body": "x", "note_next": local_today().isoformat(), "version": str(row["version"])},
    )
    assert "already closed" in late.text


async def test_stale_version_is_refused_but_a_double_tap_is_harmless(
    client, make_client, world, login
):
    barrier_id = await make_barrier(world)
    await login(client, "executive")
    data = {
        "note_body": "Called the vendor",
        "note_next": (local_today() + timedelta(days=3)).isoformat(),
        "version": "1",
        "next": f"/barriers/{barrier_id}",
    }
    assert (await post_form(client, f"/barriers/{barrier_id}/notes", data)).status_code == 303
    assert (
        await post_form(client, f"/barriers/{barrier_id}/notes", data)
    ).status_code == 303  # same tap again
    assert (
        await BarrierNote.count().where(
            (BarrierNote.barrier == barrier_id) & (BarrierNote.kind == "note")
        )
        == 1
    )
    async with make_client() as champion:
        await login(champion, "champion")
        stale = await post_form(
            champion,
            f"/barriers/{barrier_id}/removed",
            {"removed_note": "Fixed by biomed", "version": "1", "next": f"/barriers/{barrier_id}"},
        )
        assert stale.status_code == 200
        assert "updated this barrier while you had it open" in stale.text
        assert "Fixed by biomed" in stale.text  # what they typed is kept
    assert (await _barrier(barrier_id))["status"] == "open"


async def test_another_units_barrier_is_404_and_leaders_cannot_act(
    client, make_client, world, login
):
    theirs = await make_barrier(world, unit="b")
    ours = await make_barrier(world)
    await login(client, "executive")
    assert (await client.get(f"/barriers/{theirs}")).status_code == 404
    for action, data in [
        ("notes", {"note_body": "x", "note_next": local_today().isoformat()}),
        ("escalate", {"esc_level": "board"}),
        ("removed", {"removed_note": "x"}),
        ("cannot-remove", {"cannot_reason": "x"}),
    ]:
        response = await post_form(client, f"/barriers/{theirs}/{action}", {**data, "version": "1"})
        assert response.status_code == 404, action
    # from the follow-ups list (htmx), a form with a mistake or a merge choice left open is
    # still another unit's barrier: not found (shown in place of the page), never the list
    for data in ({}, {"conflict_fields": "note_next", "note_next": "2030-01-01"}):
        response = await post_form(
            client, f"/barriers/{theirs}/notes", {**data, "next": "/"}, htmx=True
        )
        assert response.headers.get("HX-Retarget") == "#main", data
        assert "find that page" in response.text, data
    assert (await _barrier(theirs))["status"] == "open"
    async with make_client() as leader:
        await login(leader, "leader")
        assert (await leader.get(f"/barriers/{ours}")).status_code == 200
        refused = await post_form(
            leader, f"/barriers/{ours}/removed", {"removed_note": "x", "version": "1"}
        )
        assert refused.status_code == 403
    async with make_client() as outsider:
        await login(outsider, "outsider")
        assert (
            await outsider.get(f"/issues/{(await _barrier(ours))['issue']}/barriers/new")
        ).status_code == 404


# --- "My follow-ups", escalation due, WIP flag -------------------------------------------------


async def test_home_leads_with_follow_ups_overdue_first_and_escalation_due(
    client, world, login, fake_clock
):
    later = await make_barrier(
        world, description="Order slide sheets", follow_up=local_today() + timedelta(days=12)
    )
    soon = await make_barrier(
        world, description="Call light part on order", follow_up=local_today() + timedelta(days=1)
    )
    fake_clock.advance(
        days=9
    )  # "soon" is now 8 days late: escalation due (default 7); "later" is due in 3 days
    await login(client, "executive")
    html = (await client.get("/")).text
    assert "My follow-ups" in html
    assert html.index("Call light part on order") < html.index("Order slide sheets")
    block = html[html.index(f'id="barrier-{soon}"') : html.index(f'id="barrier-{later}"')]
    assert "Escalation due" in block and "consider escalating to <strong>C-suite</strong>" in block
    detail = (await client.get(f"/barriers/{soon}")).text
    assert "Escalation is due" in detail
    fake_clock.advance(days=-3)  # 5 days late: overdue, not yet escalation due
    client.cookies.clear()
    await login(client, "executive")
    block = (await client.get("/barriers/mine")).text
    assert "Follow-up overdue" in block and "Escalation due" not in block


async def test_one_tap_actions_with_htmx_swap_the_list(client, world, login, query_counter):
    barrier_id = await make_barrier(world, follow_up=local_today())
    await login(client, "executive")
    html = (await client.get("/")).text
    # each action's form loads when its button is opened (htmx), not with the list
    assert f'action="/barriers/{barrier_id}/notes"' not in html
    assert f'hx-get="/barriers/{barrier_id}/act?kind=note&amp;next=/&amp;version=1&amp;' in html
    with query_counter() as counted:
        form = await client.get(
            f"/barriers/{barrier_id}/act?kind=note&next=/", headers={"HX-Request": "true"}
        )
    assert form.status_code == 200 and "<html" not in form.text
    assert 'name="next" value="/"' in form.text and counted.n <= 5, counted.queries
    escalate = await client.get(
        f"/barriers/{barrier_id}/act?kind=escalated&next=/barriers/mine",
        headers={"HX-Request": "true"},
    )
    assert "Choose who removes it now" in escalate.text and "Lee Leader" in escalate.text
    assert (await client.get(f"/barriers/{barrier_id}/act?kind=bogus")).status_code == 404
    # without JavaScript the button's link opens the list with that form open
    link = f'href="/barriers/mine?act={barrier_id}-escalated#b{barrier_id}-escalated"'
    assert link in html
    plain = (await client.get(f"/barriers/mine?act={barrier_id}-escalated")).text
    assert f'<details class="fu__action" id="b{barrier_id}-escalated" open>' in plain
    assert f'action="/barriers/{barrier_id}/escalate"' in plain
    assert f'action="/barriers/{barrier_id}/notes"' not in plain
    version = _version(form.text, barrier_id)
    bad = await post_form(
        client,
        f"/barriers/{barrier_id}/notes",
        {"note_body": "", "note_next": local_today().isoformat(), "version": version, "next": "/"},
        htmx=True,
    )
    assert bad.status_code == 200 and bad.text.lstrip().startswith('<div id="followups"')
    assert form_error(bad.text, f"b{barrier_id}-note_body")
    assert f'<details class="fu__action" id="b{barrier_id}-note" open>' in bad.text
    ok = await post_form(
        client,
        f"/barriers/{barrier_id}/notes",
        {
            "note_body": "Vendor visiting Tuesday",
            "note_next": (local_today() + timedelta(days=9)).isoformat(),
            "version": version,
            "next": "/",
        },
        htmx=True,
    )
    assert ok.status_code == 200 and "Follow-up note saved" in ok.text
    assert "<html" not in ok.text
    # a form opened later keeps the barrier as the list showed it as its base (so a change made
    # meanwhile is merged or offered as a choice, as when the form was on the page)
    seen = f"version={version}&base_level=executive&base_owner=&base_next={local_today()}"
    stale = await client.get(
        f"/barriers/{barrier_id}/act?kind=note&next=/&{seen}", headers={"HX-Request": "true"}
    )
    assert f'name="version" value="{version}"' in stale.text
    fresh = await client.get(
        f"/barriers/{barrier_id}/act?kind=note", headers={"HX-Request": "true"}
    )
    assert f'name="version" value="{int(version) + 1}"' in fresh.text


async def test_wip_flag_above_the_configurable_limit(client, make_client, world, login):
    for i in range(6):
        await make_barrier(world, description=f"Barrier number {i}")
    await login(client, "executive")
    assert "More than 5 open at once" in (await client.get("/")).text
    async with make_client() as admin:
        await login(admin, "admin")
        page = await admin.get("/admin/barrier-settings")
        assert page.status_code == 200
        bad = await post_form(
            admin,
            "/admin/barrier-settings",
            {
                "wip_limit": "0",
                "escalate_after_days": "7",
                "seen_wip_limit": "5",
                "seen_escalate_after_days": "7",
            },
        )
        assert form_error(bad.text, "wip_limit")
        saved = await post_form(
            admin,
            "/admin/barrier-settings",
            {
                "wip_limit": "8",
                "escalate_after_days": "3",
                "seen_wip_limit": "5",
                "seen_escalate_after_days": "7",
            },
        )
        assert saved.status_code == 303
        stale = await post_form(
            admin,
            "/admin/barrier-settings",
            {
                "wip_limit": "9",
                "escalate_after_days": "3",
                "seen_wip_limit": "5",
                "seen_escalate_after_days": "7",
            },
        )
        assert "Another administrator changed these settings" in stale.text
    assert "open at once" not in (await client.get("/")).text
    assert (await client.get("/admin/barrier-settings")).status_code == 403


async def test_follow_ups_take_few_queries(client, world, login, query_counter):
    for i in range(12):
        await make_barrier(
            world, description=f"Barrier {i}", follow_up=local_today() + timedelta(days=i)
        )
    await login(client, "executive")
    await client.get("/barriers/mine")
    with query_counter() as counted:
        response = await client.get("/barriers/mine")
    # ten at a time, soonest first, the exact count above; each action's form loads when opened,
    # so the page stays small and the people one may escalate to are not read
    assert response.status_code == 200 and response.text.count('class="fu fu--') == 10
    assert "12 open barriers" in response.text and "Page 1 of 2" in response.text
    assert "<form" not in response.text.split('id="followups"')[1].split("</ul>")[0]
    # session, barrier settings, the counts, the page of barriers (5 with everything inline)
    assert counted.n <= 4, counted.queries
    assert len(response.content) < 30_000
    later = await client.get("/barriers/mine?page=2", headers={"HX-Request": "true"})
    assert later.text.count('class="fu fu--') == 2 and "<html" not in later.text


# --- board and export ------------------------------------------------------------------------


async def test_board_orders_by_level_and_exports_csv(client, make_client, world, login):
    await make_barrier(world, description="Unit-level thing", level="unit")
    await make_barrier(world, description="Board-level capital request", level="board")
    await make_barrier(world, description='=HYPERLINK("x")', level="c_suite")
    await make_barrier(world, unit="b", description="Unit B staffing gap")
    await login(client, "leader")
    html = (await client.get("/barriers")).text
    assert (
        html.index("Board-level capital request")
        < html.index("HYPERLINK")
        < html.index("Unit-level thing")
    )
    assert "Unit B staffing gap" in html
    fragment = await client.get(f"/barriers?unit={world.unit_b}", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="board"')
    assert (
        "Unit B staffing gap" in fragment.text
        and "Board-level capital request" not in fragment.text
    )
    export = await client.get("/barriers/export.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "Board-level capital request" in export.text and "'=HYPERLINK" in export.text
    async with make_client() as champion:
        await login(champion, "champion")
        mine = (await champion.get("/barriers")).text
        assert "Unit-level thing" in mine and "Unit B staffing gap" not in mine
        assert "Unit B staffing gap" not in (await champion.get("/barriers/export.csv")).text


async def test_read_only_owner_sees_follow_ups_without_actions(client, world, login):
    await make_barrier(
        world,
        description="Capital request for ceiling lifts",
        owner_id=world.people["leader"],
        level="board",
    )
    await login(client, "leader")
    html = (await client.get("/")).text
    assert "Capital request for ceiling lifts" in html
    assert "Add note / next date" not in html


async def test_without_javascript_the_home_page_confirms_the_action(client, world, login):
    barrier_id = await make_barrier(world, follow_up=local_today())
    await login(client, "executive")
    response = await post_form(
        client,
        f"/barriers/{barrier_id}/notes",
        {
            "note_body": "Spoke to facilities",
            "note_next": (local_today() + timedelta(days=2)).isoformat(),
            "version": "1",
            "next": "/",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/?done=note#followups"
    assert "Follow-up note saved" in (await client.get("/?done=note")).text


async def test_board_filter_without_javascript_accepts_all_units(client, world, login):
    await make_barrier(world, description="Visible on the board")
    await login(client, "admin")
    for query in ("?unit=", "?unit=abc", f"?unit={world.unit_a}"):
        response = await client.get(f"/barriers{query}")
        assert response.status_code == 200, query
        assert "Visible on the board" in response.text
    assert (await client.get("/barriers/export.csv?unit=")).status_code == 200


async def test_htmx_success_is_a_200_client_redirect(client, world, login):
    barrier_id = await make_barrier(world)
    await login(client, "executive")
    response = await post_form(
        client,
        f"/barriers/{barrier_id}/notes",
        {
            "note_body": "Called biomed",
            "note_next": local_today().isoformat(),
            "version": "1",
            "next": f"/barriers/{barrier_id}",
        },
        htmx=True,
    )
    assert (
        response.status_code == 200
        and response.headers["hx-redirect"] == f"/barriers/{barrier_id}?done=note"
    )
