"""The tracking log to and from spreadsheets: export (CSV and .xlsx) and import with a column
mapping.

Import is: read the file into a table (sheets.py); propose which field each column holds from
its header (synonyms such as "Issue / Concern", "Target Date", "Responsible"); the person
confirms or changes the mapping; `check()` shows each row as it will be saved, with errors per
cell and every ignored value listed, saving nothing; `save()` re-checks and writes every row in
one transaction (nothing partial). A row with an ID updates that issue instead of adding a
copy; a row that matches its issue already changes nothing, so re-importing an export is a no-op.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from rounds import db
from rounds.audit import service as audit
from rounds.auth.access import Viewer, ensure_can_manage
from rounds.core import clock
from rounds.core.clock import local_today
from rounds.core.tables import Membership, Unit
from rounds.issues import rules
from rounds.issues.service import screen
from rounds.issues.sheets import (  # noqa: F401 (routes use them from here)
    MAX_BYTES,
    MAX_ROWS,
    SheetError,
    Table,
    read_table,
    write_csv,
    write_xlsx,
)
from rounds.issues.tables import Category, SafetyIssue
from rounds.measures.definitions import default_feedback_due

__all__ = ["MAX_BYTES", "MAX_ROWS", "SheetError", "Table"]

_OVERRIDES = {"high": "High", "medium": "Medium", "low": "Low"}

# The fields a column can hold: code -> label (the mapping step's choices, in this order).
FIELDS = {
    "id": "ID (updates that safety issue)",
    "description": "Description",
    "identified_on": "Identified on",
    "unit": "Unit (checked against this unit)",
    "source": "Source",
    "raised_by": "Raised by (a role)",
    "category": "Category",
    "harm": "Harm",
    "likelihood": "Likelihood",
    "ease": "Ease",
    "priority": "Priority",
    "priority_override": "Priority set by team",
    "priority_reason": "Priority reason",
    "action_plan": "Action plan",
    "owner": "Owner (e-mail or name)",
    "due_on": "Due",
    "success_measure": "How we will know",
    "status": "Status",
    "cannot_do_reason": "Cannot do reason",
    "resolved_on": "Resolved on",
    "closed_on": "Closed on",
    "feedback_due_on": "Feedback due",
    "feedback_given_on": "Feedback given on",
    "feedback_how": "Feedback how",
    "feedback_said": "Feedback said",
    "outcome": "Outcome",
    "needs_executive_help": "Needs executive help",
}

# Export columns: (header, field). Every header is also a synonym, so an export maps itself.
COLUMNS = [
    ("ID", "id"),
    ("Identified on", "identified_on"),
    ("Unit", "unit"),
    ("Source", "source"),
    ("Description", "description"),
    ("Raised by", "raised_by"),
    ("Category", "category"),
    ("Harm", "harm"),
    ("Likelihood", "likelihood"),
    ("Ease", "ease"),
    ("Priority", "priority"),
    ("Priority set by team", "priority_override"),
    ("Priority reason", "priority_reason"),
    ("Action plan", "action_plan"),
    ("Owner e-mail", "owner"),
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

# Headers hospitals use in their own logs, compared after `_norm` (case and punctuation ignored).
SYNONYMS = {
    "id": ["id", "issue id", "rounds id", "ref", "reference", "no", "number", "#"],
    "description": ["issue", "issue concern", "concern", "safety issue", "issue description",
                    "description of issue", "problem", "safety concern", "what staff said",
                    "defect", "hazard", "issue identified"],
    "identified_on": ["date", "date identified", "date raised", "date reported", "identified",
                      "date opened", "opened", "reported on", "raised on", "date logged"],
    "unit": ["unit", "unit name", "department", "ward", "area", "location", "dept"],
    "source": ["source", "how identified", "identified through", "origin"],
    "raised_by": ["raised by", "reported by", "identified by", "who raised it", "role"],
    "category": ["category", "type", "theme", "issue type", "domain"],
    "harm": ["harm", "severity", "worst credible harm"],
    "likelihood": ["likelihood", "probability", "frequency"],
    "ease": ["ease", "ease to fix", "effort", "difficulty"],
    "priority": ["priority", "risk", "risk rating", "priority level"],
    "priority_override": ["priority set by team", "priority override"],
    "priority_reason": ["priority reason", "reason for priority"],
    "action_plan": ["action plan", "actions", "action", "plan", "next steps", "actions taken",
                    "action taken", "action items", "intervention", "what we will do"],
    "owner": ["owner", "owner e mail", "owner email", "responsible", "responsible person",
              "person responsible", "assigned to", "lead", "accountable", "owner name"],
    "due_on": ["due", "due date", "target date", "target", "fix by", "deadline",
               "target completion date", "expected completion", "date due"],
    "success_measure": ["how we will know", "success measure", "measure of success", "measure"],
    "status": ["status", "current status", "state", "progress"],
    "cannot_do_reason": ["cannot do reason", "why not", "reason not possible"],
    "resolved_on": ["resolved on", "date resolved", "resolved", "date completed",
                    "completion date", "completed on", "date fixed"],
    "closed_on": ["closed on", "date closed", "closed"],
    "feedback_due_on": ["feedback due", "feedback due date", "feedback to staff due"],
    "feedback_given_on": ["feedback given on", "feedback date", "date staff told",
                          "feedback given", "staff feedback date", "feedback to staff"],
    "feedback_how": ["feedback how", "how staff were told", "feedback method"],
    "feedback_said": ["feedback said", "what staff were told", "feedback given to staff"],
    "outcome": ["outcome", "result", "resolution"],
    "needs_executive_help": ["needs executive help", "executive help", "escalate",
                             "needs executive", "escalated"],
}  # fmt: skip

# Words people write for a status, beyond its code and label.
STATUS_WORDS = {
    "open": "new", "not started": "new", "identified": "new", "pending": "new",
    "ongoing": "in_progress", "in process": "in_progress", "started": "in_progress",
    "wip": "in_progress", "working on it": "in_progress", "underway": "in_progress",
    "done": "resolved", "complete": "resolved", "completed": "resolved", "fixed": "resolved",
    "unable": "cannot_do", "not possible": "cannot_do", "cannot be done": "cannot_do",
    "can't do": "cannot_do", "cant do": "cannot_do",
    "closed": "closed", "closed out": "closed",
}  # fmt: skip
_YES = ("yes", "y", "true", "1", "x", "✓")
_NO = ("", "no", "n", "false", "0")

# Fields that go straight from a cell to the issue as text.
_TEXT = ("raised_by", "priority_reason", "action_plan", "success_measure", "cannot_do_reason",
         "feedback_said", "outcome")  # fmt: skip
_DATES = ("identified_on", "due_on", "resolved_on", "closed_on", "feedback_due_on",
          "feedback_given_on")  # fmt: skip
_CODES = {
    "source": rules.SOURCES,
    "harm": rules.HARMS,
    "likelihood": rules.LIKELIHOODS,
    "ease": rules.EASE,
    "status": rules.STATUSES,
    "feedback_how": rules.FEEDBACK_HOW,
    "priority_override": _OVERRIDES,
}
# What an import may write on an issue (the rest - unit, id - only identify it).
WRITTEN = (*_TEXT, *_DATES, *_CODES, "description", "category", "owner", "priority",
           "needs_executive_help")  # fmt: skip


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z#]+", " ", (text or "").lower()).split())


_BY_NAME = {
    _norm(name): code
    for code, names in SYNONYMS.items()
    for name in [*names, FIELDS[code], code.replace("_", " ")]
} | {_norm(h): code for h, code in COLUMNS}
_BY_NAME[_norm("Status: Open")] = "status"


def field_for_header(header: str) -> str:
    """The field a column header most likely holds, "" if none."""
    name = _norm(header)
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name.endswith(" date") and _norm(name[:-5]) in _BY_NAME:  # "Due date", "Closed date"
        return _BY_NAME[_norm(name[:-5])]
    return ""


def propose_mapping(header: list[str]) -> list[str]:
    """One field per column (or "" to ignore it); a field is proposed for one column only."""
    taken: set[str] = set()
    out = []
    for name in header:
        code = field_for_header(name)
        out.append("" if code in taken else code)
        taken.add(code)
    return out


def header_score(cells: list[str]) -> int:
    """How much a row looks like the header (for finding it under a title row)."""
    return sum(1 for c in cells if c and field_for_header(c))


def read(raw: bytes, filename: str) -> Table:
    return read_table(raw, filename, header_score)


# --- export ---------------------------------------------------------------------------------


def export_table(issues: list[dict]) -> tuple[list[str], list[list]]:
    """The log as a header and rows of typed values (dates as dates, words for codes)."""
    rows = []
    for issue in issues:
        row = []
        for _header, name in COLUMNS:
            if name == "unit":
                value = issue.get("unit_name")
            elif name == "category":
                value = issue.get("category_name")
            elif name == "owner":
                value = issue.get("owner_email")
            elif name == "priority":
                priority = issue.get("priority")
                value = rules.PRIORITY_LABELS.get(priority, "") if priority is not None else ""
            elif name == "needs_executive_help":
                value = "yes" if issue.get(name) else "no"
            elif name in _CODES:
                code = issue.get(name)
                value = _CODES[name].get(code, code) if code is not None else None
            elif name in _DATES:
                value = _as_date(issue.get(name))
            else:
                value = issue.get(name)
            row.append("" if value is None else value)
        rows.append(row)
    return HEADERS, rows


def _as_date(value: date | str | None) -> date | None:
    """ISO text (SQLite's fast reads) or a date (PostgreSQL); "" or None is no date."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10]) if value else None
    return value


def export_csv(issues: list[dict]) -> bytes:
    return write_csv(*export_table(issues))


def export_xlsx(issues: list[dict]) -> bytes:
    return write_xlsx(*export_table(issues))


# --- import: checking -----------------------------------------------------------------------


@dataclass
class ImportRow:
    number: int  # the row's number in the file
    action: str = "add"  # "add", "update" or "same" (matches the log already)
    issue_id: int | None = None
    values: dict = field(default_factory=dict)  # what will be saved
    shown: dict = field(default_factory=dict)  # the same in words, for the preview
    errors: dict = field(default_factory=dict)  # {field or "row": message}
    changed: list[str] = field(default_factory=list)  # labels of fields an update changes


@dataclass
class ImportResult:
    header: list[str] = field(default_factory=list)
    mapping: list[str] = field(default_factory=list)
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # about the file or the mapping
    ignored: list[str] = field(default_factory=list)  # every value that will not be saved
    digest: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.problems) + sum(len(r.errors) for r in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def nothing_to_do(self) -> bool:
        return self.ok and not self.count("add") and not self.count("update")

    @property
    def mapped(self) -> set[str]:
        return {m for m in self.mapping if m}


def _code(value: str, mapping: dict[str, str], words: dict[str, str] | None = None) -> str | None:
    """A code from its code, label or a common word, case-insensitive; "" stays ""; None if unknown."""
    text = _norm(value)
    if not text:
        return ""
    for code, label in mapping.items():
        if text in (code, _norm(label), code.replace("_", " ")):
            return code
    return (words or {}).get(text)


_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


def parse_date(text: str) -> date | None:
    """2026-03-14 (also with a time), 3/14/2026 or 3/14/26 (US order), 14 Mar 2026, Mar 14 2026.
    Raises ValueError."""
    text = text.strip()
    if not text:
        return None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?", text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})", text):
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        return date(year, int(m[1]), int(m[2]))
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
    """Undo the export's apostrophe before formula-like text."""
    text = (text or "").strip()
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@") else text


