"""Signing in and out: verification, throttling, session rotation, audit."""

from __future__ import annotations

from dataclasses import dataclass

from rounds.audit import service as audit
from rounds.auth import mfa, passwords, sessions, throttle
from rounds.core.tables import Person
from rounds.settings import Settings

GENERIC_FAILURE = "That e-mail and password do not match an active account."


WRONG_CODE_SETUP = (
    "That code is not right. Type the 6 digits your authenticator app shows now for Rounds."
)
WRONG_CODE = "That code is not right. Type the 6 digits your authenticator app shows now, or one of your recovery codes."


@dataclass
class SignInResult:
    token: str | None = None
    error: str | None = None
    # The password was right and the person has an authenticator: ask for the code next.
    code_needed_for: int | None = None


def _wait_message(wait: int) -> str:
    if wait < 90:
        return f"Too many failed attempts. Try again in {wait} seconds."
    return f"Too many failed attempts. Try again in {(wait + 59) // 60} minutes."


async def sign_in(
    email: str,
    password: str,
    *,
    ip: str,
    user_agent: str,
    settings: Settings,
    device: str | None = None,
) -> SignInResult:
    """`device`: this browser's id when its device cookie says the person signed in here before."""
    email = email.strip().lower()
    wait = await throttle.blocked_for(email, ip, device)
    if wait > 0:
        return SignInResult(error=_wait_message(wait))
    # Counted before the (slow) password check, so parallel guesses cannot all get through.
    await throttle.count_attempt(
        email,
        ip,
        max_failures=settings.login_max_failures,
        lockout_minutes=settings.login_lockout_minutes,
        device=device,
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
    await throttle.record_success(email, ip, device)
    if await mfa.is_enrolled(person.id):
        return SignInResult(code_needed_for=person.id)
    token = await sessions.create(
        person.id, absolute_seconds=settings.absolute_timeout_seconds, ip=ip, user_agent=user_agent
    )
    await audit.record(audit.Actor(person.id, person.email, ip), "sign_in", "person", person.id)
    return SignInResult(token=token)


async def second_step(
    person_id: int, code: str, *, ip: str, user_agent: str, settings: Settings
) -> SignInResult:
    """The authenticator (or a recovery) code after a correct password."""
    wait = await throttle.code_blocked_for(person_id)
    if wait > 0:
        return SignInResult(error=_wait_message(wait))
    await throttle.count_code_attempt(
        person_id,
        max_failures=settings.login_max_failures,
        lockout_minutes=settings.login_lockout_minutes,
    )
    person = await Person.objects().where(Person.id == person_id).first()
    if person is None or not person.active:
        return SignInResult(error=GENERIC_FAILURE)
    actor = audit.Actor(person.id, person.email, ip)
    kind = await mfa.check(person.id, code)
    if kind is None:
        await audit.record(
            actor, "sign_in_failed", "person", person.id, changes={"second_factor": "wrong code"}
        )
        return SignInResult(error=WRONG_CODE)
    await throttle.clear(throttle.code_key(person.id))
    token = await sessions.create(
        person.id, absolute_seconds=settings.absolute_timeout_seconds, ip=ip, user_agent=user_agent
    )
    await audit.record(actor, "sign_in", "person", person.id, changes={"second_factor": kind})
    return SignInResult(token=token)


async def sso_sign_in(email: str, *, ip: str, user_agent: str, settings: Settings) -> SignInResult:
    """The identity provider vouched for this verified e-mail: sign in the active Rounds account
    with it, if there is one (no accounts are created from single sign-on)."""
    email = email.strip().lower()
    person = await Person.objects().where(Person.email == email).first()
    if person is None or not person.active:
        label = person.email if person else "(unknown account)"
        await audit.record(
            audit.Actor(person.id if person else None, label, ip),
            "sign_in_failed",
            "person",
            person.id if person else "",
            changes={
                "method": "sso",
                "reason": "no active account" if person else "unknown e-mail",
            },
        )
        return SignInResult(error=SSO_NO_ACCOUNT)
    token = await sessions.create(
        person.id,
        absolute_seconds=settings.absolute_timeout_seconds,
        ip=ip,
        user_agent=user_agent,
        method="sso",
    )
    await audit.record(
        audit.Actor(person.id, person.email, ip),
        "sign_in",
        "person",
        person.id,
        changes={"method": "sso"},
    )
    return SignInResult(token=token)


SSO_NO_ACCOUNT = (
    "Your hospital account signed you in, but there is no active Rounds account with its e-mail "
    "address. Ask the patient-safety office to add you (or to reactivate your account)."
)


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
    if person is None:
        return {"current": "Your account was not found: sign in again."}
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
    changes: dict[str, list[str | None]] = {"password": ["(hidden)", "(changed by the person)"]}
    if person.calendar_token:
        # The secret calendar link may be what leaked with the old password: end it too.
        changes["calendar_link"] = ["(set)", None]
    await Person.update(
        {
            Person.password_hash: password_hash,
            Person.must_change_password: False,
            Person.calendar_token: None,
        }
    ).where(Person.id == viewer.id)
    await audit.record(viewer.actor, "update", "person", viewer.id, changes=changes)
    await sessions.end_all_for(viewer.id, except_token=keep_token)
    return {}


async def email_of(person_id: int) -> str:
    row = await Person.select(Person.email).where(Person.id == person_id).first()
    return row["email"] if row else ""
