"""The tracking log: filters from the URL, one page of rows, the CSV export's rows.

This is the most used page in Rounds (every champion, every day, on tablets), so its queries are
plain SQL with parameters rather than ORM selects: one statement for the page of rows (owner,
category, unit and "open barrier" joined in), one COUNT when there is more than a page. Measured
with `python -m tests.perf`: building and converting the ORM select of 50 rows x 37 columns cost
more than running it. The WHERE clause is written once and shared by the page, the count and
the export, so the three can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from rounds import db
from rounds.auth.access import Viewer
from rounds.core.clock import local_today
from rounds.issues import rules, search

PER_PAGE = 50
# The log counts matching issues up to this many ("more than 10,000 safety issues").
COUNT_CAP = 10_000
SORTS = {
    "priority": "Open first, highest priority first",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "due": "Due soonest",
    "feedback": "Feedback due soonest",
    "updated": "Recently changed",
    "relevance": "Best match (when searching)",
}

# The desk table's sortable columns: (key, heading, direction of the first click). A column's key
# sorts that way; "<key>-rev" the other way. "priority", "due" and "feedback" are also the named
# orders above (open issues first), so the default order shows as "Priority, descending".
COLUMNS = [
    ("status", "Status", "ascending"),
    ("priority", "Priority", "descending"),
    ("easy", "Easy win", "descending"),
    ("description", "Safety issue", "ascending"),
    ("category", "Category", "ascending"),
    ("owner", "Owner", "ascending"),
    ("due", "Fix due", "ascending"),
    ("feedback", "Feedback due", "ascending"),
    ("unit", "Unit", "ascending"),
]
_FLIP = {"ascending": "descending", "descending": "ascending"}
COLUMN_SORTS = {key: (label, first) for key, label, first in COLUMNS} | {
    f"{key}-rev": (label, _FLIP[first]) for key, label, first in COLUMNS
}


def sort_label(sort: str) -> str:
    """Words for any order, for the Order select when a column heading chose it."""
    if sort in SORTS:
        return SORTS[sort]
    label, direction = COLUMN_SORTS[sort]
    return f"{label}, {direction}"


@dataclass
class LogFilters:
    unit: int | None = None
    status: str = ""  # a status, or "open"
    category: int | None = None
    priority: int | None = None
    owner: str = ""  # a person id, or "me", or "none"
    source: str = ""
    overdue: str = ""  # "fix" or "feedback"
    easy: bool = False
    q: str = ""
    sort: str = "priority"
    page: int = 1

    @classmethod
    def from_query(cls, params) -> LogFilters:
        """From request query params; anything unrecognised is ignored rather than refused."""

        def as_int(name):
            value = (params.get(name) or "").strip()
            return int(value) if value.isdigit() and len(value) < 10 else None

        status = params.get("status") or ""
        q = (params.get("q") or "").strip()[:200]
        searching = bool(search.parse(q))
        default = "relevance" if searching else "priority"
        sort = params.get("sort") or default
        if sort == "relevance" and not searching:
            sort = "priority"
        owner = (params.get("owner") or "").strip()
        return cls(
            unit=as_int("unit"),
            status=status if status in rules.STATUSES or status == "open" else "",
            category=as_int("category"),
            priority=p if (p := as_int("priority")) in rules.PRIORITY_LABELS else None,
            owner=owner if owner in ("me", "none") or (owner.isdigit() and len(owner) < 10) else "",
            source=s if (s := params.get("source") or "") in rules.SOURCES else "",
            overdue=o if (o := params.get("overdue") or "") in ("fix", "feedback") else "",
            easy=(params.get("easy") or "") in ("1", "on", "true"),
            q=q,
            sort=sort if sort in SORTS or sort in COLUMN_SORTS else default,
            page=max(1, min(as_int("page") or 1, 10_000)),
        )

    def query_pairs(self, *, page: bool = False) -> list[tuple[str, str]]:
        pairs = []
        for name in ("unit", "status", "category", "priority", "owner", "source", "overdue", "q"):
            value = getattr(self, name)
            if value not in (None, ""):
                pairs.append((name, str(value)))
        if self.easy:
            pairs.append(("easy", "1"))
        if self.sort != self.default_sort:
            pairs.append(("sort", self.sort))
        if page and self.page > 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def query_string(self, **change) -> str:
        """The URL query for these filters, optionally with some changed (None removes)."""
        data = dict(self.query_pairs())
        for key, value in change.items():
            if value in (None, "", False):
                data.pop(key, None)
            else:
                data[key] = "1" if value is True else str(value)
        return urlencode(data)

    @property
    def terms(self) -> tuple[search.Term, ...]:
        """The search box's words (rounds.issues.search), () when there is none."""
        return search.parse(self.q)

    @property
    def default_sort(self) -> str:
        """Best match first when searching, else open issues first by priority."""
        return "relevance" if self.terms else "priority"

    @property
    def ranked(self) -> bool:
        return self.sort == "relevance" and bool(self.terms)

    @property
    def sort_label(self) -> str:
        return sort_label(self.sort)

    @property
    def active(self) -> bool:
        return bool(self.query_pairs())

    @property
    def more_filters_set(self) -> int:
        """How many of the filters behind "More filters" are set (it opens when any is)."""
        chosen = (self.status, self.category, self.priority, self.owner, self.source)
        # a column heading's order is shown on the table itself, so it does not open the panel
        named_order = self.sort != self.default_sort and self.sort in SORTS
        return sum(value not in (None, "") for value in chosen) + named_order

    def quick_filters(self) -> list[tuple[str, bool, str]]:
        """The one-tap chips: (label, on, the query that toggles it), back to page 1."""
        return [
            (
                "Open",
                self.status == "open",
                self.query_string(status=None if self.status == "open" else "open", page=None),
            ),
            (
                "Mine",
                self.owner == "me",
                self.query_string(owner=None if self.owner == "me" else "me", page=None),
            ),
            (
                "Fix overdue",
                self.overdue == "fix",
                self.query_string(overdue=None if self.overdue == "fix" else "fix", page=None),
            ),
            (
                "Feedback overdue",
                self.overdue == "feedback",
                self.query_string(
                    overdue=None if self.overdue == "feedback" else "feedback", page=None
                ),
            ),
            ("Easy wins", self.easy, self.query_string(easy=not self.easy, page=None)),
        ]

    def column_headings(self) -> list[tuple[str, str, str, str | None]]:
        """The desk table's headings: (key, label, the query sorting by it, aria-sort or None).

        A heading not sorted on sorts its first way; the sorted one flips."""
        out = []
        for key, label, first in COLUMNS:
            if self.sort == key:
                state, target = first, f"{key}-rev"
            elif self.sort == f"{key}-rev":
                state, target = _FLIP[first], key
            else:
                state, target = None, key
            out.append((key, label, self.query_string(sort=target, page=None), state))
        return out


