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
updates it). PostgreSQL: a GIN index on the expression `DOCUMENT_SQL` (kept in step by the
database itself). Both made by migration rounds_issues_2026_12_01t04_30_00_000010.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

MAX_TERMS = 6
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


def fts5_query(terms: tuple[Term, ...]) -> str:
    """SQLite FTS5 MATCH text: every word quoted (never FTS5 syntax), terms ANDed."""
    return " AND ".join(
        '"' + " ".join(term.words) + '"' + (" *" if term.prefix else "") for term in terms
    )


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
