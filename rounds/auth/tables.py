"""Second factors: one authenticator (TOTP) per person and their one-time recovery codes."""

from piccolo.columns import BigInt, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from rounds.core.tables import Person


class PersonFactor(Table, tablename="person_factor"):
    """A person's authenticator app. The TOTP secret is encrypted with a key derived from
    ROUNDS_SECRET_KEY (not in the database); confirmed once the person typed a first code."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    secret = Varchar(length=255)
    confirmed_at = Timestamptz(null=True, default=None)
    last_step = BigInt(default=0)  # the newest 30-second step used: a code works once
    created_at = Timestamptz()


class RecoveryCode(Table, tablename="recovery_code"):
    """A one-time code for a lost phone; only its keyed hash is stored."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, index=True)
    code_hash = Varchar(length=64, unique=True)
    used_at = Timestamptz(null=True, default=None)