# --- SQL ------------------------------------------------------------------------------------

_OPEN = "('" + "', '".join(rules.OPEN_STATUSES) + "')"
# The same expression as the index safety_issue_unit_open_order, so the default order is indexed.
_OPEN_FIRST = f"CASE WHEN status IN {_OPEN} THEN 0 ELSE 1 END"
ORDER_BY = {
    "priority": f"{_OPEN_FIRST}, priority DESC, identified_on DESC, i.id DESC",
    "newest": "identified_on DESC, i.id DESC",
    "oldest": "identified_on, i.id",
    "due": f"{_OPEN_FIRST}, CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, i.id",
    "feedback": "CASE WHEN feedback_given_on IS NULL THEN 1 ELSE 0 END DESC, "
    "CASE WHEN feedback_due_on IS NULL THEN 1 ELSE 0 END, feedback_due_on, i.id",
    "updated": "i.updated_at DESC, i.id DESC",
}
# "Best match" is ranked by the full-text index when searching (_select); without words to rank
# by, the default order.
ORDER_BY["relevance"] = ORDER_BY["priority"]

# The rules a row is flagged with and filtered by, written once (rules.py holds them for one
# issue in Python; these say the same in SQL). The `{}` is today's date.
_IS_OPEN = f"i.status IN {_OPEN}"
# rules.is_easy_win: open, medium or high priority, easy.
_EASY_WIN = f"({_IS_OPEN} AND i.priority >= 2 AND i.ease = 'easy')"
_FIX_OVERDUE = f"({_IS_OPEN} AND i.due_on < {{}})"
_FEEDBACK_OVERDUE = (
    "(i.feedback_given_on IS NULL AND i.status <> 'closed' AND i.feedback_due_on < {})"
)

