"""Searching the log: one query syntax, a full-text index on each database, highlighted words.

Syntax (the same on SQLite and PostgreSQL):
- words are ANDed: `heparin look` finds issues with both words;
- each word also matches longer words it begins (`pump` finds "pumps"); `pump*` says so
  explicitly;
- `"fire exit"` finds the words next to each other, in that order (`"fire ex"*`: the last one
  a beginning);
- punctuation splits words, case does not matter, accents do (on both databases).

The searched text is the issue's description, action plan, outcome, raised by and success
measure. SQLite: an FTS5 table (`safety_issue_fts`, external content, kept in step by triggers
on safety_issue, so every write path - captures, edits, imports, merges, the scale generator -
updates it; its sixth column is the issue's unit, so a person's units narrow the words inside
the index: `unit : ("3" OR "7") AND {description ...} : (words)`). PostgreSQL: a GIN index on
the expression `DOCUMENT_SQL` (kept in step by the database itself). Made by migrations
rounds_issues_2026_12_01t04_30_00_000010 and _000011.

Best match first, bounded: the newest RANK_LIMIT matching issues (highest id first, in the
person's units and with the log's other filters) are ranked by `score_sql` - how often the
searched words occur, in the description counting double - so the cost of a search does not
grow with the number of issues that match a common word. The same ranking on both databases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

MAX_TERMS = 6
# A ranked search ranks at most this many matches, the newest (the log says "more than" this).
RANK_LIMIT = 200
MAX_WORDS_PER_TERM = 8

SEARCHED_COLUMNS = ("description", "action_plan", "outcome", "raised_by", "success_measure")
# PostgreSQL: the document, exactly as in the GIN index safety_issue_search (the index is used
# only for this very expression).
DOCUMENT_SQL = (
    "to_tsvector('simple', "
    + " || ' ' || ".join(f"coalesce(i.{c}, '')" for c in SEARCHED_COLUMNS)
    + ")"
)

_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r'"([^"]*)"(\*?)|(\S+)')


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # lower case; several = a phrase
    prefix: bool  # the last word matches longer words too


def parse(q: str) -> tuple[Term, ...]:
    """The terms of a search box's text; () when it holds no word."""
    terms: list[Term] = []
    for match in _TOKEN.finditer(q or ""):
        phrase, star, bare = match.groups()
        if bare is not None:
            words = _WORD.findall(bare.lower())
            prefix = True  # a typed word finds the words it begins
        else:
            words = _WORD.findall(phrase.lower())
            prefix = bool(star)
        if words:
            terms.append(Term(tuple(words[:MAX_WORDS_PER_TERM]), prefix))
        if len(terms) == MAX_TERMS:
            break
    return tuple(terms)


_TEXT_COLUMNS = "{" + " ".join(SEARCHED_COLUMNS) + "}"


def fts5_query(terms: tuple[Term, ...], units: list[int] | None = None) -> str:
    """SQLite FTS5 MATCH text: every word quoted (never FTS5 syntax), terms ANDed, looked for in
    the text columns only; with `units`, only those units' issues (the index's unit column)."""
    words = " AND ".join(
        '"' + " ".join(term.words) + '"' + (" *" if term.prefix else "") for term in terms
    )
    text = f"{_TEXT_COLUMNS} : ({words})"
    if units is None:
        return text
    return "unit : (" + " OR ".join(f'"{int(u)}"' for u in units) + f") AND {text}"


def score_sql(terms: tuple[Term, ...], alias: str = "i") -> tuple[str, list]:
    """An SQL expression (with `{}` placeholders) and its values: how well an issue matches,
    the same on both databases - each searched word's occurrences (as the beginning of a word
    or inside one), twice in the description. Higher is better. (SQLite's lower() folds
    ASCII letters only, so an accented capital counts on PostgreSQL only.)"""
    words = sorted({w for t in terms for w in t.words})
    description = f"lower(coalesce({alias}.description, ''))"
    rest = (
        "lower("
        + " || ' ' || ".join(f"coalesce({alias}.{c}, '')" for c in SEARCHED_COLUMNS[1:])
        + ")"
    )
    parts: list[str] = []
    args: list = []
    for word in words:
        for text, weight in ((description, 2), (rest, 1)):
            parts.append(
                f"{weight} * ((length({text}) - length(replace({text}, {{}}, ''))) / {len(word)})"
            )
            args.append(word)
    return " + ".join(parts) or "0", args


def tsquery(terms: tuple[Term, ...]) -> str:
    """PostgreSQL to_tsquery('simple', ...) text: phrases with <->, prefixes with :*."""
    out = []
    for term in terms:
        words = [f"'{w}'" for w in term.words]
        if term.prefix:
            words[-1] += ":*"
        out.append("(" + " <-> ".join(words) + ")")
    return " & ".join(out)


def highlight(text: str | None, terms: tuple[Term, ...]) -> Markup:
    """The text, escaped, with the searched words in <mark>: a word is marked when it is one of
    the terms' words (or begins with a prefix). Phrases mark their words wherever they occur."""
    text = text or ""
    if not terms:
        return escape(text)
    exact = {w for t in terms for w in (t.words if not t.prefix else t.words[:-1])}
    prefixes = tuple(t.words[-1] for t in terms if t.prefix)
    out = []
    last = 0
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if word in exact or (prefixes and word.startswith(prefixes)):
            out.append(escape(text[last : match.start()]))
            out.append(Markup("<mark>") + escape(match.group()) + Markup("</mark>"))
            last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)
