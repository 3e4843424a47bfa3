"""Every form and every query parameter, filled with hostile values (hypothesis): never a 5xx,
never a traceback, never markup reflected unescaped; forms answer with the page re-rendered
(200, with a message when refused), a redirect (303) or a clear refusal (4xx)."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from tests.conftest import World, sign_in
from tests.hostile.common import (
    HOSTILE,
    XSS,
    assert_sane,
    examples,
    fill,
    find_form,
    ids_for,
    route_table,
)
from tests.perf.http import forms as parse_forms

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` for a quick loop

ROUTES = route_table()
POSTS = [p for p, m, o in ROUTES if m == "POST" and p not in ("/login", "/logout")]
GETS = [p for p, m, o in ROUTES if m == "GET" and not p.startswith("/static")]
EXAMPLES = 6


def _who(path: str) -> str:
    # The champion of unit B can change unit B's objects (the factories put them there); admin pages need admin.
    return "admin" if path.startswith("/admin") else "outsider"


@pytest.mark.parametrize("path", POSTS)
async def test_hostile_form(app, make_client, world, path):
    ids = await ids_for(world)
    url = fill(path, ids)
    async with make_client() as client:
        await sign_in(client, World.EMAILS[_who(path)])
        form = await find_form(client, url)
        fields = dict(form.values) if form else {"description": "", "name": "", "body": ""}
        fields.pop("_csrf_token", None)
        token = client.cookies.get("rounds_csrf")

        strategy = st.tuples(
            st.fixed_dictionaries(
                {name: st.one_of(st.just(original), HOSTILE) for name, original in fields.items()}
            ),
            st.one_of(st.none(), st.text(min_size=1, max_size=12)),
        )
        for values, extra in examples(strategy, EXAMPLES):
            if extra:
                values = {**values, extra: XSS}
            for htmx in (False, True):
                response = await client.post(
                    url,
                    data={**values, "_csrf_token": token},
                    headers={"HX-Request": "true"} if htmx else {},
                )
                assert_sane(response, (url, values, htmx))
                assert response.status_code in (200, 201, 204, 303, 400, 403, 404, 409, 413, 422), (
                    url,
                    response.status_code,
                )
                if (
                    response.status_code == 200
                    and not htmx
                    and "text/html" in response.headers.get("content-type", "")
                ):
                    assert "<main" in response.text, (url, "a re-rendered form is a whole page")


@pytest.mark.parametrize("path", GETS)
async def test_hostile_query_parameters(app, make_client, world, path):
    ids = await ids_for(world)
    url = fill(path, ids)
    async with make_client() as client:
        if path not in ("/login", "/healthz") and not path.startswith("/calendar"):
            await sign_in(client, World.EMAILS[_who(path)])
        first = await client.get(url)
        assert_sane(first, url)
        names = {"page", "q", "unit", "status", "sort", "next"}
        if "text/html" in first.headers.get("content-type", ""):
            for form in parse_forms(first.text):
                if form.method == "get":
                    names.update(form.values)

        strategy = st.fixed_dictionaries({}, optional={n: HOSTILE for n in sorted(names)})
        for params in examples(strategy, EXAMPLES):
            for htmx in (False, True):
                response = await client.get(
                    url, params=params, headers={"HX-Request": "true"} if htmx else {}
                )
                assert_sane(response, (url, params, htmx))


@pytest.mark.parametrize(
    "value",
    ["0", "-1", "2147483648", "9223372036854775808", "99999999999999999999", "1e3", "abc", "%00"],
)
async def test_hostile_path_ids(app, client, world, login, value):
    """Out-of-range, negative and non-numeric ids in every path: a 404 (or 400), never a 5xx."""
    import re

    await login(client, "admin")
    for path in sorted({p for p in GETS if "{" in p}):
        url = re.sub(r"\{\w+:int\}", value, path)
        url = re.sub(r"\{\w+(?::\w+)?\}", "x", url)
        response = await client.get(url)
        assert_sane(response, url)
        assert response.status_code in (400, 404, 403, 303), (url, response.status_code)


async def test_no_form_shows_python_none(app, make_client, world):
    """An empty optional value (a date not set yet) renders as an empty field, never as "None"
    (a text field would show the word; a date field would be submitted back invalid)."""
    ids = await ids_for(world)
    async with make_client() as client:
        await sign_in(client, World.EMAILS["admin"])
        for path in GETS:
            if path in ("/login", "/healthz") or path.startswith("/calendar"):
                continue
            response = await client.get(fill(path, ids))
            if response.status_code == 200 and "text/html" in response.headers.get(
                "content-type", ""
            ):
                assert (
                    'value="None"' not in response.text and ">None</textarea>" not in response.text
                ), path
