"""Database engines chosen by URL, SQLite tuning, Postgres pool, write transactions.

Piccolo binds a table to an engine on first use and caches it, so Rounds binds every table
explicitly with `bind(engine)` when the app starts (tests bind a fresh database per test).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.querystring import QueryString

APPS = (
    "rounds.core.piccolo_app",
    "rounds.rounding.piccolo_app",
    "rounds.issues.piccolo_app",
    "rounds.barriers.piccolo_app",
    "rounds.meetings.piccolo_app",
    "rounds.voice.piccolo_app",
    "rounds.auth.piccolo_app",
)


# --- counting queries per request (ROUNDS_COUNT_QUERIES=1; used by the benchmark) ------------
# The session middleware opens a counter per request and reports it in an X-Query-Count header.
COUNT_QUERIES = os.environ.get("ROUNDS_COUNT_QUERIES") == "1"
_query_count: ContextVar[list[int] | None] = ContextVar("rounds_query_count", default=None)


def start_counting() -> list[int]:
    box = [0]
    _query_count.set(box)
    return box


# Tests' query counters listen here, so they see every statement, db.fetch's included.
query_listeners: list = []


# ... and here with what runs: `listen(sql, args)`, the SQL in the driver's own placeholders
# (tests/test_query_plans.py runs EXPLAIN over every statement a hot page sends).
statement_listeners: list = []


def _count_one(statement: str | QueryString = "", args: tuple | list | None = None) -> None:
    box = _query_count.get()
    if box is not None:
        box[0] += 1
    for listen in query_listeners:
        listen(str(statement))
    if statement_listeners:
        if isinstance(statement, str):
            sql = statement
        else:  # a Piccolo QueryString
            sql, args = statement.compile_string(engine_type=current_engine().engine_type)
        for listen in statement_listeners:
            listen(sql, list(args or ()))


def all_tables():
    from importlib import import_module

    tables = []
    for app in APPS:
        tables.extend(import_module(app).APP_CONFIG.table_classes)
    return tables


class KeptSQLiteEngine(SQLiteEngine):
    """SQLiteEngine that keeps its connections instead of opening one (and a thread) per query.

    Measured with the benchmark (tests/perf): Piccolo's stock engine opens and closes a
    connection and a thread per query, which costs far more than the query.

    - Reads outside a transaction (SELECT ...) run on one kept `sqlite3` connection directly on
      the event loop: an indexed read of a page of rows takes well under a millisecond, less than
      the three thread hand-offs aiosqlite needs per query. Safe under WAL: readers never wait
      for the writer, and autocommit gives every statement the latest committed snapshot.
    - Other statements outside a transaction (rare single writes) use one kept aiosqlite
      connection, so waiting for the write lock never blocks the loop.
    - `write_transaction()` takes its own aiosqlite connection with BEGIN IMMEDIATE.
    """

    READ_BUSY_TIMEOUT_MS = 2_000

    def __init__(self, path: str, busy_timeout_ms: int = 10_000, **kwargs):
        super().__init__(path=path, timeout=busy_timeout_ms / 1000, **kwargs)
        self._kept: aiosqlite.Connection | None = None
        self._kept_lock = asyncio.Lock()
        self._kept_loop = None
        self._reader: sqlite3.Connection | None = None
        self._plain: sqlite3.Connection | None = None

    def _read_connection(self) -> sqlite3.Connection:
        if self._reader is None:
            conn = sqlite3.connect(
                **{**self.connection_kwargs, "timeout": self.READ_BUSY_TIMEOUT_MS / 1000},
                check_same_thread=False,
            )
            conn.row_factory = dict_factory
            conn.execute("PRAGMA foreign_keys = 1")
            self._reader = conn
        return self._reader

    def plain_reader(self) -> sqlite3.Connection:
        """A second kept read connection without type converters (tuples in, tuples out)."""
        if self._plain is None:
            kwargs = {k: v for k, v in self.connection_kwargs.items() if k != "detect_types"}
            self._plain = sqlite3.connect(
                **{**kwargs, "timeout": self.READ_BUSY_TIMEOUT_MS / 1000}, check_same_thread=False
            )
        return self._plain

    async def _kept_connection(self) -> aiosqlite.Connection:
        loop = asyncio.get_running_loop()
        if self._kept is None or self._kept_loop is not loop:
            if self._kept is not None:  # made on a loop that has gone (tests, CLI): just stop it
                self._kept.stop()
            pending = aiosqlite.connect(**self.connection_kwargs)
            pending._thread.daemon = True  # never keep the process alive for this connection
            self._kept = await pending
            # aiosqlite annotates row_factory as a type; it passes it to sqlite3, which takes any
            # callable (Piccolo's own engine sets this same function).
            self._kept.row_factory = dict_factory  # pyright: ignore[reportAttributeAccessIssue]
            await self._kept.execute("PRAGMA foreign_keys = 1")
            self._kept_loop = loop
            self._kept_lock = asyncio.Lock()
        return self._kept

    def write_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if getattr(self, "_write_lock_loop", None) is not loop:
            self._write_lock = asyncio.Lock()
            self._write_lock_loop = loop
        return self._write_lock

    async def run_querystring(self, querystring, in_pool: bool = False):
        _count_one(querystring)
        return await super().run_querystring(querystring, in_pool=in_pool)

    async def get_connection(self):
        connection = await super().get_connection()
        await connection.execute(
            f"PRAGMA busy_timeout = {int(self.connection_kwargs['timeout'] * 1000)}"
        )
        return connection

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        if query.lstrip()[:6].upper() == "SELECT":
            return self._read_connection().execute(query, args or []).fetchall()
        async with self._kept_lock:
            connection = await self._kept_connection()
            async with connection.execute(query, args or []) as cursor:
                return await cursor.fetchall()

    async def _run_in_existing_connection(
        self, connection, query, args=None, query_type="generic", table=None
    ):
        # Piccolo re-sends "PRAGMA foreign_keys = 1" before every statement in a transaction (one
        # more thread hand-off each); get_connection() already set it for the connection's life.
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    async def close(self) -> None:
        for conn in (self._reader, self._plain):
            if conn is not None:
                conn.close()
        self._reader = self._plain = None
        if self._kept is not None:
            try:
                await self._kept.close()
            except Exception:  # closing a connection from a finished loop
                pass
            self._kept = None


# Errors that mean "this connection is gone" (server restart, pg_terminate_backend, network).
def _connection_lost(exc: BaseException) -> bool:
    import asyncpg

    return isinstance(
        exc,
        (
            asyncpg.exceptions.ConnectionDoesNotExistError,
            asyncpg.exceptions.AdminShutdownError,
            asyncpg.exceptions.CannotConnectNowError,
            asyncpg.exceptions.InterfaceError,
            ConnectionError,
            OSError,
        ),
    )


class ResilientPostgresTransaction(PostgresTransaction):
    """Piccolo's transaction, made safe when the server drops connections.

    Stock Piccolo skips `pool.release()` when COMMIT/ROLLBACK raises (a terminated connection),
    so every dropped connection leaks a pool slot until the pool is empty and the app hangs.
    Here the connection always goes back to the pool (asyncpg replaces a closed one), and a
    transaction whose BEGIN fails on a dead connection is retried on a fresh one (nothing has
    run yet, so that is safe).
    """

    async def __aenter__(self):
        if self._parent is not None:
            return self._parent
        for attempt in range(3):
            self.connection = await self.get_connection()
            self.transaction = self.connection.transaction()
            try:
                await self.begin()
                break
            except Exception as exc:
                await self._release()
                if attempt == 2 or not _connection_lost(exc):
                    raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def _release(self) -> None:
        try:
            if self.engine.pool:
                await self.engine.pool.release(self.connection)
            else:
                await self.connection.close()
        except Exception:
            try:
                self.connection.terminate()
            except Exception:  # already back in the pool: asyncpg replaces it there
                pass

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    try:
                        await self.rollback()
                    except Exception:
                        pass  # the connection is gone; the server rolled back for us
            elif not self._committed and not self._rolled_back:
                await self.commit()  # may raise: then the write was NOT acknowledged
        finally:
            await self._release()
            self.engine.current_transaction.reset(self.context)
        return exception is None


class PooledPostgresEngine(PostgresEngine):
    """PostgresEngine with the pool size to start at app startup, and connection-loss recovery."""

    def __init__(self, *args, pool_size: int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool_size = pool_size

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return ResilientPostgresTransaction(engine=self, allow_nested=allow_nested)

    async def run_querystring(self, querystring, in_pool: bool = True):
        _count_one(querystring)
        return await super().run_querystring(querystring, in_pool=in_pool)

    async def _run_in_pool(self, query: str, args=None):
        # A read on a connection that was dropped while idle in the pool is retried once on a
        # fresh one; a write is not (it may have run), its error goes to the caller.
        try:
            return await super()._run_in_pool(query, args)
        except Exception as exc:
            if not (_connection_lost(exc) and query.lstrip()[:6].upper() == "SELECT"):
                raise
        return await super()._run_in_pool(query, args)


SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def make_engine(
    database_url: str, *, pool_size: int = 10, busy_timeout_ms: int = 10_000, create: bool = True
) -> Engine:
    """An engine for the URL; `create=False` leaves a missing SQLite file uncreated (imports)."""
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
            _prepare_sqlite_file(path)
        return KeptSQLiteEngine(path=str(path), busy_timeout_ms=busy_timeout_ms)
    parsed = urlparse(database_url)
    config = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "database": (parsed.path or "/postgres").lstrip("/"),
    }
    if parsed.password:
        config["password"] = unquote(parsed.password)
    # ?sslmode=require|verify-ca|verify-full (libpq's names, which asyncpg accepts as `ssl`).
    sslmode = parse_qs(parsed.query).get("sslmode", [None])[0]
    if sslmode:
        if sslmode not in SSL_MODES:
            raise ValueError(f"sslmode must be one of {', '.join(SSL_MODES)}")
        config["ssl"] = sslmode
    return PooledPostgresEngine(config=config, extensions=(), pool_size=pool_size)


def _prepare_sqlite_file(path: Path) -> None:
    """WAL is a property of the file: set it once so readers never block the writer.

    A new database file is created readable by its owner only (SQLite gives the -wal and -shm
    files the same permissions): the log is confidential."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")


