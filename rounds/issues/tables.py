"""The tracking log: safety issues, categories, updates, learning from defects."""

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from rounds.core.tables import Person, Unit
from rounds.rounding.tables import SafetyRound


class Category(Table, tablename="category"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    name = Varchar(length=80, unique=True)
    position = Integer(default=0)
    active = Boolean(default=True)


class SafetyIssue(Table, tablename="safety_issue"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, index=True)
    identified_on = Date(index=True)
    source = Varchar(length=30, default="safety_round")
    round = ForeignKey(references=SafetyRound, null=True, on_delete=OnDelete.set_null, index=True)
    description = Text()
    raised_by = Varchar(length=80, default="")
    category = ForeignKey(references=Category, null=True, on_delete=OnDelete.set_null, index=True)
    harm = Varchar(length=12, default="")
    likelihood = Varchar(length=12, default="")
    ease = Varchar(length=12, default="")
    # Effective priority (3 high, 2 medium, 1 low, 0 not rated): derived, or the team's override.
    priority = Integer(default=0, index=True)
    priority_override = Varchar(length=10, default="")
    priority_reason = Text(default="")
    action_plan = Text(default="")
    owner = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null, index=True)
    due_on = Date(null=True, default=None, index=True)
    success_measure = Text(default="")
    status = Varchar(length=20, default="new", index=True)
    status_changed_at = Timestamptz()
    cannot_do_reason = Text(default="")
    resolved_on = Date(null=True, default=None)
    closed_on = Date(null=True, default=None)
    feedback_due_on = Date(null=True, default=None, index=True)
    feedback_given_on = Date(null=True, default=None)
    feedback_how = Varchar(length=20, default="")
    feedback_said = Text(default="")
    outcome = Text(default="")
    needs_executive_help = Boolean(default=False)
    idempotency_key = Varchar(length=64, null=True, default=None, unique=True)
    created_by = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    version = Integer(default=1)


class IssueUpdate(Table, tablename="issue_update"):
    id: Serial  # the primary key Piccolo adds; declared for the type checker
    issue = ForeignKey(references=SafetyIssue, on_delete=OnDelete.cascade, index=True)
    author = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz()
    body = Text()


class DefectLearning(Table, tablename="defect_learning"):
    """CUSP step 4 on one issue. factors and actions are JSON lists."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker

    issue = ForeignKey(references=SafetyIssue, on_delete=OnDelete.cascade, unique=True)
    what_happened = Text(default="")
    factors = Text(default="[]")
    actions = Text(default="[]")
    how_we_know = Text(default="")
    updated_at = Timestamptz()
    version = Integer(default=1)
