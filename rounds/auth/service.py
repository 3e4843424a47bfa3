"""Signing in and out: verification, throttling, session rotation, audit."""

from __future__ import annotations

from dataclasses import dataclass

from rounds.audit import service as audit
from rounds.auth import passwords, sessions, throttle
from rounds.core.tables import Person
from rounds.settings import Settings

GENERIC_FAILURE = "That e-mail and password do not match an active account."


@dataclass
class SignInResult:
    token: str | None = None
    error: str | None = None


async def sign_in(
    email: str, password: str, *, ip: str, user_agent: str, settings: Settings
) -> SignInResult:
    email = email.strip().lower()
    wait = await throttle.blocked_for(email, ip)
    if wait > 0:
        if wait < 90:
            return SignInResult(error=f"Too many failed attempts. Try again in {wait} seconds.")
        minutes = (wait + 59) // 60
        return SignInResult(error=f"Too many failed attempts. Try again in {minutes} minutes.")
    # Counted before the (slow) password check, so parallel guesses cannot all get through.
    await throttle.count_attempt(
        email,
        ip,
        max_failures=settings.login_max_failures,
        lockout_minutes=settings.login_lockout_minutes,
    )
    person = await Person.objects().where(Person.email == email).first()
    ok = await passwords.verify_password(person.password_hash if person else None, password)
    if not ok or person is None or not person.active:
        # Only a known account's e-mail is logged: an unknown "e-mail" may be a mistyped password.
        label = person.email if person else "(unknown account)"
        await audit.record(
            audit.Actor(person.id if person else None, label, ip),
            "sign_in_failed",
            "person",
            person.id if person else "",
        )
        return SignInResult(error=GENERIC_FAILURE)
    await throttle.record_success(email, ip)
    token = await sessions.create(
        person.id, absolute_seconds=settings.absolute_timeout_seconds, ip=ip, user_agent=user_agent
    )
    await audit.record(audit.Actor(person.id, person.email, ip), "sign_in", "person", person.id)
    return SignInResult(token=token)


async def sign_out(token: str | None, actor: audit.Actor | None) -> None:
    if token:
        await sessions.end(token)
    if actor:
        await audit.record(actor, "sign_out", "person", actor.id or "")


async def change_password(
    viewer, *, current: str, new: str, confirm: str, keep_token: str | None
) -> dict[str, str]:
    """The person changes their own password. Returns {field: message}; empty when done.

    Other sessions of the person end; this one stays."""
    person = await Person.objects().where(Person.id == viewer.id).first()
    errors: dict[str, str] = {}
    if not await passwords.verify_password(
        person.password_hash if person else None, current[:1024]
    ):
        errors["current"] = "That is not your current password."
    problem = passwords.password_problem(new, email=viewer.email)
    if problem:
        errors["new"] = problem
    elif new == current:
        errors["new"] = "Choose a password different from the current one."
    if not errors and new != confirm:
        errors["confirm"] = "The two new passwords are not the same."
    if errors:
        return errors
    password_hash = await passwords.hash_password(new)
    await Person.update(
        {Person.password_hash: password_hash, Person.must_change_password: False}
    ).where(Person.id == viewer.id)
    await audit.record(
        viewer.actor,
        "update",
        "person",
        viewer.id,
        changes={"password": ["(hidden)", "(changed by the person)"]},
    )
    await sessions.end_all_for(viewer.id, except_token=keep_token)
    return {}