_STATUS_ORDER = (
    "CASE i.status "
    + " ".join(f"WHEN '{code}' THEN {n}" for n, code in enumerate(rules.STATUSES))
    + " END"
)


def _by(expression: str, direction: str, *, nulls: str = "") -> str:
    """ORDER BY one column that way; rows without a value last either way, then by id."""
    last = f"CASE WHEN {nulls} IS NULL THEN 1 ELSE 0 END, " if nulls else ""
    return f"{last}{expression} {direction}, i.id {direction}"


for _key, _expression, _nulls in (
    ("status", _STATUS_ORDER, ""),
    ("priority", "i.priority", ""),
    ("easy", f"{_EASY_WIN}, i.priority", ""),
    ("description", "LOWER(i.description)", ""),
    ("category", "LOWER(c.name)", "c.name"),
    ("owner", "LOWER(p.display_name)", "p.display_name"),
    ("due", "i.due_on", "i.due_on"),
    ("feedback", "i.feedback_due_on", "i.feedback_due_on"),
    ("unit", "LOWER(u.name)", ""),
):
    _first = COLUMN_SORTS[_key][1]
    for _sort, _direction in ((_key, _first), (f"{_key}-rev", _FLIP[_first])):
        if _sort not in ORDER_BY:  # the named orders keep their open-first meaning
            ORDER_BY[_sort] = _by(
                _expression, "ASC" if _direction == "ascending" else "DESC", nulls=_nulls
            )

# What a row of the log shows, and nothing more.
_ROW_COLUMNS = (
    "i.id, i.unit, i.description, i.status, i.priority, i.ease, i.needs_executive_help, i.identified_on, "
    "i.due_on, i.feedback_due_on, i.feedback_given_on, i.owner, p.display_name AS owner_name, "
    "c.name AS category_name, u.name AS unit_name, "
    "EXISTS (SELECT 1 FROM barrier b WHERE b.issue = i.id AND b.status = 'open') AS has_barrier, "
    f"{_IS_OPEN} AS is_open, {_EASY_WIN} AS easy_win, {_FIX_OVERDUE} AS fix_overdue, {_FEEDBACK_OVERDUE} AS feedback_overdue"
)
_JOINS = (
    "FROM safety_issue i JOIN unit u ON u.id = i.unit LEFT JOIN person p ON p.id = i.owner "
    "LEFT JOIN category c ON c.id = i.category"
)


def _placeholders(values) -> str:
    return ", ".join("{}" for _ in values)


def _visible_unit_ids(viewer: Viewer) -> list[int]:
    """For people who do not see every unit: theirs ([0] matches nothing when they have none)."""
    return sorted(viewer.unit_roles) or [0]


def where_sql(
    viewer: Viewer, f: LogFilters, today: date, *, ranked_join: bool = False
) -> tuple[str, list]:
    """The filters as one SQL condition with `{}` placeholders, and its values (without the
    search on SQLite when `ranked_join`: the ranked query joins the index instead)."""
    terms: list[str] = []
    args: list = []

    def add(sql: str, *values) -> None:
        terms.append(sql)
        args.extend(values)

    if not viewer.sees_all_units:
        units = _visible_unit_ids(viewer)
        add(f"i.unit IN ({_placeholders(units)})", *units)
    if f.unit is not None:
        add("i.unit = {}", f.unit)
    if f.status == "open":
        add(_IS_OPEN)
    elif f.status:
        add("i.status = {}", f.status)
    if f.category is not None:
        add("i.category = {}", f.category)
    if f.priority is not None:
        add("i.priority = {}", f.priority)
    if f.owner == "me":
        add("i.owner = {}", viewer.id)
    elif f.owner == "none":
        add("i.owner IS NULL")
    elif f.owner:
        add("i.owner = {}", int(f.owner))
    if f.source:
        add("i.source = {}", f.source)
    if f.overdue == "fix":
        add(_FIX_OVERDUE, today)
    elif f.overdue == "feedback":
        add(_FEEDBACK_OVERDUE, today)
    if f.easy:
        add(_EASY_WIN)
    if f.terms and not (ranked_join and db.is_sqlite()):
        # full-text index on both databases (rounds.issues.search)
        if db.is_sqlite():
            add(_FTS_IDS, fts5_match(viewer, f))
        else:
            add(f"{search.DOCUMENT_SQL} @@ to_tsquery('simple', {{}})", search.tsquery(f.terms))
    return (" AND ".join(terms) or "1 = 1"), args


