"""The hand-checked fixture hospital: four units, 38 issues with chosen dates, rounds with
first-timer counts, barriers. Every expected figure below was worked out by hand from the rows
(the working is in the comments), never by calling the code under test.

Today is Mon 15 Jun 2026 (noon in New York). "Last 12 months" is 16 Jun 2025 to 15 Jun 2026.
Runs on SQLite and, with ROUNDS_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from rounds.barriers.tables import Barrier
from rounds.core import clock
from rounds.core.tables import Unit
from rounds.issues.tables import SafetyIssue
from rounds.rounding.tables import SafetyRound
from tests.conftest import create_unit, post_form
from tests.meetings.helpers import add_meeting

D = date.fromisoformat
NOW = datetime(2026, 6, 15, 16, 0, tzinfo=UTC)  # 12:00 in New York

# (unit, identified on, status, fix due, feedback due, feedback given on)
A_ISSUES = [
    ("2026-01-10", "closed", None, "2026-01-24", "2026-01-20"),  # fed back, on time, 10 days
    ("2026-02-01", "closed", None, "2026-02-15", "2026-02-20"),  # fed back late, 19 days
    ("2026-03-05", "resolved", None, "2026-03-19", "2026-03-12"),  # on time, 7 days
    ("2026-04-01", "in_progress", "2026-05-01", "2026-04-15", None),  # fb overdue, fix overdue
    ("2026-04-20", "planned", "2026-07-01", "2026-05-04", None),  # fb overdue
    ("2026-05-10", "new", None, "2026-05-24", None),  # fb overdue
    ("2026-06-05", "new", None, "2026-06-19", None),  # feedback not due yet: not counted
    (
        "2026-06-14",
        "in_progress",
        "2026-06-14",
        "2026-06-28",
        "2026-06-15",
    ),  # on time, 1 day; fix overdue
    ("2026-06-01", "cannot_do", None, "2026-06-15", None),  # feedback due today: not overdue yet
    ("2025-05-01", "new", "2025-06-01", "2025-05-15", None),  # before the period: left out
    ("2025-06-16", "closed", None, "2025-06-30", "2025-06-30"),  # first day in; on time (equal), 14
    ("2025-06-15", "closed", None, "2025-06-29", "2025-06-20"),  # the day before the period: out
    ("2025-09-10", "closed", None, "2025-09-24", "2025-10-04"),  # late, 24 days
    ("2025-11-03", "resolved", None, "2025-11-17", None),  # fb overdue
    (
        "2025-12-01",
        "in_progress",
        "2026-01-15",
        "2025-12-15",
        "2025-12-10",
    ),  # on time, 9; fix overdue
    ("2026-05-30", "planned", "2026-06-30", "2026-06-13", "2026-06-12"),  # on time, 13 days
]
# Unit A, in the period: 14 raised (2 left out). Fed back: 8 (10, 19, 7, 1, 14, 24, 9, 13 days).
# On time: 6 (not the 19- and 24-day ones). Feedback overdue: 4. Fed back % = 8 / 12 = 66.7 -> 67%.
# On time % = 6 / 12 = 50%. Median of 1 7 9 10 13 14 19 24 = (10 + 13) / 2 = 11.5 days.
# Fix overdue: due 1 May (in progress), due 14 Jun (in progress), due 15 Jan (in progress) = 3.
B_ISSUES = [
    ("2026-02-10", "closed", None, "2026-02-24", "2026-02-24"),  # on time, 14
    ("2026-03-01", "closed", None, "2026-03-15", "2026-03-10"),  # on time, 9
    ("2026-03-20", "resolved", None, "2026-04-03", "2026-04-01"),  # on time, 12
    ("2026-04-15", "closed", None, "2026-04-29", "2026-04-28"),  # on time, 13
    (
        "2026-05-01",
        "in_progress",
        "2026-05-20",
        "2026-05-15",
        "2026-05-16",
    ),  # late, 15; fix overdue
    ("2026-06-10", "new", None, "2026-06-24", None),  # not due yet
] + [
    (f"2025-07-{day:02d}", "closed", None, f"2025-07-{day + 14:02d}", f"2025-07-{day + 5:02d}")
    for day in range(1, 13)  # twelve fed back on time after 5 days
]
# Unit B: 18 raised, 17 fed back, 16 on time, 0 overdue: fed back % 100 (all fed back),
# on time 16 / 17 = 94.1 -> 94%. Median of twelve 5s and 9 12 13 14 15 (17 values) = 9th = 5.
# Fix overdue 1.
C_ISSUES = [
    ("2026-01-05", "closed", None, "2026-01-19", "2026-01-19"),  # on time, 14
    ("2026-02-05", "new", "2026-03-01", "2026-02-19", None),  # fb overdue, fix overdue
    ("2026-03-05", "planned", "2026-08-01", "2026-03-19", None),  # fb overdue
    ("2026-04-05", "in_progress", "2026-06-01", "2026-04-19", None),  # fb overdue, fix overdue
]
# Unit C (headcount 0): 4 raised, 1 fed back, 3 overdue: 25%; on time 25%; median 14; fix overdue 2.
# Unit D: no issues at all.
# All units: fed back 8 + 17 + 1 = 26, overdue 4 + 0 + 3 = 7: 26 / 33 = 78.8 -> 79%.
# On time 6 + 16 + 1 = 23: 23 / 33 = 69.7 -> 70%. Fix overdue 3 + 1 + 2 = 6.
# Median of the 26 fed-back issues: 1, twelve 5s, 7, 9, 9, 10, 12, 13, 13, 14, 14, 14, 15, 19, 24
# -> 13th and 14th values are 5 and 7 -> 6 days.

# (day, status, staff, first-timers, cancel reason)
A_ROUNDS = [
    ("2025-06-10", "completed", 14, 10, ""),  # before the period and the reach window
    ("2025-08-01", "completed", 12, 8, ""),
    ("2025-10-01", "completed", 10, 6, ""),
    ("2025-12-01", "cancelled", 0, 0, "Unit surge"),
    ("2026-02-01", "completed", 9, 5, ""),
    ("2026-04-01", "scheduled", 0, 0, ""),  # due, never done
    ("2026-06-01", "completed", 8, 3, ""),
    ("2026-06-15", "scheduled", 0, 0, ""),  # due today, not done yet
    ("2026-07-01", "scheduled", 0, 0, ""),  # future: not due
]
# Unit A: due 6 (1 Aug, 1 Oct, 1 Feb, 1 Apr, 1 Jun, 15 Jun), done 4, 1 cancelled (Unit surge).
# 4 / 6 = 66.7 -> 67%. Reach: 8 + 6 + 5 + 3 = 22 of 40 = 55%.
B_ROUNDS = [
    ("2025-07-15", "completed", 20, 18, ""),
    ("2025-11-15", "completed", 15, 10, ""),
    ("2026-03-15", "completed", 12, 6, ""),
]
# Unit B: 3 of 3. Reach 34 of 30 -> capped at 100%.
C_ROUNDS = [("2026-05-01", "completed", 5, 5, "")]
# Unit C: 1 of 1; headcount 0 -> no reach. Unit D (headcount 20): no rounds -> 0 of 0, reach 0%.
# All units: 8 of 10 done, 1 cancelled. Reach: (22 + min(34, 30) + 0) / (40 + 30 + 20) = 52 / 90
# = 57.8 -> 58% (unit C has no headcount, so it is left out).

# Barriers open now: A c-suite follow-up 20 May (26 days overdue), A executive 20 Jun (not due),
# B department 10 Jun (5 days overdue), B removed (not counted).
# Barriers overdue: A 1, B 1, total 2 of 3 open.

# Needs help (defaults: fed back below 80%, rounds below 75% of due, reach below 60%,
# a barrier follow-up more than 14 days overdue):
# A: 67% fed back, 4 of 6 rounds, reach 55%, barrier 26 days -> 4 reasons.
# B: none. C: fed back 25% -> 1 reason. D: reach 0% -> 1 reason.
# Order: A, C, D (one reason each, by name), B.


async def _issue(unit, identified, status, due, fb_due, given, n):
    now = clock.now()
    return (
        await SafetyIssue.insert(
            SafetyIssue(
                unit=unit,
                identified_on=D(identified),
                description=f"Fixture issue {n}: pump tubing out of stock at night",
                status=status,
                due_on=D(due) if due else None,
                feedback_due_on=D(fb_due) if fb_due else None,
                feedback_given_on=D(given) if given else None,
                feedback_how="huddle" if given else "",
                closed_on=D(given) if status == "closed" else None,
                resolved_on=D(given) if status in ("closed", "resolved") and given else None,
                outcome=f"Par level for tubing raised (fixture {n})." if status == "closed" else "",
                priority=2,
                created_at=now,
                updated_at=now,
                status_changed_at=now,
            )
        ).returning(SafetyIssue.id)
    )[0]["id"]


async def _round(unit, day, status, staff, first, reason, hour=16):
    at = datetime.combine(D(day), datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)
    return (
        await SafetyRound.insert(
            SafetyRound(
                unit=unit,
                scheduled_at=at,
                status=status,
                staff_count=staff,
                first_timers=first,
                cancel_reason=reason,
                created_at=clock.now(),
            )
        ).returning(SafetyRound.id)
    )[0]["id"]


@pytest.fixture
async def hospital(world, fake_clock):
    fake_clock.current = NOW
    a, b = world.unit_a, world.unit_b  # headcounts 40 and 30
    c = await create_unit("Unit C Clinic", headcount=0)
    d = await create_unit("Unit D Quiet", headcount=20)
    ids = {"a": a, "b": b, "c": c, "d": d}
    n = 0
    first_issue = {}
    for unit, rows in ((a, A_ISSUES), (b, B_ISSUES), (c, C_ISSUES)):
        for row in rows:
            n += 1
            issue_id = await _issue(unit, *row, n)
            first_issue.setdefault(unit, issue_id)
    assert n == 38
    rounds = {}
    for unit, rows in ((a, A_ROUNDS), (b, B_ROUNDS), (c, C_ROUNDS)):
        for row in rows:
            rounds[(unit, row[0])] = await _round(unit, *row)
    for unit, level, follow, status in (
        (a, "c_suite", "2026-05-20", "open"),
        (a, "executive", "2026-06-20", "open"),
        (b, "department", "2026-06-10", "open"),
        (b, "executive", "2026-01-01", "removed"),
    ):
        await Barrier.insert(
            Barrier(
                issue=first_issue[unit],
                unit=unit,
                description=f"Fixture barrier {level} {follow}",
                level=level,
                next_follow_up_on=D(follow),
                status=status,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    ids["next_round_a"] = rounds[(a, "2026-07-01")]
    ids["issue_a"] = first_issue[a]
    return ids


def _block(page: str, attr: str, name: str, end: str) -> str:
    marker = f'{attr}="{html.escape(name)}"'
    assert marker in page, name
    return page.split(marker, 1)[1].split(end, 1)[0]


def _measures(block: str) -> dict[str, str]:
    return {
        k: re.sub(r"\s+", " ", v).strip()
        for k, v in re.findall(r'data-measure="([a-z_]+)">(.*?)</dd>', block, re.S)
    }


def _cells(row: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]


OVERVIEW = {
    "Unit A ICU": {
        "rounds": "4 of 6; 1 cancelled (Unit surge)",
        "reach": "55% (below the 60% mark) – 22 taking part for the first time in 12 months, of 40 staff",
        "raised": "14 (7 open)",
        "fed_back_pct": "67% – 8 fed back, 4 feedback overdue",
        "on_time_pct": "50%",
        "median": "11.5 days",
        "feedback_overdue": "4",
        "fix_overdue": "3",
        "barriers_overdue": "1 of 2 open (Executive partner 1, C-suite 1)",
    },
    "Unit B Med-Surg": {
        "rounds": "3 of 3",
        "reach": "100% (meets the 60% mark) – 34 taking part for the first time in 12 months, of 30 staff",
        "raised": "18 (2 open)",
        "fed_back_pct": "100% – 17 fed back, 0 feedback overdue",
        "on_time_pct": "94%",
        "median": "5 days",
        "feedback_overdue": "0",
        "fix_overdue": "1",
        "barriers_overdue": "1 of 1 open (Department 1)",
    },
    "Unit C Clinic": {
        "rounds": "1 of 1",
        "reach": "headcount not set",
        "raised": "4 (3 open)",
        "fed_back_pct": "25% – 1 fed back, 3 feedback overdue",
        "on_time_pct": "25%",
        "median": "14 days",
        "feedback_overdue": "3",
        "fix_overdue": "2",
        "barriers_overdue": "0 of 0 open",
    },
    "Unit D Quiet": {
        "rounds": "0 of 0",
        "reach": "0% (below the 60% mark) – 0 taking part for the first time in 12 months, of 20 staff",
        "raised": "0 (0 open)",
        "fed_back_pct": "–",
        "on_time_pct": "–",
        "median": "–",
        "feedback_overdue": "0",
        "fix_overdue": "0",
        "barriers_overdue": "0 of 0 open",
    },
    "All units": {
        "rounds": "8 of 10; 1 cancelled",
        "reach": "58% (below the 60% mark) – 52 taking part for the first time in 12 months, of 90 staff",
        "raised": "36 (12 open)",
        "fed_back_pct": "79% – 26 fed back, 7 feedback overdue",
        "on_time_pct": "70%",
        "median": "6 days",
        "feedback_overdue": "7",
        "fix_overdue": "6",
        "barriers_overdue": "2 of 3 open (Department 1, Executive partner 1, C-suite 1)",
    },
}


async def test_overview_per_unit_and_in_total(client, hospital, login):
    await login(client, "admin")
    html = (await client.get("/overview")).text
    for unit, expected in OVERVIEW.items():
        assert _measures(_block(html, "data-unit", unit, "</li>")) == expected, unit
    # ordered by the number of reasons, each stated
    order = re.findall(r'class="row report-unit[^"]*" data-unit="([^"]+)"', html)
    assert order == ["Unit A ICU", "Unit C Clinic", "Unit D Quiet", "Unit B Med-Surg", "All units"]
    a = _block(html, "data-unit", "Unit A ICU", "</li>")
    assert "Needs help" in a
    for reason in (
        "fed back 67% (below 80%)",
        "4 of 6 rounds done (below 75%)",
        "staff reach 55% (below 60%)",
        "a barrier follow-up 26 days overdue (more than 14)",
    ):
        assert reason in a, reason
    assert "fed back 25% (below 80%)" in _block(html, "data-unit", "Unit C Clinic", "</li>")
    assert "staff reach 0% (below 60%)" in _block(html, "data-unit", "Unit D Quiet", "</li>")
    b = _block(html, "data-unit", "Unit B Med-Surg", "</li>")
    assert "On track" in b and "Needs help" not in b
    # the headline numbers are the totals
    assert re.search(r'data-total="fed_back_pct">79%<', html)
    assert re.search(r'data-total="feedback_overdue">7<', html)
    assert re.search(r'data-total="reach">58%<', html)


BOARD_ROWS = {
    # rounds, reach, fed back %, feedback overdue, fix overdue, barriers overdue
    "Unit A ICU": ["4 of 6", "55%", "67%", "4", "3", "1"],
    "Unit B Med-Surg": ["3 of 3", "100%", "100%", "0", "1", "1"],
    "Unit C Clinic": ["1 of 1", "–", "25%", "3", "2", "0"],
    "Unit D Quiet": ["0 of 0", "0%", "–", "0", "0", "0"],
    "All units": ["8 of 10", "58%", "79%", "7", "6", "2"],
}


async def test_board_report_has_the_same_figures(client, hospital, login):
    await login(client, "leader")
    html = (await client.get("/overview/board")).text
    for unit, expected in BOARD_ROWS.items():
        assert _cells(_block(html, "data-unit", unit, "</tr>"))[:6] == expected, unit
    # the previous 12 months (16 Jun 2024 - 15 Jun 2025): A's issues of 1 May and 15 Jun 2025;
    # the 1 May one is overdue, the 15 Jun one fed back on time -> 1 / 2 = 50%; 79% now: up 29.
    fed = _cells(_block(html, "data-measure", "Fed back %", "</tr>"))
    assert fed == ["79%", "50%", "▲ up 29 points, better"]
    overdue = _cells(_block(html, "data-measure", "Feedback overdue", "</tr>"))
    assert overdue == ["7", "1", "▲ up 6, worse"]
    assert "Fixture barrier c_suite 2026-05-20" in html  # needs senior help
    assert "Fixture barrier department" not in html  # department level: the team's own
    assert "Lower is better" in html and "Higher is better" in html
    assert "Par level for tubing raised" in html  # one "you said, we did" story


async def test_briefing_and_agenda_agree(client, hospital, login):
    strip = {
        "fed_back_pct": "67%",
        "feedback_overdue": "4",
        "fix_overdue": "3",
        "barriers_overdue": "1",
        "rounds": "4 of 6",
        "reach": "55%",
    }
    await login(client, "admin")
    briefing = (await client.get(f"/rounds/{hospital['next_round_a']}/briefing?open=trends")).text
    assert _measures(_block(briefing, "class", "measures-strip", "</section>")) == strip
    meeting = await add_meeting(hospital["a"], D("2026-06-20"))
    # the programme measures load when opened (?show=programme without JavaScript)
    agenda = (await client.get(f"/meetings/{meeting}?show=programme")).text
    assert _measures(_block(agenda, "class", "measures-strip", "</section>")) == strip


async def test_thresholds_are_set_by_an_admin(client, hospital, login):
    await login(client, "admin")
    page = await client.get("/admin/needs-help")
    assert page.status_code == 200
    values = {
        "fed_back_min_pct": "20",
        "rounds_done_min_pct": "75",
        "reach_min_pct": "60",
        "barrier_overdue_days": "30",
        "seen_fed_back_min_pct": "80",
        "seen_rounds_done_min_pct": "75",
        "seen_reach_min_pct": "60",
        "seen_barrier_overdue_days": "14",
    }
    bad = await post_form(client, "/admin/needs-help", {**values, "reach_min_pct": "500"})
    assert bad.status_code == 200 and "Enter a number from 1 to 100." in bad.text
    assert 'value="500"' in bad.text  # what was typed is kept
    r = await post_form(client, "/admin/needs-help", values)
    assert r.status_code in (200, 303)
    html = (await client.get("/overview")).text
    c = _block(html, "data-unit", "Unit C Clinic", "</li>")
    assert "On track" in c  # 25% is not below 20%
    a = _block(html, "data-unit", "Unit A ICU", "</li>")
    assert "a barrier follow-up" not in a  # 26 days is not more than 30
    assert "fed back 67%" not in a and "4 of 6 rounds done" in a
    await login(client, "leader")
    assert (await client.get("/admin/needs-help")).status_code in (403, 404)


async def test_feedback_before_identified_is_refused(client, hospital, login):
    from tests.issues.test_issue_page import edit_data, row

    await login(client, "champion")
    issue = await row(hospital["issue_a"])  # identified 10 Jan 2026
    r = await post_form(
        client,
        f"/issues/{issue['id']}/edit",
        edit_data(issue, feedback_given_on="2026-01-02", feedback_how="huddle"),
    )
    assert r.status_code == 200
    assert "before the issue was raised (10 Jan 2026)" in r.text
    assert 'value="2026-01-02"' in r.text  # the typed date is kept
    assert (await row(issue["id"]))["feedback_given_on"] == D("2026-01-20")


async def test_headcount_zero_and_no_issues(client, hospital, login):
    await Unit.update({Unit.staff_headcount: 0}).where(Unit.id == hospital["d"])
    await login(client, "admin")
    html = (await client.get("/overview")).text
    d = _measures(_block(html, "data-unit", "Unit D Quiet", "</li>"))
    assert d["reach"] == "headcount not set" and d["fed_back_pct"] == "–"
    # D leaves the total's headcount: (22 + 30) / 70 = 74.3 -> 74%
    assert re.search(r'data-total="reach">74%<', html)
    assert "On track" in _block(html, "data-unit", "Unit D Quiet", "</li>")


@pytest.mark.parametrize("paper", ["letter", "a4"])
async def test_pdf_download_holds_the_same_figures(client, hospital, login, paper):
    import io

    from pypdf import PdfReader

    await login(client, "leader")
    r = await client.get(f"/overview/board.pdf?paper={paper}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert f"board-report-2026-06-15-{paper}.pdf" in r.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) == 1  # one page for the board packet
    width_pt = float(reader.pages[0].mediabox.width)
    assert round(width_pt) == (612 if paper == "letter" else 595)
    # words broken across lines at a hyphen ("Med- Surg") are joined again
    text = re.sub(r"-\s+", "-", re.sub(r"\s+", " ", reader.pages[0].extract_text()))
    for unit, cells in BOARD_ROWS.items():
        assert f"{unit} {' '.join(cells)}" in text, (unit, text)
    assert "Fed back % 79% 50% ▲ up 29 points, better" in text or (
        "Fed back % 79% 50%" in text and "up 29 points, better" in text
    )
    assert "Lower is better" in text and "Par level for tubing raised" in text
