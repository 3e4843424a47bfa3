"""rounds/db.py overrides private parts of Piccolo's engines (kept SQLite connections, a pool
that survives dropped PostgreSQL connections). Piccolo is pinned to the minor version these
overrides were written against; this test fails loudly if an upgrade changes what they rely on."""

import inspect

from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine

from rounds import db

PINNED_MINOR = "1.38"


def _params(fn) -> list[str]:
    return list(inspect.signature(fn).parameters)


def test_piccolo_is_the_pinned_minor_version():
    from importlib.metadata import version

    assert version("piccolo").startswith(PINNED_MINOR + "."), (
        f"Piccolo {version('piccolo')} installed; db.py's overrides were checked against "
        f"{PINNED_MINOR}.x - re-check them, then update the pin here and in pyproject.toml"
    )


def test_overridden_private_methods_keep_their_signatures():
    for ours, theirs in (
        (db.KeptSQLiteEngine._run_in_new_connection, SQLiteEngine._run_in_new_connection),
        (
            db.KeptSQLiteEngine._run_in_existing_connection,
            SQLiteEngine._run_in_existing_connection,
        ),
        (db.KeptSQLiteEngine.run_querystring, SQLiteEngine.run_querystring),
        (db.PooledPostgresEngine._run_in_pool, PostgresEngine._run_in_pool),
        (db.PooledPostgresEngine.run_querystring, PostgresEngine.run_querystring),
        (db.ResilientPostgresTransaction.__aexit__, PostgresTransaction.__aexit__),
    ):
        assert _params(ours) == _params(theirs), (ours.__qualname__, _params(theirs))


def test_private_state_the_overrides_use_still_exists():
    # ResilientPostgresTransaction reads and sets these; SQLite's kept connection reads these.
    source = inspect.getsource(PostgresTransaction)
    for name in ("_parent", "_committed", "_rolled_back", "self.context", "self.connection"):
        assert name in source, f"PostgresTransaction no longer has {name}"
    for name in ("begin", "commit", "rollback", "get_connection"):
        assert callable(getattr(PostgresTransaction, name)), name
    assert "connection_kwargs" in inspect.getsource(SQLiteEngine.__init__)
    assert "current_transaction" in inspect.getsource(SQLiteEngine)