def _day_words(value: date | None) -> str:
    return value.strftime("%a %-d %b %Y") if value else ""


@dataclass
class _Lookups:
    unit_name: str
    categories: dict  # lower name -> (id, name)
    team: dict  # lower e-mail or name -> (id, display name)
    team_names: dict  # id -> display name
    issues: dict  # id -> current row, for this unit's issues named by an ID column
    today: date


async def _lookups(unit_id: int, ids: list[int]) -> _Lookups:
    unit = await Unit.select(Unit.name).where(Unit.id == unit_id).first()
    categories = {
        c["name"].lower(): (c["id"], c["name"])
        for c in await Category.select(Category.id, Category.name, Category.active)
        if c["active"]
    }
    team: dict = {}
    names: dict = {}
    for r in await Membership.select(
        Membership.person.id.as_alias("id"),
        Membership.person.email.as_alias("email"),
        Membership.person.display_name.as_alias("name"),
    ).where(Membership.unit == unit_id):
        team[r["email"].lower()] = (r["id"], r["name"])
        team.setdefault(r["name"].lower(), (r["id"], r["name"]))
        names[r["id"]] = r["name"]
    issues = {}
    if ids:
        for row in await SafetyIssue.select().where(
            SafetyIssue.id.is_in(ids[:MAX_ROWS]) & (SafetyIssue.unit == unit_id)
        ):
            issues[row["id"]] = row
    return _Lookups(unit["name"] if unit else "", categories, team, names, issues, local_today())


