"""CSV export of the tracking log and import of an existing tracking-log spreadsheet.

Import is two steps: `parse()` checks every row and reports problems row by row without saving
anything; `save()` writes all rows in one transaction (nothing partial). Cells that a spreadsheet
would run as a formula are prefixed with an apostrophe on export and unwrapped on import.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from rounds import db
from rounds.audit import service as audit
from rounds.auth.access import Viewer, ensure_can_manage
from rounds.core import clock
from rounds.core.tables import Membership
from rounds.issues import rules
from rounds.issues.service import screen
from rounds.issues.tables import Category, SafetyIssue
from rounds.web.filters import local_today

# (column header, issue field) in export order.
COLUMNS = [
    ("Identified on", "identified_on"),
    ("Unit", "unit_name"),
    ("Source", "source"),
    ("Description", "description"),
    ("Raised by", "raised_by"),
    ("Category", "category_name"),
    ("Harm", "harm"),
    ("Likelihood", "likelihood"),
    ("Ease", "ease"),
    ("Priority", "priority"),
    ("Priority set by team", "priority_override"),
    ("Priority reason", "priority_reason"),
    ("Action plan", "action_plan"),
    ("Owner e-mail", "owner_email"),
    ("Due", "due_on"),
    ("How we will know", "success_measure"),
    ("Status", "status"),
    ("Cannot do reason", "cannot_do_reason"),
    ("Resolved on", "resolved_on"),
    ("Closed on", "closed_on"),
    ("Feedback due", "feedback_due_on"),
    ("Feedback given on", "feedback_given_on"),
    ("Feedback how", "feedback_how"),
    ("Feedback said", "feedback_said"),
    ("Outcome", "outcome"),
    ("Needs executive help", "needs_executive_help"),
]
HEADERS = [h for h, _ in COLUMNS]
_BY_HEADER = {h.lower(): f for h, f in COLUMNS}
MAX_BYTES = 2_000_000
MAX_ROWS = 5_000
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date | datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def export_rows(issues: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    labels = {
        "source": rules.SOURCES,
        "harm": rules.HARMS,
        "likelihood": rules.LIKELIHOODS,
        "ease": rules.EASE,
        "status": rules.STATUSES,
        "feedback_how": rules.FEEDBACK_HOW,
        "priority_override": {
            k: v for k, v in (("high", "High"), ("medium", "Medium"), ("low", "Low"))
        },
    }
    for issue in issues:
        row = []
        for _header, name in COLUMNS:
            value = issue.get(name)
            if name == "priority":
                value = rules.PRIORITY_LABELS.get(value, "")
            elif name in labels:
                value = labels[name].get(value, value)
            row.append(_cell(value))
        writer.writerow(row)
    return out.getvalue()


# --- import -------------------------------------------------------------------------------


@dataclass
class ImportRow:
    number: int  # the spreadsheet's row number (header is row 1)
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # file-level problems

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.problems) + sum(len(r.errors) for r in self.rows)


def _code(value: str, mapping: dict[str, str]) -> str | None:
    """A code from its code or its label, case-insensitive; "" stays ""; None if unknown."""
    text = value.strip().lower()
    if not text:
        return ""
    for code, label in mapping.items():
        if text in (code, label.lower(), code.replace("_", " ")):
            return code
    return None


_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


def parse_date(text: str) -> date | None:
    """2026-03-14, 3/14/2026 (US order), 14 Mar 2026, Mar 14 2026. Raises ValueError."""
    text = text.strip()
    if not text:
        return None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        return date(int(m[3]), int(m[1]), int(m[2]))
    if m := re.fullmatch(
        r"(?:[A-Za-z]{3},?\s+)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})", text
    ):
        if m[2].lower() in _MONTHS:
            return date(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    if m := re.fullmatch(r"([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})", text):
        if m[1].lower() in _MONTHS:
            return date(int(m[3]), _MONTHS[m[1].lower()], int(m[2]))
    raise ValueError(text)


def _unwrap(text: str) -> str:
    text = (text or "").strip()
    return text[1:] if text.startswith("'") and text[1:2] in _FORMULA else text


async def parse(unit_id: int, raw: bytes, filename: str = "") -> ImportResult:
    """Check a CSV file row by row. Saves nothing."""
    result = ImportResult()
    if len(raw) > MAX_BYTES:
        result.problems.append(
            f"The file is too large ({len(raw) // 1024:,} KB). The limit is {MAX_BYTES // 1_000_000} MB – split it into smaller files."
        )
        return result
    if not raw.strip():
        result.problems.append("The file is empty.")
        return result
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            text = ""
    if not text or "\x00" in text:
        result.problems.append(
            "This does not look like a CSV file. In your spreadsheet choose “Save as… CSV (comma-separated)” and upload that."
        )
        return result
    try:
        reader = csv.reader(io.StringIO(text))
        header = next(reader)
    except (csv.Error, StopIteration):
        result.problems.append(
            "This does not look like a CSV file. In your spreadsheet choose “Save as… CSV (comma-separated)” and upload that."
        )
        return result
    names = [h.strip().lower() for h in header]
    unknown = [h for h in header if h.strip() and h.strip().lower() not in _BY_HEADER]
    if unknown:
        result.problems.append(
            "Unknown columns: "
            + ", ".join(f"“{h.strip()}”" for h in unknown[:8])
            + ". Use the column names of the export (download the template)."
        )
    if "description" not in names:
        result.problems.append("The file needs a “Description” column.")
    if result.problems:
        return result
    fields = [_BY_HEADER.get(n) for n in names]
    categories = {
        c["name"].lower(): c["id"]
        for c in await Category.select(Category.id, Category.name, Category.active)
        if c["active"]
    }
    team = {
        r["email"].lower(): r["id"]
        for r in await Membership.select(
            Membership.person.id.as_alias("id"), Membership.person.email.as_alias("email")
        ).where(Membership.unit == unit_id)
    }
    today = local_today()
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(result.rows) >= MAX_ROWS:
                result.problems.append(
                    f"The file has more than {MAX_ROWS:,} rows – split it into smaller files."
                )
                return result
            row = ImportRow(number)
            data = {
                f: _unwrap(cells[i]) if i < len(cells) else "" for i, f in enumerate(fields) if f
            }
            if len(cells) > len(fields):
                row.errors.append("This row has more cells than the header has columns.")
            _check_row(row, data, categories, team, today)
            result.rows.append(row)
    except csv.Error as exc:
        result.problems.append(
            f"The file could not be read as CSV near row {reader.line_num}: {exc}."
        )
    if not result.rows and not result.problems:
        result.problems.append("The file has a header but no rows.")
    return result


def _check_row(row: ImportRow, data: dict, categories: dict, team: dict, today: date) -> None:
    v: dict = {}
    err = row.errors
    v["description"] = data.get("description", "").strip()
    if not v["description"]:
        err.append("Description is empty.")
    elif len(v["description"]) > 4000:
        err.append("Description is longer than 4,000 characters.")
    v["raised_by"] = data.get("raised_by", "").strip()
    if len(v["raised_by"]) > 80:
        err.append("Raised by: use a role such as “RN, nights” (at most 80 characters).")
    for name, mapping, label in (
        ("source", rules.SOURCES, "Source"),
        ("harm", rules.HARMS, "Harm"),
        ("likelihood", rules.LIKELIHOODS, "Likelihood"),
        ("ease", rules.EASE, "Ease"),
        ("status", rules.STATUSES, "Status"),
        ("feedback_how", rules.FEEDBACK_HOW, "Feedback how"),
        (
            "priority_override",
            {"high": "High", "medium": "Medium", "low": "Low"},
            "Priority set by team",
        ),
    ):
        code = _code(data.get(name, ""), mapping)
        if code is None:
            err.append(f"{label}: “{data.get(name)}” is not one of {', '.join(mapping.values())}.")
            code = ""
        v[name] = code
    v["source"] = v["source"] or "other"
    v["status"] = v["status"] or "new"
    for name, label in (
        ("identified_on", "Identified on"),
        ("due_on", "Due"),
        ("resolved_on", "Resolved on"),
        ("closed_on", "Closed on"),
        ("feedback_due_on", "Feedback due"),
        ("feedback_given_on", "Feedback given on"),
    ):
        try:
            v[name] = parse_date(data.get(name, ""))
        except ValueError:
            err.append(f"{label}: “{data.get(name)}” is not a date (use 2026-03-14).")
            v[name] = None
    if v["identified_on"] and v["identified_on"] > today:
        err.append("Identified on is in the future.")
    cat = data.get("category_name", "").strip()
    v["category"] = None
    if cat:
        if cat.lower() in categories:
            v["category"] = categories[cat.lower()]
        else:
            err.append(
                f"Category: “{cat}” is not one of the categories (ask an admin to add it, or use one from the list)."
            )
    email = data.get("owner_email", "").strip().lower()
    v["owner"] = None
    if email:
        if email in team:
            v["owner"] = team[email]
        else:
            err.append(f"Owner e-mail: “{email}” is not on this unit's team.")
    for name in (
        "priority_reason",
        "action_plan",
        "success_measure",
        "cannot_do_reason",
        "feedback_said",
        "outcome",
    ):
        v[name] = data.get(name, "").strip()
    v["needs_executive_help"] = data.get("needs_executive_help", "").strip().lower() in (
        "yes",
        "y",
        "true",
        "1",
        "x",
    )
    if v["priority_override"] and not v["priority_reason"]:
        err.append("Priority set by team needs a priority reason.")
    if v["status"] == "cannot_do" and not v["cannot_do_reason"]:
        err.append("Status is cannot do, so the cannot-do reason is needed.")
    if v["status"] == "closed" and not v["feedback_given_on"]:
        err.append(
            "Status is closed, so “Feedback given on” is needed (staff must have been told)."
        )
    if v["feedback_given_on"] and not v["feedback_how"]:
        err.append("Feedback given on is filled in, so “Feedback how” is needed.")
    found = screen(
        {
            k: v[k]
            for k in (
                "description",
                "raised_by",
                "priority_reason",
                "action_plan",
                "success_measure",
                "cannot_do_reason",
                "feedback_said",
                "outcome",
            )
        }
    )
    for name, message in found.items():
        err.append(f"{name.replace('_', ' ').capitalize()}: {message}")
    v["priority"] = rules.effective_priority(v["harm"], v["likelihood"], v["priority_override"])
    row.values = v


async def save(viewer: Viewer, unit_id: int, raw: bytes) -> int:
    """Re-check and save every row in one transaction; returns the number of issues added.

    Each row gets an idempotency key from the file's content, so confirming twice adds nothing twice."""
    ensure_can_manage(viewer, unit_id)
    result = await parse(unit_id, raw)
    if not result.ok:
        raise ValueError("the file has problems")
    digest = hashlib.sha256(f"{unit_id}:".encode() + raw).hexdigest()[:40]
    now = clock.now()
    window = None
    added = 0
    async with db.write_transaction():
        if await SafetyIssue.exists().where(
            SafetyIssue.idempotency_key == f"import-{digest}-{result.rows[0].number}"
        ):
            return 0
        if window is None:
            from rounds.issues.service import feedback_window_days

            window = await feedback_window_days()
        from datetime import timedelta

        objects = []
        for row in result.rows:
            v = dict(row.values)
            identified = v["identified_on"] or local_today()
            objects.append(
                SafetyIssue(
                    unit=unit_id,
                    identified_on=identified,
                    source=v["source"],
                    description=v["description"],
                    raised_by=v["raised_by"],
                    category=v["category"],
                    harm=v["harm"],
                    likelihood=v["likelihood"],
                    ease=v["ease"],
                    priority=v["priority"],
                    priority_override=v["priority_override"],
                    priority_reason=v["priority_reason"],
                    action_plan=v["action_plan"],
                    owner=v["owner"],
                    due_on=v["due_on"],
                    success_measure=v["success_measure"],
                    status=v["status"],
                    status_changed_at=now,
                    cannot_do_reason=v["cannot_do_reason"],
                    resolved_on=v["resolved_on"],
                    closed_on=v["closed_on"],
                    feedback_due_on=v["feedback_due_on"] or identified + timedelta(days=window),
                    feedback_given_on=v["feedback_given_on"],
                    feedback_how=v["feedback_how"],
                    feedback_said=v["feedback_said"],
                    outcome=v["outcome"],
                    needs_executive_help=v["needs_executive_help"],
                    idempotency_key=f"import-{digest}-{row.number}",
                    created_by=viewer.id,
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
            )
        inserted = await SafetyIssue.insert(*objects).returning(SafetyIssue.id)
        added = len(inserted)
        await audit.record(
            viewer.actor,
            "create",
            "safety_issue_import",
            digest[:12],
            unit_id=unit_id,
            changes={
                "rows": [None, added],
                "issue_ids": [None, f"{inserted[0]['id']}-{inserted[-1]['id']}"],
            },
        )
    return added
