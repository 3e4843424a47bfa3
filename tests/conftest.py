"""Test fixtures: a fresh database per test (SQLite by default, PostgreSQL when
ROUNDS_TEST_DATABASE_URL=postgresql://... is set), the app in its lifespan, an httpx client,
and a small two-unit hospital (`world`) with one person per role.

SQLite: the schema is migrated once into a template file per run, and copied for each test.
PostgreSQL: a uniquely named database is created per run (so parallel runs never collide),
migrated once, and every table is truncated before each test.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx
import pytest
from asgi_lifespan import LifespanManager
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from jinja2 import BytecodeCache

from rounds import db, migrations
from rounds.app import create_app
from rounds.audit import service as audit_service
from rounds.auth import passwords
from rounds.core import clock
from rounds.core.tables import Membership, Person, Unit
from rounds.install import ensure_defaults
from rounds.settings import Settings

# Property tests check behaviour, not speed (speed is the benchmark's): no per-example deadline
# or "too slow" health check, which failed on a loaded 2-core machine.
hypothesis_settings.register_profile(
    "rounds", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("rounds")

PG_URL = os.environ.get("ROUNDS_TEST_DATABASE_URL", "")

# Test-only: argon2id at its cheapest (t=1, 64 KiB) instead of OWASP's t=2, 19 MiB, so the suite's
# hundreds of sign-ins cost well under 1 ms each instead of ~60 ms (~120 ms on a loaded machine). Same
# algorithm and code path (hash, verify, the dummy hash for unknown e-mails); production keeps
# its parameters (tests/test_auth.py::test_production_password_hashing_keeps_owasp_parameters).
PRODUCTION_HASHER = passwords._hasher
passwords._hasher = passwords.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
passwords._DUMMY_HASH = passwords._hasher.hash("not-a-real-password")

PASSWORD = "correct horse battery staple"
PASSWORD_HASH = passwords.hash_sync(PASSWORD)
TEST_SECRET = "test-secret-key-" + "x" * 40
audit_service.configure(
    TEST_SECRET
)  # tests that call services without an app still write a valid chain


def pytest_report_header(config):
    return f"rounds database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}"


def pytest_collection_modifyitems(config, items):
    """Browser tests need Chromium; on PostgreSQL runs only database-facing tests run."""
    for item in items:
        if "browser" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.browser)
    # Playwright's sync API keeps an event loop running in this thread once started, which
    # pytest-asyncio cannot share: run every browser test after the async tests.
    items.sort(key=lambda item: "browser" in item.keywords)
    if PG_URL:
        skip = pytest.mark.skip(reason="browser tests run in the SQLite pass")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


def run_in_thread(coroutine_fn, *args):
    """asyncio.run in a fresh thread: safe even while Playwright's sync API holds this thread's loop."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_fn(*args))).result()


