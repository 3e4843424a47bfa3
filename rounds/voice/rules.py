"""Pure rules for concerns from staff and families: reference codes, link tokens, similarity,
participation. No database here."""

from __future__ import annotations

import difflib
import hashlib
import hmac
import re
import secrets

# Reference codes: 6 characters without look-alikes (0/O, 1/I/L), shown as "7KQ-4M2".
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
_CODE_CLEAN = re.compile(r"[^0-9A-Z]")
TOKEN_LENGTH = 22  # characters of URL-safe base64: 132 bits

MAX_HARM = 2000
MAX_PREVENT = 2000
MAX_ROLE = 80
MAX_REASON = 1000


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:3]}-{raw[3:]}"


def normalise_code(text: str) -> str | None:
    """What someone typed (any case, spaces, dash or none, O for 0) as a stored code, or None."""
    raw = _CODE_CLEAN.sub("", (text or "")[:40].upper()).replace("O", "0").replace("I", "1")
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return None
    return f"{raw[:3]}-{raw[3:]}"


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def link_token(key: bytes, nonce: str) -> str:
    """The public token for a link: derived from its stored nonce with the server's secret, so
    the database alone never reveals a working link, yet the poster can be printed again."""
    import base64

    digest = hmac.new(key, b"voice-link\0" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:TOKEN_LENGTH]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plausible_token(token: str) -> bool:
    return len(token) == TOKEN_LENGTH and re.fullmatch(r"[A-Za-z0-9_-]+", token) is not None


_WORD = re.compile(r"[a-z0-9áéíóúñü]+")
_STOP = frozenset(
    "a an and are as at be but by for from has have i in is it its of on or our so that the "
    "their there they this to was we were when with will would can could not no do does patient "
    "patients unit staff".split()
)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall((text or "").lower()) if w not in _STOP and len(w) > 2}


def similarity(a: str, b: str) -> float:
    """0..1: shared meaningful words (Jaccard), nudged by difflib's character ratio."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    overlap = len(wa & wb) / len(wa | wb)
    ratio = difflib.SequenceMatcher(None, a.lower()[:500], b.lower()[:500]).ratio()
    return round(0.8 * overlap + 0.2 * ratio, 3)


def similar(
    text: str, candidates: list[dict], *, limit: int = 5, floor: float = 0.18
) -> list[dict]:
    """Candidates ({"description": ...}) most like `text`, best first, each with a `score`."""
    scored = [
        {**c, "score": similarity(text, c["description"])}
        for c in candidates
        if c.get("description")
    ]
    scored = [c for c in scored if c["score"] >= floor]
    return sorted(scored, key=lambda c: (-c["score"], c.get("id", 0)))[:limit]


def issue_description(harm: str, prevent: str) -> str:
    """The tracking-log text for an accepted concern, in the sender's words."""
    text = harm.strip()
    if prevent.strip():
        text += "\n\nWhat would prevent it: " + prevent.strip()
    return text[:4000]


def participation(responses: int, headcount: int) -> int | None:
    """Per cent of the unit's staff who answered (one response per person assumed); None
    when the headcount is not recorded."""
    from rounds.measures.definitions import percent  # one rounding rule for every percentage

    if headcount <= 0:
        return None
    return min(100, percent(responses, headcount) or 0)


def default_source(audience: str, round_id: int | None, in_campaign: bool) -> str:
    if audience == "family":
        return "patient_family"
    if in_campaign:
        return "staff_assessment"
    if round_id:
        return "before_round"
    return "staff_assessment"
