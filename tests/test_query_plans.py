"""Every statement the hot pages send is planned on an index, never a full scan of safety_issue.

The benchmark's small data set (rounds.scale, 12 units) is loaded, the hot pages are requested as
a one-unit champion, a 10-unit executive partner, an administrator and a leader (every unit),
every statement they send is captured with its arguments (db.statement_listeners), and each one
that reads safety_issue is explained on the database under test:

- SQLite (`EXPLAIN QUERY PLAN`): a `SCAN` of safety_issue without an index fails; so does a walk
  of a whole index in a statement without a LIMIT, and rows read by unit alone, or by unit and a
  range (a date), then sorted for the ORDER BY (every row of the units, or of the range, read to
  give the first few - the executive's home read a fortnight of stoplight changes that way).
  A SCAN of another table that grows with the hospital (LARGE_TABLES) fails too.
- PostgreSQL (`EXPLAIN (FORMAT JSON)`, the planner told that safety_issue holds a million rows -
  in a transaction rolled back - and sequential scans off, so the tiny test tables do not make
  reading everything the cheapest plan): a Seq Scan on safety_issue fails, and so does an index
  scan with no condition, or with a condition on the unit alone, unless a Limit stops it with no
  Sort in between (or a search's index narrows it in a BitmapAnd).

Run on both: `pytest tests/test_query_plans.py` and with ROUNDS_TEST_DATABASE_URL set.
"""

from __future__ import annotations

import json
import re

import pytest

from rounds import db, scale
from tests.conftest import sign_in

PASSWORD = "scale-test-password"
CHAMPION = "scale-champion-01@example.org"
EXECUTIVE = "scale-executive@example.org"
ADMIN = "scale-admin@example.org"
LEADER = "scale-leader@example.org"

# (who, path, htmx): the benchmark's hot pages (tests/perf), for each kind of person.
PAGES = [
    (CHAMPION, "/", False),
    (CHAMPION, "/issues", False),
    (CHAMPION, "/issues?status=open&unit={unit}&sort=priority", True),
    (CHAMPION, "/issues/{issue}", False),
    (CHAMPION, "/issues?q=pump&unit={unit}", True),
    (CHAMPION, '/issues?q="call light"', True),
    (CHAMPION, "/meetings/{meeting}", False),
    (EXECUTIVE, "/", False),
    (EXECUTIVE, "/issues", False),
    (EXECUTIVE, "/issues?page=2", False),
    (EXECUTIVE, "/issues?status=open", True),
    (EXECUTIVE, "/issues?sort=newest", True),
    (EXECUTIVE, "/issues?sort=oldest", True),
    (EXECUTIVE, "/issues?sort=due", True),
    (EXECUTIVE, "/issues?sort=updated", True),
    (EXECUTIVE, "/issues/{issue}", False),
    (EXECUTIVE, "/issues?q=pump", True),
    (EXECUTIVE, "/issues?q=pump+alarm&sort=priority", True),
    (EXECUTIVE, "/rounds/{round}/briefing", False),
    (EXECUTIVE, "/barriers/mine", False),
    (ADMIN, "/", False),
    (ADMIN, "/issues", False),
    (ADMIN, "/issues?status=open", True),
    (ADMIN, "/issues?sort=newest", True),
    (ADMIN, "/issues?sort=due", True),
    (ADMIN, "/issues?sort=updated", True),
    (ADMIN, "/issues/{issue}", False),
    (ADMIN, "/issues?q=infus*", True),
    (LEADER, "/", False),
    (LEADER, "/issues", False),
    (LEADER, "/issues?page=2", False),
    (LEADER, "/issues?status=open", True),
]

# Tables that grow with the hospital besides safety_issue: a statement reading one of them
# whole fails too (SQLite's SCAN without an index; PostgreSQL's Seq Scan).
LARGE_TABLES = ("barrier", "barrier_note", "issue_update", "voice_concern")


async def _ids() -> dict:
    unit = (
        await db.raw(
            "SELECT m.unit AS id FROM membership m JOIN person p ON p.id = m.person "
            "WHERE p.email = {} AND m.unit_role = 'champion' ORDER BY m.unit LIMIT 1",
            CHAMPION,
        )
    )[0]["id"]
    issue = (
        await db.raw("SELECT id FROM safety_issue WHERE unit = {} ORDER BY id DESC LIMIT 1", unit)
    )[0]["id"]
    rnd = await db.raw(
        "SELECT id FROM safety_round WHERE unit = {} AND status IN ('briefed', 'scheduled') "
        "ORDER BY scheduled_at LIMIT 1",
        unit,
    )
    meeting = await db.raw(
        "SELECT id FROM meeting WHERE unit = {} AND status = 'scheduled' "
        "ORDER BY scheduled_at LIMIT 1",
        unit,
    )
    return {"unit": unit, "issue": issue, "round": rnd[0]["id"], "meeting": meeting[0]["id"]}


def _aliases(sql: str) -> set[str]:
    """The names safety_issue goes by in a statement (itself and its aliases)."""
    names = {"safety_issue"}
    pattern = r'"?safety_issue"?\s+(?:AS\s+)?(?:"([\w$]+)"|(\w+))'
    for match in re.finditer(pattern, sql, re.IGNORECASE):
        word = match.group(1) or match.group(2)
        if word.upper() not in {"WHERE", "JOIN", "LEFT", "ON", "ORDER", "GROUP", "LIMIT", "SET"}:
            names.add(word)
    return names


def _unit_only(condition: str) -> bool:
    """True when an index condition narrows the rows by unit alone ("unit=?", "(unit = ANY
    (...))"): all of a unit's rows, a number that grows with the hospital. A condition on any
    other column (the issue's id, its owner, a date window) bounds the rows by itself."""
    parts = [p.strip(" ()") for p in re.split(r"\bAND\b", condition) if p.strip(" ()")]
    return all(re.match(r'(?:\w+\.)?"?unit"?\s*(?:=|<|>|IN\b)', p) for p in parts)