def _digest(unit_id: int, table: Table) -> str:
    return hashlib.sha256(f"{unit_id}:{table.to_json()}".encode()).hexdigest()[:40]


def _key(digest: str, number: int) -> str:
    return f"import-{digest}-{number}"


async def check(unit_id: int, table: Table, mapping: list[str]) -> ImportResult:
    """Every row as it will be saved, with errors per cell. Saves nothing."""
    mapping = [(m if m in FIELDS else "") for m in mapping[: len(table.header)]]
    mapping += [""] * (len(table.header) - len(mapping))
    result = ImportResult(header=table.header, mapping=mapping, digest=_digest(unit_id, table))
    seen: dict[str, str] = {}
    for name, code in zip(table.header, mapping, strict=True):
        if code and code in seen:
            result.problems.append(
                f"“{seen[code]}” and “{name}” are both set to {FIELDS[code]}: choose one of them."
            )
        seen.setdefault(code, name)
    if "description" not in result.mapped and "id" not in result.mapped:
        result.problems.append("Choose the column that holds the description of each safety issue.")
    if not table.rows:
        result.problems.append("The file has a header but no rows.")
    if result.problems:
        return result
    _list_ignored(result, table)
    id_column = mapping.index("id") if "id" in mapping else None
    ids = []
    if id_column is not None:
        for _, cells in table.rows:
            text = _unwrap(cells[id_column]) if id_column < len(cells) else ""
            if text.isdigit() and len(text) < 10:
                ids.append(int(text))
    look = await _lookups(unit_id, ids)
    existing_keys = await _imported_before(result.digest, [n for n, _ in table.rows])
    for number, cells in table.rows:
        data = {
            code: _unwrap(cells[i]) if i < len(cells) else ""
            for i, code in enumerate(mapping)
            if code
        }
        row = ImportRow(number)
        if len(cells) > len(mapping) and any(cells[len(mapping) :]):
            row.errors["row"] = "This row has more cells than the header has columns."
        _check_row(row, data, look, result.mapped)
        if row.action == "add" and _key(result.digest, number) in existing_keys:
            row.errors["row"] = (
                "This file was imported before: this row is already in the log. "
                "Add an ID column (export the log) to update issues instead."
            )
        result.rows.append(row)
    return result