_FTS_IDS = "i.id IN (SELECT rowid FROM safety_issue_fts WHERE safety_issue_fts MATCH {})"


def fts5_match(viewer: Viewer, f: LogFilters) -> str:
    """The SQLite MATCH text of a search: the words, narrowed inside the index to the unit
    filtered on, or to the person's units (the SQL condition on i.unit stays, for access)."""
    if f.unit is not None:
        units: list[int] | None = [f.unit]
    elif not viewer.sees_all_units:
        units = _visible_unit_ids(viewer)
    else:
        units = None
    return search.fts5_query(f.terms, units)


def _select(
    viewer: Viewer,
    f: LogFilters,
    today: date,
    columns: str,
    *column_args,
    tail: str,
    rank_limit: int | None = None,
):
    """SELECT columns of the issues matching the filters, in the log's order, then `tail`
    (LIMIT/OFFSET): the SQL and its values. Searches in "best match" order rank the newest
    `rank_limit` + 1 matches (the full-text index gives them newest first: SQLite's FTS5 by
    rowid, narrowed to the person's units inside the index; PostgreSQL's GIN index) by
    search.score_sql; the column `n_matches` then says how many were ranked."""
    if not f.ranked:
        where, args = where_sql(viewer, f, today)
        sql = f"SELECT {columns} {_JOINS} WHERE {where} ORDER BY {ORDER_BY[f.sort]} {tail}"
        return sql, [*column_args, *args]
    where, args = where_sql(viewer, f, today, ranked_join=True)
    limit = int(search.RANK_LIMIT if rank_limit is None else rank_limit) + 1
    if db.is_sqlite():
        # FTS5 hands the matches over newest first (ORDER BY its rowid) and stops at the limit
        candidates = (
            "SELECT i.id FROM safety_issue_fts "
            "JOIN safety_issue i ON i.id = safety_issue_fts.rowid "
            f"WHERE safety_issue_fts MATCH {{}} AND {where} "
            f"ORDER BY safety_issue_fts.rowid DESC LIMIT {limit}"
        )
        candidate_args = [fts5_match(viewer, f), *args]
    else:
        # `i.id + 0`: not the primary key's order, so PostgreSQL takes the matches from the GIN
        # index and sorts them (walking the primary key backwards instead, it would compute
        # each issue's words again until enough match: 400 ms for a common word at 100k)
        candidates = (
            f"SELECT i.id FROM safety_issue i WHERE {where} ORDER BY i.id + 0 DESC LIMIT {limit}"
        )
        candidate_args = list(args)
    # Only the candidates are scored, and the page is chosen on (id, score) alone; only its rows
    # are then read whole. One match more than the limit is read, to say "more than"; it is not
    # ranked.
    score, score_args = search.score_sql(f.terms, alias="s")
    ranked = (
        "SELECT id, score, n_matches FROM (SELECT matched.id, "
        f"{score} AS score, COUNT(*) OVER () AS n_matches, "
        "ROW_NUMBER() OVER (ORDER BY matched.id DESC) AS newest "
        f"FROM ({candidates}) AS matched JOIN safety_issue s ON s.id = matched.id) AS numbered "
        f"WHERE newest < {limit} ORDER BY score DESC, id DESC {tail}"
    )
    sql = (
        f"SELECT {columns}, ranked.n_matches FROM ({ranked}) AS ranked "
        "JOIN safety_issue i ON i.id = ranked.id "
        + _JOINS.removeprefix("FROM safety_issue i ")
        + " ORDER BY ranked.score DESC, i.id DESC"
    )
    return sql, [*column_args, *score_args, *candidate_args]


