"""People, units, membership, sessions, sign-in throttling, audit log, settings."""

from piccolo.columns import (
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

ROLES = ("admin", "executive", "champion", "member", "leader")
UNIT_ROLES = ("executive", "champion", "member")


class Person(Table, tablename="person"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    email = Varchar(length=254, unique=True)
    display_name = Varchar(length=120)
    job_title = Varchar(length=120, default="")
    role = Varchar(length=20, default="member")
    password_hash = Varchar(length=255, default="")
    active = Boolean(default=True)
    calendar_token = Varchar(length=64, null=True, default=None, unique=True)
    created_at = Timestamptz()
    version = Integer(default=1)
    # Set when an admin gives someone a temporary password; sign-in then asks for a new one.
    must_change_password = Boolean(default=False)
    # "Since I last looked" on home (rounds/issues/visits.py): the latest home view, and where the
    # current visit's "since" starts (the last home view of the previous visit).
    home_viewed_at = Timestamptz(null=True, default=None)
    home_since = Timestamptz(null=True, default=None)


class Unit(Table, tablename="unit"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    name = Varchar(length=120, unique=True)
    kind = Varchar(length=30, default="med-surg")
    facility = Varchar(length=120, default="")
    staff_headcount = Integer(default=0)
    active = Boolean(default=True)
    created_at = Timestamptz()
    version = Integer(default=1)


class Membership(Table, tablename="membership"):
    """A person's place on a unit: executive partner, unit champion or CUSP team member."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, index=True)
    unit_role = Varchar(length=20, default="member")


class WebSession(Table, tablename="web_session"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    token_hash = Varchar(length=64, unique=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz()
    ip = Varchar(length=64, default="")
    user_agent = Varchar(length=255, default="")
    # "password" or "sso": single sign-on sessions rely on the provider's second factor.
    method = Varchar(length=20, default="password")


class LoginThrottle(Table, tablename="login_throttle"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    key = Varchar(length=320, unique=True)
    failures = Integer(default=0)
    window_started_at = Timestamptz()
    blocked_until = Timestamptz(null=True, default=None)


class AuditEntry(Table, tablename="audit_entry"):
    """Append-only; each row's hash covers the previous row's hash (tamper evidence)."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    seq = BigInt(unique=True)
    at = Timestamptz()
    actor_id = Integer(null=True, default=None, index=True)
    actor_label = Varchar(length=254, default="")
    action = Varchar(length=40)
    object_type = Varchar(length=40, index=True)
    object_id = Varchar(length=40, default="", index=True)
    unit_id = Integer(null=True, default=None, index=True)
    changes = Text(default="{}")
    ip = Varchar(length=64, default="")
    prev_hash = Varchar(length=64, default="")
    hash = Varchar(length=64, default="")
    key_id = Varchar(length=16, default="")  # which audit key signed it ("" before issue 17)


class AuditHead(Table, tablename="audit_head"):
    """One row: the last sequence number and hash. Updating it serialises audit writers."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    seq = BigInt(default=0)
    last_hash = Varchar(length=64, default="")


class Setting(Table, tablename="setting"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    key = Varchar(length=80, unique=True)
    value = Text(default="")