async def _imported_before(digest: str, numbers: list[int]) -> set[str]:
    keys = [_key(digest, n) for n in numbers[:MAX_ROWS]]
    if not keys:
        return set()
    rows = await SafetyIssue.select(SafetyIssue.idempotency_key).where(
        SafetyIssue.idempotency_key.is_in(keys)
    )
    return {r["idempotency_key"] for r in rows}


def _list_ignored(result: ImportResult, table: Table) -> None:
    """Each column left out, with how many values it holds and the first few."""
    for i, (name, code) in enumerate(zip(table.header, result.mapping, strict=True)):
        if code:
            continue
        values = [cells[i] for _, cells in table.rows if i < len(cells) and cells[i]]
        if values:
            sample = ", ".join(f"“{v[:40]}”" for v in values[:3])
            result.ignored.append(
                f"Column “{name or f'#{i + 1}'}”: {len(values)} value{'s' if len(values) != 1 else ''} not saved ({sample}{', …' if len(values) > 3 else ''})."
            )


def _check_row(row: ImportRow, data: dict, look: _Lookups, mapped: set[str]) -> None:
    err = row.errors
    v: dict = {}
    current = None
    if "id" in data and data["id"]:
        text = data["id"].lstrip("#")
        current = look.issues.get(int(text)) if text.isdigit() and len(text) < 10 else None
        if current is None:
            err["id"] = f"There is no safety issue with ID “{data['id']}” on {look.unit_name}."
        else:
            row.issue_id, row.action = current["id"], "update"
    if "unit" in data and data["unit"] and _norm(data["unit"]) != _norm(look.unit_name):
        err["unit"] = (
            f"This row is for “{data['unit']}”, but you are importing into {look.unit_name}. "
            "Import it on that unit's page, or set this column to “Ignore”."
        )
    if "description" in data:
        v["description"] = data["description"].strip()
        if not v["description"] and not current:
            err["description"] = "Description is empty."
        elif len(v["description"]) > 4000:
            err["description"] = "Longer than 4,000 characters."
        elif not v["description"]:
            del v["description"]  # an update with a blank description keeps the current one
    for name in _TEXT:
        if name in data:
            v[name] = data[name].strip()
    if len(v.get("raised_by", "")) > 80:
        err["raised_by"] = "Use a role such as “RN, nights” (at most 80 characters)."
    for name, mapping in _CODES.items():
        if name in data:
            code = _code(data[name], mapping, STATUS_WORDS if name == "status" else None)
            if code is None:
                err[name] = f"“{data[name]}” is not one of {', '.join(mapping.values())}."
                code = ""
            v[name] = code
    for name in _DATES:
        if name in data:
            try:
                v[name] = parse_date(data[name])
            except ValueError:
                err[name] = f"“{data[name]}” is not a date (use 2026-03-14 or 3/14/2026)."
                v[name] = None
    if v.get("identified_on") and v["identified_on"] > look.today:
        err["identified_on"] = "In the future."
    if "category" in data:
        v["category"] = None
        if text := data["category"].strip():
            if text.lower() in look.categories:
                v["category"] = look.categories[text.lower()][0]
            else:
                err["category"] = (
                    f"“{text}” is not one of the categories (ask an admin to add it, or use one from the list)."
                )
    if "owner" in data:
        v["owner"] = None
        if text := data["owner"].strip():
            if text.lower() in look.team:
                v["owner"] = look.team[text.lower()][0]
            else:
                err["owner"] = f"“{text}” is not on {look.unit_name}'s team."
    if "needs_executive_help" in data:
        text = data["needs_executive_help"].strip().lower()
        if text not in _YES and text not in _NO:
            err["needs_executive_help"] = f"“{data['needs_executive_help']}”: use yes or no."
        v["needs_executive_help"] = text in _YES
    if not current:  # a new issue: what the form would default to
        v["source"] = v.get("source") or "other"
        v["status"] = v.get("status") or "new"
    merged = {**(current or _BLANK), **v}
    _priority(v, merged, data, err)
    merged = {**(current or _BLANK), **v}
    if merged["priority_override"] and not merged["priority_reason"]:
        err["priority_reason"] = "Priority set by team needs a reason."
    if merged["status"] == "cannot_do" and not merged["cannot_do_reason"]:
        err["cannot_do_reason"] = "Status is cannot do, so the reason is needed."
    if merged["status"] == "closed" and not merged["feedback_given_on"]:
        err["feedback_given_on"] = (
            "Status is closed, so this is needed (staff must have been told)."
        )
    if merged["feedback_given_on"] and not merged["feedback_how"]:
        err["feedback_how"] = "Feedback given on is filled in, so say how staff were told."
    if (
        merged["feedback_given_on"]
        and merged.get("identified_on")
        and merged["feedback_given_on"] < merged["identified_on"]
    ):
        err["feedback_given_on"] = "Before identified on: staff cannot have been told first."
    for name, message in screen(
        {k: v[k] for k in ("description", *_TEXT) if isinstance(v.get(k), str)}
    ).items():
        err[name] = message
    row.values = v
    if current:
        row.changed = [
            FIELDS[name] for name in v if name in WRITTEN and _differs(current.get(name), v[name])
        ]
        if not row.changed:
            row.action = "same"
    row.shown = _shown(merged, look)