@dataclass
class LogPage:
    issues: list[LogRow]
    total: int
    has_next: bool
    filters: LogFilters
    today: date  # one "today" for every date on the page
    count_cap: int = COUNT_CAP  # a total above this is "more than" (counted up to it + 1)


class LogRow:
    """A row of the log. Fields are plain attributes: the template reads ~20 per row, 50 rows
    per request, and Jinja's lookup on a dict (getattr fails, then getitem) was the biggest
    single cost of the page. `row["id"]` still works.

    Equal (and hashed) by the values read from the database, which with the date determine
    everything shown: the key under which its rendered HTML is reused (web/fragments.py)."""

    # The columns Python reads or sets here (decorate_row); the rest come from the SELECT and
    # are read by the template only.
    status: str
    identified_on: date | None
    due_on: date | None
    feedback_due_on: date | None
    feedback_given_on: date | None
    light: str | None
    status_label: str
    # only when the caller selects it (columns=", i.status_changed_at": the home panels)
    status_changed_at: datetime

    def __init__(self, values: dict):
        self.__dict__.update(values)
        self._key = tuple(values.values())
        self._hash = hash(self._key)

    def __getitem__(self, name: str):
        return self.__dict__[name]

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return isinstance(other, LogRow) and self._key == other._key


def _day(value) -> date | None:
    """db.fetch gives SQLite dates as ISO text, PostgreSQL's as dates."""
    return date.fromisoformat(value) if value.__class__ is str else value


_LIGHTS = {status: rules.stoplight(status) for status in rules.STATUSES}


def decorate_row(values: dict, today: date) -> LogRow:
    """Typed dates, and the words for the status (the flags come from the SQL)."""
    row = LogRow(values)
    row.identified_on = _day(row.identified_on)
    row.due_on = _day(row.due_on)
    row.feedback_due_on = _day(row.feedback_due_on)
    row.feedback_given_on = _day(row.feedback_given_on)
    row.light = _LIGHTS.get(row.status)
    row.status_label = rules.STATUSES.get(row.status, row.status)
    return row


async def tracking_log(viewer: Viewer, f: LogFilters, *, per_page: int = PER_PAGE) -> LogPage:
    """One page of the log: one query for the rows (+1 to know if there is a next page), and a
    COUNT only when the rows do not already tell the total."""
    if f.unit is not None and not viewer.can_see(f.unit):
        return LogPage([], 0, False, f, local_today())
    today = local_today()
    where, args = where_sql(viewer, f, today)
    offset = (f.page - 1) * per_page
    order = ORDER_BY[f.sort]
    merge_units = _merge_units(viewer, f, offset + per_page + 1)
    if merge_units is None:
        sql, sql_args = _select(
            viewer,
            f,
            today,
            _ROW_COLUMNS,
            today,
            today,
            tail=f"LIMIT {per_page + 1} OFFSET {offset}",
        )
        rows = await db.fetch(sql, *sql_args)
        if f.ranked:
            # a ranked search ranks at most search.RANK_LIMIT matches, and says how many
            ranked = rows[0]["n_matches"] if rows else 0
            for row in rows:
                del row["n_matches"]
            return LogPage(
                [decorate_row(row, today) for row in rows[:per_page]],
                ranked,
                len(rows) > per_page,
                f,
                today,
                count_cap=search.RANK_LIMIT,
            )
    else:
        if merge_units == [] and f.sort in _HOSPITAL_INDEXED_SORTS:
            frm, frm_args = _hospital_top_from(where, args, order, offset + per_page + 1)
        else:
            frm, frm_args = _per_unit_from(where, args, order, offset + per_page + 1, merge_units)
        rows = await db.fetch(
            f"SELECT {_ROW_COLUMNS} {frm} ORDER BY {order} LIMIT {per_page + 1} OFFSET {offset}",
            today,
            today,
            *frm_args,
        )
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    if has_next or (f.page > 1 and not rows):
        # Counted up to a cap, so the count is bounded too (a leader's log at a million issues
        # would otherwise read every row of the index on every page): "more than 10,000".
        total = (
            await db.fetch(
                f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM safety_issue i WHERE {where} "
                f"LIMIT {COUNT_CAP + 1}) AS counted",
                *args,
            )
        )[0]["n"]
    else:
        total = offset + len(rows)
    return LogPage([decorate_row(row, today) for row in rows], total, has_next, f, today)