def bind(engine: Engine) -> None:
    for table in all_tables():
        table._meta.db = engine


def current_engine() -> Engine:
    from rounds.core.tables import Person

    return Person._meta.db


def is_sqlite() -> bool:
    """For the few SQL spellings that differ (ILIKE)."""
    return isinstance(current_engine(), SQLiteEngine)


async def start(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        size = getattr(engine, "pool_size", 10)
        await engine.start_connection_pool(min_size=1, max_size=size)


async def stop(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        if engine.pool is not None:
            await engine.close_connection_pool()
    elif isinstance(engine, KeptSQLiteEngine):
        await engine.close()


@asynccontextmanager
async def write_transaction():
    """One write transaction. On SQLite BEGIN IMMEDIATE, so read-then-write never deadlocks.

    Nested use joins the outer transaction.
    """
    engine = current_engine()
    if engine.current_transaction.get() is not None:
        yield
        return
    if isinstance(engine, KeptSQLiteEngine):
        # One writer at a time per process, in arrival order (an asyncio lock is FIFO). SQLite's
        # busy handler is not fair: with 25 coroutines per process polling for the lock, an
        # unlucky one could starve past the busy timeout ("database is locked", measured: 2 in
        # 6,900 captures from 50 clients). Now only one connection per process competes.
        async with engine.write_lock():
            async with engine.transaction(transaction_type=TransactionType.immediate):
                yield
    elif isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


async def ping() -> bool:
    engine = current_engine()
    try:
        await asyncio.wait_for(engine.run_querystring(_select_one()), timeout=3)
        return True
    except Exception:
        return False


def found(row: dict[str, Any] | None) -> dict[str, Any]:
    """A row that `.first()` read and the caller knows is there (it was checked a moment ago,
    or a foreign key points at it). Gone means it was removed in between, by another device:
    answered as for an id that never existed (404), not as a crash on indexing None."""
    if row is None:
        from litestar.exceptions import NotFoundException

        raise NotFoundException()
    return row


def _select_one():
    from piccolo.querystring import QueryString

    return QueryString("SELECT 1")


async def raw(sql: str, *args) -> list[dict]:
    """Run SQL with {} placeholders on the bound engine (inside a transaction if one is open);
    the rows it returns (none for a statement without RETURNING)."""
    from piccolo.querystring import QueryString

    return await current_engine().run_querystring(QueryString(sql, *args)) or []


async def lock_row(table: str, row_id: int) -> bool:
    """In a write transaction, hold one row until it ends, so a check made next (e.g. "has
    anyone relied on this concern?") cannot be overtaken by another transaction's write that
    refers to the row: PostgreSQL's `FOR UPDATE` (a foreign key's insert waits for it); SQLite's
    BEGIN IMMEDIATE already lets one writer in at a time. True if the row exists."""
    lock = "" if is_sqlite() else " FOR UPDATE"
    return bool(await raw(f"SELECT id FROM {table} WHERE id = {{}}{lock}", row_id))


def _retired_key(table: str) -> str:
    return f"retired_id.{table}"


async def retire_id(table: str, row_id: int) -> None:
    """A row was deleted: its id must never name another row (an old link, a printed list or
    the audit trail would then point at something else). PostgreSQL's sequences never reuse an
    id; SQLite (tables without AUTOINCREMENT) gives a new row max(id) + 1, so deleting the
    newest row would hand its id to the next one - remember the highest id deleted, and
    `new_id()` stays above it. Call inside the deleting transaction."""
    if not is_sqlite():
        return
    await raw(
        "INSERT INTO setting (key, value) VALUES ({}, {}) ON CONFLICT (key) DO UPDATE "
        "SET value = CAST(max(CAST(setting.value AS INTEGER), CAST(excluded.value AS INTEGER))"
        " AS TEXT)",
        _retired_key(table),
        str(row_id),
    )


async def new_id(table: str) -> dict:
    """The id for a row about to be inserted into `table`, as keyword arguments for the Piccolo
    row: on SQLite above any retired id (see `retire_id`), elsewhere nothing (the sequence
    chooses). Call inside the inserting write transaction (one writer at a time on SQLite)."""
    if not is_sqlite():
        return {}
    rows = await raw(
        f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0), coalesce((SELECT CAST(value AS "
        "INTEGER) FROM setting WHERE key = {}), 0)) + 1 AS id",
        _retired_key(table),
    )
    return {"id": rows[0]["id"]}


async def fetch(sql: str, *args) -> list[dict]:
    """A read for the busiest pages: rows as dicts, values as the driver gives them.

    On SQLite this skips Piccolo's per-value converters (measured: 2.7x faster for a page of 50
    log rows), so DATE columns come back as ISO text there and as `date` on PostgreSQL, and
    booleans as 0/1 there; callers normalise (see issues/log.py). Inside a transaction, or on
    PostgreSQL, it is the same as `raw()`.
    """
    engine = current_engine()
    if isinstance(engine, KeptSQLiteEngine) and engine.current_transaction.get() is None:
        sql = sql.format(*("?",) * len(args))
        _count_one(sql, args)
        cursor = engine.plain_reader().execute(sql, args)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return [dict(row) for row in await raw(sql, *args)]


async def fetch_off_loop(sql: str, *args) -> list[dict]:
    """A long read (an export of the whole log) that must not stall the event loop: on SQLite
    it runs in a thread on its own connection (the same settings and type converters as
    Piccolo's reads, so the rows are the same as `raw()`'s); PostgreSQL's driver is already
    asynchronous, and inside a transaction it is `raw()`."""
    engine = current_engine()
    if not isinstance(engine, KeptSQLiteEngine) or engine.current_transaction.get() is not None:
        return [dict(row) for row in await raw(sql, *args)]
    sql = sql.format(*("?",) * len(args))
    _count_one(sql, args)

    def read() -> list[dict]:
        conn = sqlite3.connect(
            **{**engine.connection_kwargs, "timeout": engine.READ_BUSY_TIMEOUT_MS / 1000},
            check_same_thread=False,
        )
        try:
            conn.row_factory = dict_factory
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    return await asyncio.to_thread(read)