_BLANK = {
    "description": "", "source": "other", "status": "new", "harm": "", "likelihood": "",
    "ease": "", "priority": 0, "priority_override": "", "priority_reason": "",
    "cannot_do_reason": "", "feedback_given_on": None, "feedback_how": "", "owner": None,
    "category": None, "due_on": None, "identified_on": None, "feedback_due_on": None,
}  # fmt: skip


def _priority(v: dict, merged: dict, data: dict, err: dict) -> None:
    """Priority follows harm x likelihood unless the team set it; a Priority column that says
    otherwise becomes the team's setting (with a reason saying where it came from)."""
    derived = rules.effective_priority(
        merged["harm"], merged["likelihood"], merged["priority_override"]
    )
    wanted = None
    if "priority" in data and data["priority"].strip():
        text = _norm(data["priority"])
        wanted = {"high": 3, "medium": 2, "med": 2, "low": 1, "not rated": 0, "3": 3, "2": 2,
                  "1": 1}.get(text)  # fmt: skip
        if wanted is None:
            err["priority"] = f"“{data['priority']}” is not High, Medium or Low."
    if wanted and wanted != derived:
        v["priority_override"] = {3: "high", 2: "medium", 1: "low"}[wanted]
        if not merged["priority_reason"]:
            v["priority_reason"] = "Set in the imported spreadsheet."
        derived = wanted
    if {"harm", "likelihood", "priority_override"} & set(v) or "priority" in data:
        v["priority"] = derived


