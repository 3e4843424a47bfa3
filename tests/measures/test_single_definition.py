"""One definition per measure: the services and templates do not derive a measure a second time,
and the README table says what each measure's docstring says."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from rounds.measures import definitions as d

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {"rounds/measures"}  # where the measures are defined

# Ways a second copy of a measure has been (or could be) written.
RE_DERIVATIONS = {
    "feedback overdue, in SQL": re.compile(r"feedback_given_on IS NULL", re.I),
    "feedback overdue or pending, in Piccolo": re.compile(r"feedback_given_on\.is_null\(\)"),
    "fix overdue, in SQL": re.compile(r"due_on < \{\}|due_on\s*<\s*\?"),
    "fix or feedback overdue, in Piccolo": re.compile(
        r"SafetyIssue\.(feedback_)?due_on\s*<\s*today"
    ),
    "barrier overdue, by hand": re.compile(
        r"next_follow_up_on\"?\]?\s*<\s*today|next_follow_up_on < \{\}"
    ),
    "a rate per 1,000 by hand": re.compile(r"\*\s*1000\s*/|1000\s*\*\s*\w+\s*/"),
    "a percentage by hand": re.compile(r"round\(\s*100\s*\*"),
    "staff reach from staff counts": re.compile(r"sum\([^)]*staff_count"),
    "a median outside the measures": re.compile(r"statistics\.median|\bmedian\("),
    "the feedback window by hand": re.compile(
        r"(identified|raised|feedback_due_on).*\+\s*timedelta\(days=(14|window|await feedback)"
    ),
    "percent in a template": re.compile(r"\*\s*100\s*/|/\s*\w+\s*\*\s*100"),
}
# Lines that look like a measure but are not one (say why).
EXEMPT = {
    # the tracking log's filter chips and row flags: desk's hot SQL, same conditions, see log.py
    ("rounds/issues/log.py", "feedback overdue, in SQL"),
    ("rounds/issues/log.py", "fix overdue, in SQL"),
    # the benchmark's data generator writes 100,000 rows as plain tuples, with the default window
    ("rounds/scale.py", "the feedback window by hand"),
}


def _files():
    for path in sorted((ROOT / "rounds").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if any(rel.startswith(a) for a in ALLOWED) or "piccolo_migrations" in rel:
            continue
        yield rel, path.read_text()
    for path in sorted((ROOT / "templates").rglob("*.html")):
        yield path.relative_to(ROOT).as_posix(), path.read_text()


def test_no_second_computation_of_a_measure():
    found = []
    for rel, text in _files():
        for name, pattern in RE_DERIVATIONS.items():
            if (rel, name) in EXEMPT:
                continue
            for number, line in enumerate(text.splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{rel}:{number}: {name}: {line.strip()}")
    assert not found, "use rounds.measures instead:\n" + "\n".join(found)


def test_the_patterns_catch_the_old_code():
    """The grep must be able to fail: each pattern matches the kind of line it once found."""
    old = {
        "feedback overdue, in SQL": "WHERE feedback_given_on IS NULL AND feedback_due_on < {}",
        "feedback overdue or pending, in Piccolo": "& SafetyIssue.feedback_given_on.is_null()",
        "fix overdue, in SQL": "SUM(CASE WHEN due_on < {} THEN 1 ELSE 0 END)",
        "fix or feedback overdue, in Piccolo": "& (SafetyIssue.due_on < today)",
        "barrier overdue, by hand": "SUM(CASE WHEN next_follow_up_on < {} THEN 1 ELSE 0 END)",
        "a rate per 1,000 by hand": "return round(count * 1000 / days, 2)",
        "a percentage by hand": "round(100 * given / report.resolved)",
        "staff reach from staff counts": 'sum(r["staff_count"] or 0 for r in completed)',
        "a median outside the measures": "round(statistics.median(values), 1)",
        "the feedback window by hand": "identified + timedelta(days=14)",
        "percent in a template": "{{ (r.given * 100 / r.total) | round }}",
    }
    for name, line in old.items():
        assert RE_DERIVATIONS[name].search(line), name


def test_readme_table_has_every_measure():
    readme = re.sub(r"\s+", " ", (ROOT / "README.md").read_text())
    for fn in d.MEASURES:
        first = re.sub(r"\s+", " ", fn.__doc__.split(":", 1)[0]).strip()
        assert first in readme, fn.__name__
        sentence = re.sub(r"\s+", " ", fn.__doc__).split(". ")[0].split(": ", 1)[1]
        assert sentence in readme, (fn.__name__, sentence)


def test_pure_definitions():
    assert d.percent(2, 3) == 67 and d.percent(1, 8) == 13  # 12.5 rounds half up
    assert d.percent(0, 0) is None
    assert d.fed_back_pct(8, 4) == 67 and d.fed_back_pct(0, 0) is None
    assert d.fed_back_on_time_pct(6, 8, 4) == 50
    assert d.median_days_to_feedback([1, 7, 9, 10, 13, 14, 19, 24]) == 11.5
    assert d.median_days_to_feedback([]) is None
    assert d.staff_reach_pct(34, 30) == 100 and d.staff_reach_pct(22, 40) == 55
    assert d.staff_reach_pct(5, 0) is None
    assert d.rounds_done_pct(4, 6) == 67 and d.rounds_done_pct(0, 0) is None
    today = date(2026, 6, 15)
    assert d.is_feedback_overdue({"feedback_due_on": date(2026, 6, 14)}, today)
    assert not d.is_feedback_overdue({"feedback_due_on": today}, today)  # due today: not yet
    assert not d.is_feedback_overdue(
        {"feedback_due_on": date(2026, 6, 1), "feedback_given_on": date(2026, 6, 2)}, today
    )
    assert d.is_fix_overdue({"status": "planned", "due_on": date(2026, 6, 14)}, today)
    assert not d.is_fix_overdue({"status": "resolved", "due_on": date(2026, 6, 14)}, today)
    assert d.is_barrier_overdue({"status": "open", "next_follow_up_on": None}, today)
    assert d.harm_rate(3, 2000) == 1.5 and d.harm_rate(1, 0) is None
    assert d.default_feedback_due(date(2026, 6, 1), 14) == date(2026, 6, 15)
