"""Concerns from staff and families: public unit links, concerns with reference codes, campaigns."""

from piccolo.columns import (
    Date,
    ForeignKey,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from rounds.core.tables import Person, Unit
from rounds.issues.tables import Category, SafetyIssue
from rounds.rounding.tables import SafetyRound

AUDIENCES = ("staff", "family")
CONCERN_STATUSES = ("waiting", "accepted", "merged", "declined")


class VoiceLink(Table, tablename="voice_link"):
    """A unit's public concern-form link. The token itself is never stored: `nonce` plus the
    server's secret key derive it, and `token_hash` (SHA-256 of it) finds the link."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, index=True)
    audience = Varchar(length=10, default="staff")
    nonce = Varchar(length=64)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    created_by = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    revoked_at = Timestamptz(null=True, default=None)


class Campaign(Table, tablename="voice_campaign"):
    """A Staff Safety Assessment period on one unit (staff concerns sent within it count)."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, index=True)
    opens_on = Date()
    closes_on = Date()
    closed_early_on = Date(null=True, default=None)
    created_by = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class Concern(Table, tablename="voice_concern"):
    """One concern sent without an account. `code` is the sender's way back (/c/{code})."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, index=True)
    link = ForeignKey(references=VoiceLink, null=True, on_delete=OnDelete.set_null)
    audience = Varchar(length=10, default="staff")
    language = Varchar(length=5, default="en")
    code = Varchar(length=12, unique=True)
    harm = Text()
    prevent = Text(default="")
    role = Varchar(length=80, default="")
    round = ForeignKey(references=SafetyRound, null=True, on_delete=OnDelete.set_null, index=True)
    campaign = ForeignKey(references=Campaign, null=True, on_delete=OnDelete.set_null, index=True)
    received_at = Timestamptz(index=True)
    status = Varchar(length=10, default="waiting", index=True)
    category = ForeignKey(references=Category, null=True, on_delete=OnDelete.set_null)
    issue = ForeignKey(references=SafetyIssue, null=True, on_delete=OnDelete.set_null, index=True)
    decline_reason = Text(default="")
    decided_at = Timestamptz(null=True, default=None)
    decided_by = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    idempotency_key = Varchar(length=64, null=True, default=None, unique=True)
