"""Reused fragments (rounds/web/fragments.py): equal inputs give the cached HTML, any changed input
gives fresh HTML, and a fragment cannot see the page it is used in."""

from datetime import date

from jinja2 import DictLoader, Environment, select_autoescape

from rounds.issues.log import LogRow, decorate_row
from rounds.web.fragments import FragmentCache

TEMPLATES = {
    "row.html": "{% macro row(i, today) %}<li>{{ i.description }} {{ today }} {{ secret }}</li>{% endmacro %}",
    "page.html": "<ul>{{ fragment.each('row.html:row', rows, today=today) }}</ul>",
}


def env_with(maxsize: int) -> Environment:
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    env.globals["fragment"] = FragmentCache(env, maxsize)
    return env


def row(**values) -> LogRow:
    return LogRow({"id": 1, "description": "Pumps missing", **values})


def test_equal_inputs_reuse_and_changed_inputs_render_again():
    env = env_with(100)
    page = env.get_template("page.html")
    first = page.render(rows=[row()], today=date(2026, 1, 5))
    assert first == "<ul><li>Pumps missing 2026-01-05 </li></ul>"
    assert page.render(rows=[row()], today=date(2026, 1, 5)) == first
    assert "Pumps are back" in page.render(
        rows=[row(description="Pumps are back")], today=date(2026, 1, 5)
    )
    assert "2026-01-06" in page.render(rows=[row()], today=date(2026, 1, 6))
    cache_info = env.globals["fragment"]._cached.cache_info()
    assert cache_info.hits == 1 and cache_info.misses == 3


def test_fragment_escapes_and_sees_nothing_of_the_page():
    env = env_with(100)
    html = env.get_template("page.html").render(
        rows=[row(description="<script>x</script>")],
        today=date(2026, 1, 5),
        secret="another person's page",
    )
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "another person" not in html


def test_cache_off_renders_the_same():
    on, off = env_with(100), env_with(0)
    rows = [row(id=n, description=f"Issue {n}") for n in range(5)]
    assert on.get_template("page.html").render(
        rows=rows, today=date(2026, 1, 5)
    ) == off.get_template("page.html").render(rows=rows, today=date(2026, 1, 5))


def test_log_rows_are_equal_by_their_database_values():
    today = date(2026, 1, 5)
    values = {
        "id": 7,
        "description": "Call lights",
        "status": "new",
        "due_on": "2026-01-01",
        "identified_on": "2025-12-01",
        "feedback_due_on": None,
        "feedback_given_on": None,
    }
    a, b = decorate_row(dict(values), today), decorate_row(dict(values), today)
    assert a == b and hash(a) == hash(b)
    assert a.due_on == date(2026, 1, 1) and a["id"] == 7
    assert decorate_row({**values, "status": "planned"}, today) != a