# The per-unit plan reads (page x rows per page) rows from each unit: beyond this many rows per
# unit (page 20), one plain query over all the units is as cheap.
MERGE_MAX_ROWS = 1_001
# Orders that read only the issue's own columns (the others sort on a joined name).
_OWN_COLUMN_SORTS = frozenset(
    sort for sort, sql in ORDER_BY.items() if not re.search(r"\b[cpu]\.", sql)
)

_GLOBALLY_INDEXED_SORTS = frozenset({"newest", "oldest", "priority-rev"})


def _merge_units(viewer: Viewer, f: LogFilters, rows_per_unit: int) -> list[int] | None:
    """The units to take a top page from and merge, or None for one plain query.

    A person who sees several units (an executive partner, a leader, an administrator) would
    otherwise get one query over all their units' rows, sorted whole for 50 of them: its cost
    grows with the hospital. Taking each unit's first rows from the (unit, order...) index and
    merging them reads at most units x rows_per_unit index entries, however many issues there
    are. [] means every unit (people who see them all)."""
    if (
        f.ranked
        or f.unit is not None
        or f.sort not in _OWN_COLUMN_SORTS
        or rows_per_unit > MERGE_MAX_ROWS
    ):
        return None
    if viewer.sees_all_units:
        # these orders have an index over all units (identified_on, priority; id is the rowid)
        return None if f.sort in _GLOBALLY_INDEXED_SORTS and db.is_sqlite() else []
    units = _visible_unit_ids(viewer)
    return units if len(units) > 1 else None


# Orders with an index over every unit's issues that gives the first page by itself
# (safety_issue_open_order_all): for people who see every unit, no merge is needed.
_HOSPITAL_INDEXED_SORTS = frozenset({"priority"})


def _hospital_top_from(where: str, args: list, order: str, limit: int) -> tuple[str, list]:
    """FROM clause giving the hospital's first `limit` matching issues (in `order`) for someone
    who sees every unit. The ids come first, alone, so the planner walks the order's index and
    stops at the limit (joined as one statement, SQLite started from the units and sorted the
    whole log: 3.7 s at 1M issues)."""
    top = f"SELECT i.id FROM safety_issue i WHERE {where} ORDER BY {order} LIMIT {int(limit)}"
    rest = _JOINS.removeprefix("FROM safety_issue i ")
    return f"FROM ({top}) top JOIN safety_issue i ON i.id = top.id {rest}", list(args)


def _per_unit_from(
    where: str, args: list, order: str, limit: int, units: list[int]
) -> tuple[str, list]:
    """FROM clause giving each unit's first `limit` matching issues (in `order`), joined as the
    log's row needs. SQLite: a correlated IN per unit (SQLite has no LATERAL; it runs the
    subquery once per unit on the index); PostgreSQL: CROSS JOIN LATERAL."""
    top = (
        f"SELECT i.id FROM safety_issue i WHERE i.unit = uu.id AND {where} "
        f"ORDER BY {order} LIMIT {int(limit)}"
    )
    rest = _JOINS.removeprefix("FROM safety_issue i ")
    if db.is_sqlite():
        frm = f"FROM unit uu JOIN safety_issue i ON i.id IN ({top}) {rest}"
    else:
        frm = f"FROM unit uu CROSS JOIN LATERAL ({top}) top JOIN safety_issue i ON i.id = top.id {rest}"
    frm_args = list(args)
    if units:
        frm += f" WHERE uu.id IN ({_placeholders(units)})"
        frm_args.extend(units)
    return frm, frm_args