def _differs(old, new) -> bool:
    if isinstance(old, str) or isinstance(new, str):
        return (old or "").strip() != (new or "").strip()
    return old != new


def _shown(merged: dict, look: _Lookups) -> dict:
    """The row in words, as the preview shows it."""
    category = next(
        (name for cid, name in look.categories.values() if cid == merged["category"]), ""
    )
    return {
        "description": merged["description"],
        "status": rules.STATUSES.get(merged["status"], merged["status"]),
        "owner": look.team_names.get(merged["owner"], "") if merged["owner"] else "",
        "due_on": _day_words(merged["due_on"]),
        "identified_on": _day_words(merged["identified_on"]) or "today",
        "category": category,
        "priority": rules.PRIORITY_LABELS.get(
            rules.effective_priority(
                merged["harm"], merged["likelihood"], merged["priority_override"]
            ),
            "",
        ),
    }


# --- import: saving -------------------------------------------------------------------------


@dataclass
class Saved:
    added: int
    updated: int
    same: int


class ImportChanged(Exception):
    """The log changed between the preview and the confirmation."""


async def save(viewer: Viewer, unit_id: int, table: Table, mapping: list[str]) -> Saved:
    """Re-check and save every row in one transaction: all or nothing.

    New rows carry an idempotency key from the file's content, so confirming twice adds nothing
    twice; updates are refused if the issue changed since the preview."""
    ensure_can_manage(viewer, unit_id)
    result = await check(unit_id, table, mapping)
    if not result.ok:
        raise ValueError("the file has problems")
    from rounds.issues.service import feedback_window_days

    window = await feedback_window_days()
    now = clock.now()
    added: list[int] = []
    updated = 0
    async with db.write_transaction():
        for row in result.rows:
            if row.action == "add":
                if await SafetyIssue.exists().where(
                    SafetyIssue.idempotency_key == _key(result.digest, row.number)
                ):
                    continue  # a second tap on "Import"
                added.append(await _insert(viewer, unit_id, row, result.digest, window, now))
            elif row.action == "update":
                await _update(viewer, unit_id, row, now)
                updated += 1
        if added or updated:
            await audit.record(
                viewer.actor,
                "create",
                "safety_issue_import",
                result.digest[:12],
                unit_id=unit_id,
                changes={
                    "added": [None, len(added)],
                    "updated": [None, updated],
                    "issue_ids": [None, f"{added[0]}-{added[-1]}" if added else ""],
                },
            )
    return Saved(len(added), updated, result.count("same"))


