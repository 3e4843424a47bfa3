"""The screen as it was before issue #13 (a frozen copy), kept only so evaluate.py can compare."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    text: str
    reason: str


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}})"

# Words that follow "Patient" in the names of things, not people ("Patient Safety Officer").
_NOT_NAMES = "Safety|Family|Care|Experience|Relations|Services|Advocate|Advocacy|Portal|Transport|Flow|Access|Education|Identification|Satisfaction|Controlled|Monitoring|Lift|Placement|Access|Belongings"

PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"\b(?:MRN|medical record(?: number| no\.?)?|record (?:number|no\.?)|chart (?:number|no\.?)|hospital number|NHS number|patient (?:id|number|no\.?))\s*(?:[:#]\s*)?(?=[A-Z-]*\d)[A-Z0-9-]{4,}\b",
            re.I,
        ),
        "looks like a medical record number",
    ),
    (
        re.compile(r"\b(?:MRN|acct|account)\s*(?:[:#]\s*)?\d{4,}\b", re.I),
        "looks like a record or account number",
    ),
    (
        re.compile(
            rf"\b(?:DOB|D\.O\.B\.?|date of birth|born(?: on)?|birthdate)\s*(?:[:\-]\s*)?{_DATE}",
            re.I,
        ),
        "looks like a date of birth",
    ),
    (re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), "looks like a social security number"),
    (
        re.compile(r"(?<![\w/.-])(?:\+?\d{1,2}[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b"),
        "looks like a phone number",
    ),
    (re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}\.[\w.-]{2,190}\b"), "looks like an e-mail address"),
    (
        re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Master)\.?\s+[A-Z][a-zA-Z'-]+"),
        "names a person (Mr/Mrs Surname)",
    ),
    (
        re.compile(
            r"\b(?i:patient|pt|resident|client)\s+(?i:named|called)\s+[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?"
        ),
        "looks like a patient's name",
    ),
    (
        re.compile(
            rf"\b(?i:patient|pt)\.?\s+(?!(?:{_NOT_NAMES})\b)[A-Z][a-z'-]+\s+[A-Z][a-z'-]+\b"
        ),
        "looks like a patient's name",
    ),
    (
        re.compile(
            rf"\b(?:room|rm|bed|bay)\s*#?\s*\d+[A-Za-z]?(?:\s*(?:bed|b)\s*\d+)?\b[^.\n]{{0,40}}?\b(?:on\s+)?{_DATE}",
            re.I,
        ),
        "room-and-bed with a date can identify a patient",
    ),
    (
        re.compile(rf"\b{_DATE}\b[^.\n]{{0,40}}?\b(?:room|rm|bed|bay)\s*#?\s*\d+", re.I),
        "room-and-bed with a date can identify a patient",
    ),
]


def find_identifiers(text: str) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[str] = set()
    text = text or ""
    for pattern, reason in PATTERNS:
        if "@" in pattern.pattern and "@" not in text:
            continue  # the e-mail pattern backtracks on long runs of word characters; skip it when it cannot match
        for match in pattern.finditer(text):
            snippet = match.group(0).strip()
            if snippet not in seen:
                seen.add(snippet)
                findings.append(Finding(snippet, reason))
    return findings


def explain(findings: list[Finding]) -> str:
    """One message for a form field."""
    parts = [f"“{f.text}” {f.reason}" for f in findings[:3]]
    return (
        "Remove patient identifiers before saving: "
        + "; ".join(parts)
        + ". Describe the system problem, not the patient."
    )
