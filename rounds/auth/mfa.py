"""Two-step sign-in for password accounts: an authenticator app (TOTP, RFC 6238) and one-time
recovery codes. Per person, not per device: a shared ward tablet asks each person for their own
code. Single sign-on sessions rely on the identity provider's second factor instead.

The TOTP secret is encrypted (AES-GCM, key derived from ROUNDS_SECRET_KEY), so a copy of the
database alone does not give anyone codes; recovery codes are stored as keyed hashes only.
A code is accepted once: the 30-second step it belongs to is remembered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass

import pyotp
import pyotp.totp
import segno
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from rounds import db
from rounds.audit import service as audit
from rounds.auth import sessions
from rounds.auth.tables import PersonFactor, RecoveryCode
from rounds.core import clock
from rounds.settings import Settings

ISSUER = "Rounds"
RECOVERY_CODES = 10
STEP = 30

_key: bytes | None = None


def configure(secret_key: str) -> None:
    global _key
    _key = hashlib.sha256(b"rounds-mfa\0" + secret_key.encode()).digest()


def _k() -> bytes:
    if _key is None:
        raise RuntimeError("rounds.auth.mfa.configure() was not called")
    return _key


def _encrypt(secret: str) -> str:
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_k()).encrypt(nonce, secret.encode(), b"totp")
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def _decrypt(stored: str) -> str:
    raw = base64.urlsafe_b64decode(stored.encode())
    return AESGCM(_k()).decrypt(raw[:12], raw[12:], b"totp").decode()


def _code_hash(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hmac.new(_k(), b"recovery\0" + normal.encode(), hashlib.sha256).hexdigest()


def required(settings: Settings, role: str) -> bool:
    """Admins in production, everyone when ROUNDS_MFA_FOR_EVERYONE is set."""
    return settings.mfa_for_everyone or (settings.mode == "production" and role == "admin")


async def is_enrolled(person_id: int) -> bool:
    return await PersonFactor.exists().where(
        (PersonFactor.person == person_id) & PersonFactor.confirmed_at.is_not_null()
    )


@dataclass
class Enrolment:
    secret: str  # base32, shown for typing into an app that cannot scan
    uri: str  # otpauth:// URI, in the QR code
    qr_svg: str


async def enrolment(person_id: int, email: str) -> Enrolment:
    """The secret being set up (a new one if none is pending). A confirmed authenticator, if
    any, stays in force until the new one is confirmed."""
    pending = await pending_enrolment(person_id, email)
    if pending:
        return pending
    secret = pyotp.random_base32()
    await PersonFactor.insert(
        PersonFactor(
            person=person_id,
            secret=_encrypt(secret),
            confirmed_at=None,
            last_step=0,
            created_at=clock.now(),
        )
    )
    return _enrolment(secret, email)


async def pending_enrolment(person_id: int, email: str) -> Enrolment | None:
    row = (
        await PersonFactor.select(PersonFactor.secret)
        .where((PersonFactor.person == person_id) & PersonFactor.confirmed_at.is_null())
        .first()
    )
    return _enrolment(_decrypt(row["secret"]), email) if row else None


def _enrolment(secret: str, email: str) -> Enrolment:
    uri = pyotp.totp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out, kind="svg", scale=5, border=4, xmldecl=False, svgns=True, title=None
    )
    svg = out.getvalue().decode()
    svg = svg.replace(
        "<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1
    )
    return Enrolment(secret=secret, uri=uri, qr_svg=svg)


def _matching_step(secret: str, code: str, after: int) -> int | None:
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.totp.TOTP(secret)
    now_step = int(clock.now().timestamp()) // STEP
    for step in (now_step, now_step - 1, now_step + 1):  # a phone's clock may be 30 s off
        if step > after and hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


async def confirm(viewer, code: str) -> list[str] | None:
    """The first code from the app: the factor is on; returns the recovery codes (shown once)."""
    row = (
        await PersonFactor.select()
        .where((PersonFactor.person == viewer.id) & PersonFactor.confirmed_at.is_null())
        .first()
    )
    if row is None:
        return None
    step = _matching_step(_decrypt(row["secret"]), code, 0)
    if step is None:
        return None
    async with db.write_transaction():
        await PersonFactor.delete().where(
            (PersonFactor.person == viewer.id) & PersonFactor.confirmed_at.is_not_null()
        )
        await PersonFactor.update(
            {PersonFactor.confirmed_at: clock.now(), PersonFactor.last_step: step}
        ).where(PersonFactor.id == row["id"])
        codes = await _new_codes(viewer.id)
        await audit.record(
            viewer.actor, "update", "person", viewer.id, changes={"second_factor": [None, "on"]}
        )
    return codes


async def _new_codes(person_id: int) -> list[str]:
    await RecoveryCode.delete().where(RecoveryCode.person == person_id)
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(6)).decode().rstrip("=")[:10]
        codes.append(f"{raw[:5]}-{raw[5:]}")
    await RecoveryCode.insert(
        *[RecoveryCode(person=person_id, code_hash=_code_hash(c), used_at=None) for c in codes]
    )
    return codes


async def new_recovery_codes(viewer) -> list[str]:
    async with db.write_transaction():
        codes = await _new_codes(viewer.id)
        await audit.record(
            viewer.actor,
            "update",
            "person",
            viewer.id,
            changes={"recovery_codes": ["(old)", "(new)"]},
        )
    return codes


async def recovery_codes_left(person_id: int) -> int:
    return await RecoveryCode.count().where(
        (RecoveryCode.person == person_id) & RecoveryCode.used_at.is_null()
    )


async def check(person_id: int, code: str) -> str | None:
    """A code typed at sign-in: "totp" or "recovery" when accepted (and used up), else None."""
    code = code.strip()[:40]
    row = (
        await PersonFactor.select()
        .where((PersonFactor.person == person_id) & PersonFactor.confirmed_at.is_not_null())
        .first()
    )
    if row is None:
        return None
    step = _matching_step(_decrypt(row["secret"]), code, int(row["last_step"]))
    if step is not None:
        async with db.write_transaction():
            # Only if no parallel request used this step first: a code works once.
            used = (
                await PersonFactor.update({PersonFactor.last_step: step})
                .where((PersonFactor.id == row["id"]) & (PersonFactor.last_step < step))
                .returning(PersonFactor.id)
            )
        return "totp" if used else None
    if len(code) >= 10:
        async with db.write_transaction():
            used = (
                await RecoveryCode.update({RecoveryCode.used_at: clock.now()})
                .where(
                    (RecoveryCode.person == person_id)
                    & (RecoveryCode.code_hash == _code_hash(code))
                    & RecoveryCode.used_at.is_null()
                )
                .returning(RecoveryCode.id)
            )
        return "recovery" if used else None
    return None


async def turn_off(viewer) -> None:
    async with db.write_transaction():
        await PersonFactor.delete().where(PersonFactor.person == viewer.id)
        await RecoveryCode.delete().where(RecoveryCode.person == viewer.id)
        await audit.record(
            viewer.actor, "update", "person", viewer.id, changes={"second_factor": ["on", None]}
        )


async def reset(admin, person_id: int) -> None:
    """An admin clears a person's second factor (lost phone, no codes left). Their sessions end;
    they sign in with their password and set up a new authenticator."""
    from rounds.auth.access import PermissionDeniedException, ensure_admin

    ensure_admin(admin)
    if person_id == admin.id:  # it would end the admin's own session mid-task
        raise PermissionDeniedException(
            detail="Another administrator resets your two-step sign-in; or use a recovery code."
        )
    async with db.write_transaction():
        had = await PersonFactor.exists().where(PersonFactor.person == person_id)
        await PersonFactor.delete().where(PersonFactor.person == person_id)
        await RecoveryCode.delete().where(RecoveryCode.person == person_id)
        await audit.record(
            admin.actor,
            "update",
            "person",
            person_id,
            changes={"second_factor": ["on" if had else None, "(reset by an admin)"]},
        )
    await sessions.end_all_for(person_id)


# --- between the password and the code ------------------------------------------------------
# After a correct password the browser holds a short-lived signed note naming the person (no
# session yet); only the code page accepts it.
PENDING_SECONDS = 300


def pending_token(person_id: int) -> str:
    expires = int(clock.now().timestamp()) + PENDING_SECONDS
    body = f"{person_id}.{expires}.{secrets.token_hex(8)}"
    mac = hmac.new(_k(), b"pending\0" + body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def pending_person(token: str | None) -> int | None:
    if not token or len(token) > 200 or token.count(".") != 3:
        return None
    body, mac = token.rsplit(".", 1)
    expected = hmac.new(_k(), b"pending\0" + body.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    person_id, expires, _ = body.split(".")
    if int(expires) < clock.now().timestamp():
        return None
    return int(person_id)