async def _insert(viewer, unit_id, row: ImportRow, digest: str, window: int, now) -> int:
    v = {**_BLANK, **row.values}
    identified = v["identified_on"] or local_today()
    values = {
        name: v.get(name, _BLANK.get(name, None if name in _DATES else "")) for name in WRITTEN
    }
    values.update(
        identified_on=identified,
        feedback_due_on=v["feedback_due_on"] or default_feedback_due(identified, window),
        priority=rules.effective_priority(v["harm"], v["likelihood"], v["priority_override"]),
        needs_executive_help=bool(v.get("needs_executive_help")),
    )
    for name in _TEXT:
        values[name] = values.get(name) or ""
    inserted = await SafetyIssue.insert(
        SafetyIssue(
            **await db.new_id("safety_issue"),
            unit=unit_id,
            status_changed_at=now,
            idempotency_key=_key(digest, row.number),
            created_by=viewer.id,
            created_at=now,
            updated_at=now,
            version=1,
            **values,
        )
    ).returning(SafetyIssue.id)
    issue_id = inserted[0]["id"]
    await audit.record(
        viewer.actor,
        "create",
        "safety_issue",
        issue_id,
        unit_id=unit_id,
        changes={"description": [None, values["description"]], "source": [None, "import"]},
    )
    return issue_id


async def _update(viewer, unit_id, row: ImportRow, now) -> None:
    current = await SafetyIssue.select().where(SafetyIssue.id == row.issue_id).first()
    if current is None:  # gone since the preview: as for one changed since
        raise ImportChanged(row.issue_id)
    new = {
        name: value
        for name, value in row.values.items()
        if name in WRITTEN and _differs(current.get(name), value)
    }
    if "status" in new:
        new["status_changed_at"] = now
    done = (
        await SafetyIssue.update({**new, "updated_at": now, "version": current["version"] + 1})
        .where((SafetyIssue.id == row.issue_id) & (SafetyIssue.version == current["version"]))
        .returning(SafetyIssue.id)
    )
    if not done:
        raise ImportChanged(row.issue_id)
    await audit.record(
        viewer.actor,
        "update",
        "safety_issue",
        row.issue_id,
        unit_id=unit_id,
        changes=audit.diff(
            {k: current.get(k) for k in new if k != "status_changed_at"},
            {k: v for k, v in new.items() if k != "status_changed_at"},
        ),
    )