async def first_of_units(
    units: list[int],
    where: str,
    args: list,
    order: str,
    limit: int,
    *,
    columns: str = "",
    merge: bool = True,
) -> list[LogRow]:
    """The first `limit` issues of these units matching `where` (SQL on `i` with `{}`
    placeholders for `args`) in `order`, as log rows (plus `columns`, e.g. ", i.status_changed_at").

    The log's own plan, for the home pages' short lists: each unit's first rows from its
    (unit, order...) index, merged (_per_unit_from), so the cost is units x limit index entries
    however many issues match; one unit, one plain query on the same index. `merge=False`: one
    plain query over the units, for a `where` that an index bounds by itself (a person's own)."""
    today = local_today()
    if not units:
        return []
    if len(units) == 1 or not merge:
        # (unit = x, not IN (x): SQLite reads an IN's index range without its order)
        by_unit = "i.unit = {}" if len(units) == 1 else f"i.unit IN ({_placeholders(units)})"
        sql = (
            f"SELECT {_ROW_COLUMNS}{columns} {_JOINS} WHERE {by_unit} "
            f"AND {where} ORDER BY {order} LIMIT {int(limit)}"
        )
        rows = await db.fetch(sql, today, today, *units, *args)
    else:
        frm, frm_args = _per_unit_from(where, args, order, limit, sorted(units))
        rows = await db.fetch(
            f"SELECT {_ROW_COLUMNS}{columns} {frm} ORDER BY {order} LIMIT {int(limit)}",
            today,
            today,
            *frm_args,
        )
    return [decorate_row(row, today) for row in rows]


async def all_matching(viewer: Viewer, f: LogFilters, *, limit: int = 100_000) -> list[dict]:
    """Every issue matching the filters, every column (for the CSV export), in the log's order."""
    if f.unit is not None and not viewer.can_see(f.unit):
        return []
    sql, args = _select(
        viewer,
        f,
        local_today(),
        "i.*, p.display_name AS owner_name, p.email AS owner_email, c.name AS category_name, u.name AS unit_name",
        tail=f"LIMIT {int(limit)}",
        rank_limit=limit,  # the export ranks every match it writes
    )
    # tens of thousands of rows for a leader: read in a thread on SQLite (db.fetch_off_loop)
    rows = await db.fetch_off_loop(sql, *args)
    for row in rows:
        row.pop("n_matches", None)
    return rows


@dataclass
class FilterChoices:
    units: list[dict]  # the units this person can see: {id, name, active}
    categories: list[tuple[int, str]]  # active ones, plus the one filtered on
    owners: list[tuple[int, str]]  # people on the units in view


async def filter_choices(viewer: Viewer, f: LogFilters) -> FilterChoices:
    """Everything the filter selects offer, in one statement (it runs on every filter change)."""
    args: list = []
    units_where = owners_where = ""
    units: list[int] = []
    if not viewer.sees_all_units:
        units = _visible_unit_ids(viewer)
        units_where = f" WHERE id IN ({_placeholders(units)})"
        args.extend(units)
    if f.unit is not None and viewer.can_see(f.unit):
        owners_where, owner_args = " WHERE m.unit = {}", [f.unit]
    elif not viewer.sees_all_units:
        owners_where, owner_args = f" WHERE m.unit IN ({_placeholders(units)})", units
    else:
        owner_args = []
    args.extend(owner_args)
    rows = await db.fetch(
        f"SELECT 'u' AS kind, id, name, active, 0 AS pos FROM unit{units_where} "
        "UNION ALL SELECT 'c', id, name, active, position FROM category "
        "UNION ALL SELECT DISTINCT 'o', p.id, p.display_name, p.active, 0 FROM membership m "
        f"JOIN person p ON p.id = m.person{owners_where} "
        "ORDER BY kind, pos, name, id",
        *args,
    )
    return FilterChoices(
        units=[
            {"id": r["id"], "name": r["name"], "active": bool(r["active"])}
            for r in rows
            if r["kind"] == "u"
        ],
        categories=[
            (r["id"], r["name"])
            for r in rows
            if r["kind"] == "c" and (r["active"] or r["id"] == f.category)
        ],
        owners=[(r["id"], r["name"]) for r in rows if r["kind"] == "o"],
    )
