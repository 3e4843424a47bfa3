"""Shared pieces for the hostile-input tests: the app's routes (read at collection time),
path ids for real objects, form discovery, and hostile values."""

from __future__ import annotations

import re
from importlib import import_module

from hypothesis import strategies as st

from rounds.features import FEATURE_MODULES
from tests.perf.http import forms as parse_forms

PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
# Routes anyone may reach without a session: sign-in, health, static files, the calendar feed
# (its URL carries a secret token instead).
PUBLIC = {
    "/login",
    # the sign-in steps: the second-factor code (needs a signed note from a correct password)
    # and single sign-on (needs the provider's answer to a flow started in this browser)
    "/login/code",
    "/login/sso",
    "/login/sso/callback",
    "/healthz",
    "/calendar/{token:str}",
    "/calendar/{token:str}.ics",
    # concerns from staff and families: a unit's form (its URL carries a secret token) and the
    # sender's reference page (by code); rounds/voice
    "/s/{unit_token:str}",
    "/c",
    "/c/{code:str}",
}
XSS = '<script>alert("hostile")</script>'


def route_table() -> list[tuple[str, str, dict]]:
    """(path, method, opt) for every handler, without building an app."""
    from rounds.app import healthz

    handlers = [healthz]
    for name in FEATURE_MODULES:
        handlers.extend(import_module(name).route_handlers)
    out = []
    for handler in handlers:
        for path in handler.paths:
            for method in sorted(handler.http_methods):
                if method not in ("HEAD", "OPTIONS"):
                    out.append((path, method, dict(handler.opt)))
    return sorted(out, key=lambda r: (r[0], r[1]))


def load_factories() -> dict:
    from tests.test_access import OBJECT_FACTORIES, _load_feature_factories

    _load_feature_factories()
    return OBJECT_FACTORIES


STR_DEFAULTS = {"change": "up", "direction": "up", "token": "not-a-real-token"}


async def ids_for(world) -> dict[str, int]:
    ids = {}
    for param, factory in load_factories().items():
        try:
            ids[param] = await factory(world)
        except Exception:  # a factory from a feature in flux must not hide every other route
            continue
    return ids


def fill(path: str, ids: dict) -> str:
    def one(m):
        name, kind = m.group(1), m.group(2)
        if name in ids:
            return str(ids[name])
        return STR_DEFAULTS.get(name, "x") if kind == "str" else "1"

    return PARAM.sub(one, path)


def candidates(url: str) -> list[str]:
    """Pages that may hold the form posting to `url`: itself, then each parent path."""
    parts = url.split("?")[0].rstrip("/").split("/")
    return ["/".join(parts[:i]) or "/" for i in range(len(parts), 1, -1)]


async def find_form(client, url: str):
    for page in candidates(url):
        response = await client.get(page)
        if response.status_code != 200 or "text/html" not in response.headers.get(
            "content-type", ""
        ):
            continue
        for form in parse_forms(response.text):
            if form.method == "post" and form.action.split("?")[0] == url:
                return form
    return None


# Hostile values: long, empty, Unicode, control characters, NUL, markup, SQL-looking text,
# wrong types, impossible dates and numbers.
HOSTILE = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "\r\n\t",
            "\u202e\u200b",
            "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ 🏥 ñ",
            "x" * 20_000,
            XSS,
            '"><img src=x onerror=alert(1)>',
            "'; DROP TABLE safety_issue; --",
            "1 OR 1=1",
            "%",
            "_",
            "\\",
            "-1",
            "0",
            "99999999999999999999",
            "9223372036854775808",
            "2147483648",
            "1e309",
            "NaN",
            "3.5",
            "true",
            "2026-02-30",
            "0000-00-00",
            "9999-12-31",
            "../../etc/passwd",
            "[]",
            "{}",
            "null",
            "None",
        ]
    ),
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), max_size=10),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def assert_sane(response, context) -> None:
    assert response.status_code < 500, (context, response.status_code, response.text[:300])
    body = response.text
    assert "Traceback" not in body and 'File "' not in body, context
    assert XSS not in body, ("markup reflected unescaped", context)


def examples(strategy, n: int = 12) -> list:
    """Draw n examples from a strategy (hypothesis generates; the async test sends them).

    Hypothesis cannot drive an async function inside a running event loop, so the values are
    drawn first and replayed; every failure message carries the exact values sent.
    """
    from hypothesis import HealthCheck, given, settings

    out = []

    @settings(
        max_examples=n,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )
    @given(strategy)
    def collect(value):
        out.append(value)

    collect()
    return out