def _with_database(url: str, name: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """SQLite: path of a migrated template file. PostgreSQL: URL of a fresh migrated database."""
    if PG_URL:
        import asyncpg

        name = f"rounds_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"

        async def create():
            conn = await asyncpg.connect(_with_database(PG_URL, "postgres"))
            await conn.execute(f'CREATE DATABASE "{name}"')
            await conn.close()
            engine = db.make_engine(_with_database(PG_URL, name))
            await db.start(engine)
            await migrations.migrate(engine)
            await db.stop(engine)

        run_in_thread(create)
        yield _with_database(PG_URL, name)

        async def drop():
            conn = await asyncpg.connect(_with_database(PG_URL, "postgres"))
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()

        run_in_thread(drop)
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"

        async def create():
            engine = db.make_engine(f"sqlite:///{path}")
            await migrations.migrate(engine)
            await ensure_defaults()
            await db.stop(engine)

        run_in_thread(create)
        yield path


@pytest.fixture
async def engine(database_template, tmp_path):
    """A migrated, empty database (with default categories and settings) bound to every table."""
    if PG_URL:
        engine = db.make_engine(database_template, pool_size=4)
        db.bind(engine)
        await db.start(engine)
        tables = ", ".join(f'"{t._meta.tablename}"' for t in db.all_tables())
        await db.raw(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        await db.raw("INSERT INTO audit_head (seq, last_hash) VALUES (0, '')")
        await ensure_defaults()
    else:
        path = tmp_path / "rounds.sqlite3"
        shutil.copy(database_template, path)
        engine = db.make_engine(f"sqlite:///{path}")
        db.bind(engine)
    yield engine
    await db.stop(engine)


@pytest.fixture
def settings(engine, tmp_path) -> Settings:
    url = engine_url(engine)
    return Settings(
        database_url=url,
        secret_key=TEST_SECRET,
        cookie_secure=False,
        var_dir=tmp_path / "var",
        timezone="America/New_York",
    )


def engine_url(engine) -> str:
    if isinstance(engine, db.KeptSQLiteEngine):
        return f"sqlite:///{engine.path}"
    cfg = engine.config
    return (
        f"postgresql://{cfg.get('user', 'postgres')}@{cfg['host']}:{cfg['port']}/{cfg['database']}"
    )


class _TemplateBytecode(BytecodeCache):
    """Test-only: each test's app compiles its Jinja templates once per process instead of once
    per test. Keyed by template name and a checksum of its source, so an edited template is
    compiled afresh."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self.store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_BYTECODE = _TemplateBytecode()


@pytest.fixture
async def app(settings, engine):
    application = create_app(settings, engine=engine)
    application.template_engine.engine.bytecode_cache = TEMPLATE_BYTECODE
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def client(app):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", follow_redirects=False
    ) as c:
        yield c


@pytest.fixture
def make_client(app):
    """More clients (other people) against the same app: `async with make_client() as c:`."""

    def factory():
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            follow_redirects=False,
        )

    return factory


# --- people and units ---------------------------------------------------------------------


async def create_unit(name: str, *, kind: str = "med-surg", headcount: int = 50) -> int:
    row = await Unit.insert(
        Unit(
            name=name,
            kind=kind,
            facility="Test Hospital",
            staff_headcount=headcount,
            active=True,
            created_at=clock.now(),
        )
    ).returning(Unit.id)
    return row[0]["id"]


async def create_person(
    email: str,
    role: str,
    units: dict[int, str] | None = None,
    *,
    name: str | None = None,
    active: bool = True,
) -> int:
    row = await Person.insert(
        Person(
            email=email,
            display_name=name or email.split("@")[0].title(),
            role=role,
            password_hash=PASSWORD_HASH,
            active=active,
            created_at=clock.now(),
        )
    ).returning(Person.id)
    person_id = row[0]["id"]
    for unit_id, unit_role in (units or {}).items():
        await Membership.insert(Membership(person=person_id, unit=unit_id, unit_role=unit_role))
    return person_id


@dataclass
class World:
    """Two units. Everyone except admin and leader belongs to unit A only, except `outsider` (unit B)."""

    unit_a: int
    unit_b: int
    people: dict[str, int] = field(default_factory=dict)  # key -> person id

    EMAILS = {
        "admin": "admin@test.org",
        "executive": "exec@test.org",
        "champion": "champ@test.org",
        "member": "member@test.org",
        "leader": "leader@test.org",
        "outsider": "champ.b@test.org",
    }


@pytest.fixture
async def world(engine) -> World:
    a = await create_unit("Unit A ICU", kind="icu", headcount=40)
    b = await create_unit("Unit B Med-Surg", headcount=30)
    w = World(unit_a=a, unit_b=b)
    w.people["admin"] = await create_person(World.EMAILS["admin"], "admin", name="Ada Admin")
    w.people["executive"] = await create_person(
        World.EMAILS["executive"], "executive", {a: "executive"}, name="Eve Executive"
    )
    w.people["champion"] = await create_person(
        World.EMAILS["champion"], "champion", {a: "champion"}, name="Chris Champion"
    )
    w.people["member"] = await create_person(
        World.EMAILS["member"], "member", {a: "member"}, name="Max Member"
    )
    w.people["leader"] = await create_person(World.EMAILS["leader"], "leader", name="Lee Leader")
    w.people["outsider"] = await create_person(
        World.EMAILS["outsider"], "champion", {b: "champion"}, name="Olly Outsider"
    )
    return w


# --- signing in and posting forms ---------------------------------------------------------

CSRF_COOKIE = "rounds_csrf"
SESSION_COOKIE = "rounds_session"


async def csrf_token(client: httpx.AsyncClient) -> str:
    token = client.cookies.get(CSRF_COOKIE)
    if not token:
        await client.get("/login")
        token = client.cookies.get(CSRF_COOKIE)
    return token


async def post_form(
    client: httpx.AsyncClient, url: str, data: dict | None = None, *, htmx: bool = False, **kwargs
) -> httpx.Response:
    """POST a form the way a browser does, with the CSRF token."""
    token = await csrf_token(client)
    headers = {"HX-Request": "true"} if htmx else {}
    headers.update(kwargs.pop("headers", {}))
    return await client.post(
        url, data={**(data or {}), "_csrf_token": token}, headers=headers, **kwargs
    )


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    response = await post_form(
        client, "/login", {"email": email, "password": password, "next": "/"}
    )
    assert response.status_code == 303, f"sign-in failed for {email}: {response.status_code}"
    return response


@pytest.fixture
def login():
    """`await login(client, "champion")` signs in a World person by key (or an e-mail)."""

    async def do(client: httpx.AsyncClient, who: str) -> None:
        await sign_in(client, World.EMAILS.get(who, who))

    return do


def form_error(html: str, field: str) -> str | None:
    """The error message shown next to a field, or None."""
    match = re.search(rf'id="{re.escape(field)}-error"[^>]*>(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>|⚠", "", match.group(1)).strip() if match else None


class FakeClock:
    """Move time in tests: `fake_clock.advance(minutes=16)`."""

    def __init__(self, monkeypatch):
        from datetime import UTC, datetime

        self.current = datetime.now(UTC)
        monkeypatch.setattr(clock, "now", lambda: self.current)

    def advance(self, **kwargs):
        from datetime import timedelta

        self.current += timedelta(**kwargs)


@pytest.fixture
def fake_clock(monkeypatch):
    return FakeClock(monkeypatch)


@pytest.fixture
def query_counter():
    """Counts every SQL statement (Piccolo's and db.fetch's, on both databases) while the block
    runs: `with query_counter() as counted: ...; assert counted.n <= 5`."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        box = type("Counted", (), {"n": 0, "queries": []})()

        def listen(statement: str) -> None:
            box.n += 1
            box.queries.append(statement)

        db.query_listeners.append(listen)
        try:
            yield box
        finally:
            db.query_listeners.remove(listen)

    return counting


_ = Path  # keep import for fixtures in sub-conftests
