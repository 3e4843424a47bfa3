"""argon2id password hashing, run in a worker thread so it never blocks the event loop."""

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's argon2id minimum: t=2, m=19 MiB, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the e-mail is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_LENGTH = 12


def hash_sync(password: str) -> str:
    return _hasher.hash(password)


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(check)


# The most used passwords of 12+ characters in public breach lists, and the obvious local ones.
COMMON = {
    "password1234",
    "password12345",
    "password123456",
    "passw0rd1234",
    "123456789012",
    "1234567890123",
    "qwertyuiop12",
    "qwertyuiopas",
    "qwerty123456",
    "1q2w3e4r5t6y",
    "iloveyou1234",
    "abc123456789",
    "aaaaaaaaaaaa",
    "111111111111",
    "000000000000",
    "letmein12345",
    "welcome12345",
    "welcome123456",
    "administrator",
    "changeme1234",
    "trustno11234",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "dragon123456",
    "monkey123456",
    "superman1234",
    "starwars1234",
    "whatever1234",
    "hospital1234",
    "hospital123!",
    "nurse1234567",
    "rounds123456",
    "roundsrounds",
    "patientsafety",
    "patientsafety1",
    "safety123456",
    "summer2026!!",
    "winter2026!!",
    "spring2026!!",
    "autumn2026!!",
    "password2026",
    "password2025",
    "welcome2026!",
    "qwertyqwerty",
    "asdfghjkl123",
    "zxcvbnm12345",
}


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why a new password is not acceptable, or None (ASVS 6.2: length, breached/common, not the e-mail)."""
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > 256:
        return "Use at most 256 characters."
    if not password.strip():
        return "A password cannot be only spaces."
    if lowered in COMMON or len(set(lowered)) <= 2:
        return "That password is too common. A short phrase of four or more words works well."
    local = email.split("@")[0].lower()
    if len(local) >= 4 and local in lowered:
        return "Don't use your e-mail address in your password."
    return None
