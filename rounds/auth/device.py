"""Device cookies (OWASP, "Slow down online guessing attacks with device cookies").

A browser in which a person has signed in successfully gets a signed cookie naming them (by a
keyed hash of their e-mail, never the address itself). A sign-in attempt for that person from
that browser is "trusted": it is not slowed by failures other people cause from the same
address (a ward behind one hospital address) or by guessing of the account from elsewhere; it
has its own failure counter instead, which locks only this browser. Browsers without the
cookie are throttled as before. A shared ward tablet remembers the last MAX_PEOPLE people.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

MAX_PEOPLE = 40
MAX_AGE_DAYS = 180


@dataclass(frozen=True)
class Device:
    nonce: str
    people: tuple[str, ...]


class DeviceCookies:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"rounds-device-cookie\0" + secret.encode()).digest()

    def person_key(self, email: str) -> str:
        digest = hmac.new(self._key, b"person\0" + email.strip().lower().encode(), hashlib.sha256)
        return digest.hexdigest()[:16]

    def _sign(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()

    def read(self, value: str | None) -> Device | None:
        """The device named by a cookie, or None if absent, malformed or not signed by us."""
        if not value or len(value) > 4096 or "." not in value:
            return None
        payload, signature = value.rsplit(".", 1)
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        try:
            data = json.loads(
                base64.urlsafe_b64decode(payload.encode() + b"=" * (-len(payload) % 4))
            )
            return Device(nonce=str(data["n"]), people=tuple(str(p) for p in data["p"]))
        except (ValueError, KeyError, TypeError):
            return None

    def trusted_for(self, value: str | None, email: str) -> str | None:
        """This browser's id if the person signed in here before, else None."""
        device = self.read(value)
        return device.nonce if device and self.person_key(email) in device.people else None

    def remember(self, value: str | None, email: str) -> str:
        """The cookie after a successful sign-in: this person added (most recent last)."""
        device = self.read(value) or Device(nonce=secrets.token_urlsafe(16), people=())
        key = self.person_key(email)
        people = [p for p in device.people if p != key][-(MAX_PEOPLE - 1) :] + [key]
        payload = (
            base64.urlsafe_b64encode(
                json.dumps({"n": device.nonce, "p": people}, separators=(",", ":")).encode()
            )
            .decode()
            .rstrip("=")
        )
        return f"{payload}.{self._sign(payload)}"
