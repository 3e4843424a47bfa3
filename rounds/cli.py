"""The `rounds` command: serve, migrate, demo, user, audit."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable

from rounds.core import clock
from rounds.settings import SettingsError, load_settings


def _with_db(fn: Callable[..., Awaitable[int | None]]) -> Callable[..., int]:
    """Run an async command with the configured database bound and migrated."""

    def runner(*args, **kwargs) -> int:
        async def main() -> int:
            from rounds import db, migrations
            from rounds.audit import service as audit
            from rounds.auth import mfa
            from rounds.install import ensure_defaults

            settings = load_settings()
            audit.configure(*settings.audit_keys())
            from rounds.voice import service as voice

            voice.configure(settings.resolved_secret_key())
            mfa.configure(settings.resolved_secret_key())
            engine = db.make_engine(
                settings.database_url, pool_size=2, busy_timeout_ms=settings.sqlite_busy_timeout_ms
            )
            await db.start(engine)
            try:
                await migrations.migrate(engine)
                await ensure_defaults()
                return (await fn(settings, *args, **kwargs)) or 0
            finally:
                await db.stop(engine)

        return asyncio.run(main())

    return runner


@_with_db
async def cmd_migrate(settings, args) -> int:
    print(f"Database is up to date: {_safe_url(settings.database_url)}")
    return 0


@_with_db
async def cmd_maintenance(settings, args) -> int:
    """Housekeeping run by the maintenance timer (and at every start): expired sessions, old
    concern-form throttle counters."""
    from rounds.auth import sessions

    removed = await sessions.purge_expired(settings.idle_timeout_seconds)
    print(f"Removed {removed} expired session{'s' if removed != 1 else ''}.")
    from rounds.voice import throttle as voice_throttle

    forgotten = await voice_throttle.purge_stale()
    print(f"Forgot {forgotten} old concern-form counter{'s' if forgotten != 1 else ''}.")
    return 0


@_with_db
async def cmd_demo(settings, args) -> int:
    from rounds import demo

    if args.reset:
        if settings.mode == "production":
            print(
                "Refusing to delete all data (and the audit log) with ROUNDS_MODE=production.",
                file=sys.stderr,
            )
            return 1
        await demo.reset_all()
        print("Removed all data.")
    password = demo.demo_password(settings.var_dir)
    if getattr(args, "scale", False):
        from rounds.scale import build_scale

        await build_scale(units=args.units, issues=args.issues)
        return 0
    loaded = await demo.load(password)
    print(
        "Loaded the demo hospital."
        if loaded
        else "The demo hospital was already loaded (passwords refreshed)."
    )
    _print_signins(password)
    return 0


def _print_signins(password: str) -> None:
    print(f"\nDemo sign-ins (password for all: {password})")
    for email, role in [
        ("admin@example.org", "administrator"),
        ("executive@example.org", "executive partner (CNO)"),
        ("champion@example.org", "unit champion, 4 West"),
        ("member@example.org", "CUSP team member"),
        ("leader@example.org", "senior leader, read-only"),
    ]:
        print(f"  {email:<24} {role}")


def _safe_url(url: str) -> str:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.password:
        return url.replace(parsed.password, "***")
    return url


def cmd_backup(args) -> int:
    from rounds.backup import BackupError, backup

    try:
        print(backup(load_settings(), args.path))
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def cmd_restore(args) -> int:
    from rounds.backup import BackupError, restore

    try:
        print(restore(load_settings(), args.path, force=args.force))
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    return cmd_migrate(args)  # a backup from an earlier release comes back on today's schema


def cmd_serve(args) -> int:
    from rounds import serving

    settings = load_settings()
    if args.demo:
        code = cmd_demo(argparse.Namespace(reset=False, scale=False))
        if code:
            return code
    else:
        code = cmd_migrate(args)
        if code:
            return code
    code = cmd_maintenance(args)
    if code:
        return code
    if not settings.base_url:
        # Links in e-mails and calendar feeds go where this server is reached (requests say so;
        # behind a proxy that is the proxy's address). Set ROUNDS_BASE_URL to fix it.
        print(
            "ROUNDS_BASE_URL is not set: calendar links use the address each request came to; "
            "set it for the links in reminder e-mails."
        )
    if (
        settings.mode == "dev"
        and settings.cookie_secure
        and args.host in ("127.0.0.1", "localhost", "::1")
        and "ROUNDS_COOKIE_SECURE" not in os.environ
    ):
        # Plain-HTTP on this machine only: browsers would drop Secure cookies. Behind TLS, keep them.
        os.environ["ROUNDS_COOKIE_SECURE"] = "false"
        print(
            "Serving plain HTTP on loopback: session cookies without the Secure flag (set ROUNDS_COOKIE_SECURE=true behind TLS)."
        )
    print(f"\nRounds is running on http://{args.host}:{args.port}  (Ctrl+C to stop)")
    serving.run(
        "rounds.app:app_from_env",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
    )
    return 0


@_with_db
async def cmd_user(settings, args) -> int:
    from rounds.admin.forms import PersonForm
    from rounds.admin.service import set_password
    from rounds.audit import service as audit
    from rounds.auth import passwords, sessions
    from rounds.core import clock
    from rounds.core.tables import Person

    email = args.email.strip().lower()
    person = await Person.objects().where(Person.email == email).first()
    if args.action == "create":
        if person:
            print(f"{email} already exists.", file=sys.stderr)
            return 1
        password = args.password or getpass.getpass("Password (12+ characters): ")
        problem = passwords.password_problem(password)
        if problem:
            print(problem, file=sys.stderr)
            return 1
        try:
            form = PersonForm(
                email=email,
                display_name=args.name or email,
                job_title=args.title or "",
                role=args.role,
                active=True,
            )
        except Exception as exc:
            print(f"Invalid: {exc}", file=sys.stderr)
            return 1
        row = (
            await Person.insert(
                Person(
                    email=form.email,
                    display_name=form.display_name,
                    job_title=form.job_title,
                    role=form.role,
                    password_hash=await passwords.hash_password(password),
                    active=True,
                    created_at=clock.now(),
                )
            ).returning(Person.id)
        )[0]
        await audit.record(
            audit.SYSTEM,
            "create",
            "person",
            row["id"],
            changes=audit.created({"email": email, "role": form.role}),
        )
        print(f"Created {email} ({form.role}).")
        return 0
    if person is None:
        print(f"No person with e-mail {email}.", file=sys.stderr)
        return 1
    if args.action == "deactivate":
        await Person.update({Person.active: False, Person.version: person.version + 1}).where(
            Person.id == person.id
        )
        await audit.record(
            audit.SYSTEM, "update", "person", person.id, changes={"active": [True, False]}
        )
        await sessions.end_all_for(person.id)
        print(f"Deactivated {email}; their sessions have ended.")
        return 0
    if args.action == "set-password":
        password = args.password or getpass.getpass("New password (12+ characters): ")
        problem = passwords.password_problem(password)
        if problem:
            print(problem, file=sys.stderr)
            return 1
        await set_password(None, person.id, password)
        print(f"Password set for {email}; their sessions have ended.")
        return 0
    return 2


@_with_db
async def cmd_audit(settings, args) -> int:
    from rounds.audit import service as audit

    if args.action == "checkpoint":
        kept = await audit.checkpoint()
        print(kept)
        print(
            "Keep this line outside Rounds (a password manager, a signed e-mail, a paper log). "
            f"Later: rounds audit verify --checkpoint {kept}",
            file=sys.stderr,
        )
        return 0
    if args.checkpoint:
        try:
            kept = audit.Checkpoint.parse(args.checkpoint)
        except ValueError as exc:
            print(f"--checkpoint: {exc}", file=sys.stderr)
            return 2
        result = await audit.verify_against(kept)
    else:
        result = await audit.verify()
    if result.ok:
        extends = (
            f"; it extends checkpoint {args.checkpoint.split(':')[0]}" if args.checkpoint else ""
        )
        print(f"Audit chain intact: {result.checked} entries checked{extends}.")
        return 0
    print(
        f"Audit chain BROKEN at entry {result.first_bad_seq}: {result.reason} ({result.checked} entries verified before it).",
        file=sys.stderr,
    )
    return 1


@_with_db
async def cmd_reminders(settings, args) -> int:
    """Cron-safe: one digest per person per day; unsent ones (SMTP down) are retried next run."""
    from rounds.barriers import reminders

    clock.set_timezone(settings.timezone)
    result = await reminders.run(settings)
    print(result.summary())
    for error in result.errors[:5]:
        print(f"  not sent: {error}", file=sys.stderr)
    return 1 if result.failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rounds", description="Rounds: CUSP executive safety rounds."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate the database and serve the app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (they share sessions through the database)",
    )
    serve.add_argument(
        "--demo", action="store_true", help="load the demo hospital first (idempotent)"
    )
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="create or upgrade the database schema")
    migrate.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="load the demo hospital (idempotent)")
    demo.add_argument("--reset", action="store_true", help="delete ALL data first")
    demo.add_argument(
        "--scale", action="store_true", help="build the large benchmark data set instead"
    )
    demo.add_argument("--units", type=int, default=60)
    demo.add_argument("--issues", type=int, default=100_000)
    demo.set_defaults(func=cmd_demo)

    user = sub.add_parser("user", help="create, deactivate or set the password of a person")
    user_sub = user.add_subparsers(dest="action", required=True)
    create = user_sub.add_parser("create", help="create a person")
    create.add_argument("--email", required=True)
    create.add_argument("--name")
    create.add_argument("--title")
    create.add_argument(
        "--role", default="member", choices=["admin", "executive", "champion", "member", "leader"]
    )
    create.add_argument("--password", help="or you will be asked (safer than the command line)")
    deactivate = user_sub.add_parser(
        "deactivate", help="deactivate a person and end their sessions"
    )
    deactivate.add_argument("--email", required=True)
    setpw = user_sub.add_parser(
        "set-password", help="set a person's password and end their sessions"
    )
    setpw.add_argument("--email", required=True)
    setpw.add_argument("--password")
    user.set_defaults(func=cmd_user)

    audit = sub.add_parser("audit", help="check the audit log")
    audit_sub = audit.add_subparsers(dest="action", required=True)
    verify = audit_sub.add_parser("verify", help="verify the hash chain; exit 1 if broken")
    verify.add_argument(
        "--checkpoint",
        metavar="SEQ:HASH",
        help="also fail unless the log still holds this checkpoint (from `rounds audit checkpoint`)",
    )
    audit_sub.add_parser(
        "checkpoint", help="print the newest entry's number and hash, to keep outside Rounds"
    )
    audit.set_defaults(func=cmd_audit)

    backup = sub.add_parser(
        "backup", help="copy the database to a new file (consistent while people write)"
    )
    backup.add_argument("path", help="the new backup file (SQLite file or pg_dump custom format)")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser(
        "restore", help="restore a backup into the configured database, then migrate it"
    )
    restore.add_argument("path")
    restore.add_argument(
        "--force", action="store_true", help="replace a database that already holds data"
    )
    restore.set_defaults(func=cmd_restore)

    maintenance = sub.add_parser(
        "maintenance", help="housekeeping: remove expired sessions (run daily by the timer)"
    )
    maintenance.set_defaults(func=cmd_maintenance)

    reminders = sub.add_parser("reminders", help="daily reminder digests")
    reminders_sub = reminders.add_subparsers(dest="action", required=True)
    reminders_sub.add_parser(
        "send", help="make today's digests and e-mail them (safe to run several times a day)"
    )
    reminders.set_defaults(func=cmd_reminders)
    return parser


def main(argv: list[str] | None = None) -> int:
    from rounds.settings import unknown_variables

    args = build_parser().parse_args(argv)
    for name in unknown_variables():
        print(f"Warning: {name} is not a Rounds setting (a typo?); it is ignored.", file=sys.stderr)
    try:
        return args.func(args) or 0
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
