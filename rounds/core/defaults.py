"""What every installation starts with: default categories and the question script (DOMAIN.md).

rounds.install.ensure_defaults() inserts them; core stays below the database and the features.
"""

from __future__ import annotations

import json

from rounds.core.tables import Setting

DEFAULT_CATEGORIES = [
    "Equipment & supplies",
    "Communication & handoffs",
    "Medication",
    "Staffing & workload",
    "Policy & procedure",
    "Environment & facilities",
    "IT systems",
    "Infection prevention",
    "Training",
    "Teamwork & culture",
    "Patient & family",
    "Other",
]

DEFAULT_QUESTIONS = [
    "How might the next patient on this unit be harmed?",
    "What could we do to prevent that?",
    "Have there been near misses recently?",
    "Have we harmed a patient recently?",
    "What gets in your way of doing safe work every day?",
    "What could leadership do to make your work safer?",
]
DEFAULT_OPENING = (
    "Thank you for making time. I'm here to learn from you about how our systems could harm a "
    "patient here - this is about systems, not blame, and nothing you say will be held against anyone."
)
DEFAULT_CLOSING = (
    "Let me read back what I heard. Each of these goes on the unit's tracking log with an owner, "
    "and your champion will tell you what happened to each one within two weeks."
)

DEFAULT_SETTINGS = {
    "script.questions": json.dumps(DEFAULT_QUESTIONS),
    "script.opening": DEFAULT_OPENING,
    "script.closing": DEFAULT_CLOSING,
    "feedback.window_days": "14",
    "barriers.wip_limit": "5",
    "barriers.escalate_after_days": "7",
}


async def get_setting(key: str, default: str = "") -> str:
    row = await Setting.select(Setting.value).where(Setting.key == key).first()
    return row["value"] if row else default
