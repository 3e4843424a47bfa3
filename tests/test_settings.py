import pytest

from rounds.settings import SettingsError, load_settings


def test_defaults_are_sqlite_in_var(monkeypatch):
    monkeypatch.delenv("ROUNDS_DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite:///var/rounds.sqlite3"
    assert settings.idle_timeout_minutes == 15 and settings.absolute_timeout_hours == 12


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        ("ROUNDS_DATABASE_URL", "mysql://x", "ROUNDS_DATABASE_URL"),
        ("ROUNDS_IDLE_TIMEOUT_MINUTES", "0", "ROUNDS_IDLE_TIMEOUT_MINUTES"),
        ("ROUNDS_IDLE_TIMEOUT_MINUTES", "soon", "ROUNDS_IDLE_TIMEOUT_MINUTES"),
        ("ROUNDS_TIMEZONE", "Mars/Olympus", "ROUNDS_TIMEZONE"),
        ("ROUNDS_SECRET_KEY", "short", "ROUNDS_SECRET_KEY"),
    ],
)
def test_bad_settings_are_explained(monkeypatch, env, value, message):
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert message in str(err.value)


def test_production_requires_secret(monkeypatch):
    monkeypatch.setenv("ROUNDS_MODE", "production")
    monkeypatch.delenv("ROUNDS_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="ROUNDS_SECRET_KEY"):
        load_settings()


def test_dev_secret_is_generated_once(tmp_path):
    settings = load_settings(var_dir=tmp_path)
    first = settings.resolved_secret_key()
    assert len(first) >= 32 and settings.resolved_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_url_accepted(monkeypatch):
    monkeypatch.setenv("ROUNDS_DATABASE_URL", "postgresql://u@localhost:5432/rounds")
    assert not load_settings().is_sqlite


def test_new_sqlite_database_is_private(tmp_path):
    from rounds.db import make_engine

    make_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert (tmp_path / "new.sqlite3").stat().st_mode & 0o077 == 0