async def _sqlite_problems(sql: str, args: list) -> list[str]:
    """Fails: a SCAN of safety_issue without an index; a walk of a whole index without a LIMIT;
    rows read by unit alone and then sorted (a temporary B-tree for the ORDER BY in the same
    query level: every row of the units is read to give the first few)."""
    conn = db.current_engine().plain_reader()
    names = _aliases(sql)
    limited = re.search(r"\bLIMIT\b", sql, re.IGNORECASE) is not None
    rows = conn.execute("EXPLAIN QUERY PLAN " + sql, args).fetchall()
    sorted_levels = {row[1] for row in rows if "TEMP B-TREE FOR" in row[3] and "ORDER BY" in row[3]}
    problems = []
    for _id, parent, _, detail in rows:
        scan = re.match(r"SCAN (\w+)( USING (?:COVERING )?INDEX \w+)?", detail)
        if scan and scan.group(1) in names:
            if not scan.group(2):
                problems.append(detail)
            elif not limited or parent in sorted_levels:
                problems.append(
                    detail + " (a whole index" + (", then sorted)" if limited else ", no LIMIT)")
                )
        search = re.match(r"SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \((.*)\)", detail)
        if search and search.group(1) in names and parent in sorted_levels:
            if _unit_only(search.group(2)):
                problems.append(detail + " (every row of the units, then sorted)")
            elif re.search(r"[<>]", search.group(2)):
                # a date range of the units' rows read whole to give the first few: a
                # fortnight of stoplight changes, or every feedback due, at a million issues
                problems.append(detail + " (a range of the units' rows, then sorted)")
        if scan and not scan.group(2) and scan.group(1) in LARGE_TABLES:
            problems.append(detail + " (a whole table that grows with the hospital)")
    return problems


def _pg_nodes(plan: dict, bounded: bool = False):
    """Each node with whether a Limit stops it (a Sort between the two means it does not)."""
    yield plan, bounded
    if plan["Node Type"] == "BitmapAnd" and any(
        not _unit_only(child.get("Index Cond", "")) for child in plan.get("Plans", [])
    ):
        bounded = True  # the unit's rows that also match another index's condition (a search)
    elif plan["Node Type"] == "Limit":
        bounded = True
    elif plan["Node Type"] in ("Sort", "Hash", "Materialize"):
        bounded = False
    for child in plan.get("Plans", []):
        yield from _pg_nodes(child, bounded)


async def _pg_problems(sql: str, args: list) -> list[str]:
    """Fails: a Seq Scan of safety_issue; an index scan with no condition, or with a condition
    on the unit alone, unless a Limit stops it with no Sort in between."""
    engine = db.current_engine()
    async with engine.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            # The test tables are tiny, so the planner would rightly read them whole and sort:
            # told (in this transaction only, rolled back) that safety_issue holds a million
            # rows, it plans as it would at that size; a sequential scan is also kept off.
            await conn.execute(
                "UPDATE pg_class SET reltuples = 1000000 WHERE relname = ANY($1::text[])",
                ["safety_issue", *LARGE_TABLES],
            )
            await conn.execute("SET LOCAL enable_seqscan = off")
            out = await conn.fetchval("EXPLAIN (FORMAT JSON) " + sql, *args)
        finally:
            await transaction.rollback()
    plan = json.loads(out)[0]["Plan"]
    problems = []
    nodes = list(_pg_nodes(plan))
    for node, bounded in nodes:
        kind = node["Node Type"]
        if node.get("Relation Name") == "safety_issue" and kind == "Seq Scan":
            problems.append("Seq Scan on safety_issue")
        if node.get("Relation Name") in LARGE_TABLES and kind == "Seq Scan":
            problems.append(f"Seq Scan on {node['Relation Name']}")
        if "Index" not in kind or not (node.get("Index Name") or "").startswith("safety_issue"):
            continue
        condition = node.get("Index Cond", "")
        if (not condition or _unit_only(condition)) and not bounded:
            problems.append(
                f"{kind} on {node.get('Index Name')} ({condition or 'no condition'}) not stopped by a Limit"
            )
    return problems


@pytest.mark.slow
async def test_hot_pages_never_scan_safety_issue(engine, make_client):
    await scale.build_scale(units=12, issues=1200, password=PASSWORD, quiet=True)
    if not db.is_sqlite():
        await db.raw("ANALYZE")
    ids = await _ids()
    captured: list[tuple[str, list]] = []
    db.statement_listeners.append(lambda sql, args: captured.append((sql, args)))
    failures = []
    try:
        clients = {}
        for who, path, htmx in PAGES:
            if who not in clients:
                clients[who] = make_client()
                await sign_in(clients[who], who, PASSWORD)
            captured.clear()
            url = path.format(**ids)
            response = await clients[who].get(url, headers={"HX-Request": "true"} if htmx else {})
            assert response.status_code == 200, (who, url, response.status_code)
            statements = list(captured)
            assert any("safety_issue" in sql for sql, _ in statements) or path in (
                "/barriers/mine",
                "/meetings/{meeting}",
            ), (who, url)
            for sql, args in statements:
                if not any(table in sql for table in ("safety_issue", *LARGE_TABLES)) or (
                    not sql.lstrip().upper().startswith(("SELECT", "WITH"))
                ):
                    continue
                check = _sqlite_problems if db.is_sqlite() else _pg_problems
                for problem in await check(sql, args):
                    failures.append(f"{who} {url}: {problem}\n    {sql}")
    finally:
        db.statement_listeners.clear()
    assert not failures, "\n".join(failures)
