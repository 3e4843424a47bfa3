"""Screen free text for likely patient identifiers before it is saved.

The log is patient safety work product, shared widely, and must never hold identifiers. This is
a screen, not a guarantee. It works on the shapes staff actually type on a tablet rather than on a
list of examples:

- numbers by their context word (MRN, MR#, med rec, acct, FIN, CSN, encounter, insurance...) in
  any spelling, and any long bare number that no innocent context word (ticket, work order,
  asset, lot, ext...) explains;
- dates of birth in every format, SSNs, phone numbers with or without area code, e-mail
  addresses (also "at ... dot com"), street addresses, ages over 89;
- people: a title before a word that is not an everyday word ("Mr Smith" yes, "Mr Coffee
  machine" no), "pt"/"patient" before a name, a name in a person's place ("Smith in bed 4",
  "Nguyen's daughter", "Garcia fell"), first and last names together, initials with an age or sex;
- a person tied to a bed or room ("the patient in bed 4"), and a room or bed with a date.

Names and everyday words come from two small lists in lexicon/ (US Census name tables and an
English frequency list; see tests/identifiers/build_lexicon.py). Measured on the labelled corpus
in tests/identifiers: see docs/identifier-screen.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

_LEXICON = Path(__file__).resolve().parent / "lexicon"


@dataclass(frozen=True)
class Finding:
    text: str  # the part of the text that looks like an identifier, as typed
    reason: str  # "looks like a medical record number"
    start: int = field(default=0, compare=False)
    end: int = field(default=0, compare=False)
    instead: str = field(default="", compare=False)  # how to say it without the identifier


@cache
def _words() -> tuple[dict[str, str], frozenset[str]]:
    """({name: "F"|"S"|"FS"}, everyday words), read once."""
    names = {}
    for line in (_LEXICON / "names.txt").read_text().splitlines():
        word, _, tag = line.partition("\t")
        names[word] = tag
    common = frozenset((_LEXICON / "common.txt").read_text().split())
    return names, common


def _key(word: str) -> str:
    key = word.lower().replace("’", "'").strip("'-.")
    if not key.isascii():  # the lists are unaccented: José -> jose, Núñez -> nunez
        key = "".join(c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c))
    return key


@lru_cache(maxsize=50_000)
def _is_name(word: str) -> bool:
    """A census name: Smith, garcia, O'Neil, Lopez-Hernandez."""
    names, _ = _words()
    key = _key(word)
    if key in names or key.replace("'", "") in names:
        return True
    parts = [p for p in re.split(r"[-']", key) if len(p) > 1]
    return len(parts) > 1 and any(p in names for p in parts)


@lru_cache(maxsize=50_000)
def _is_everyday(word: str) -> bool:
    """An everyday English word, or a plural/-ed/-ing form of one that is not a name (sheets)."""
    names, common = _words()
    key = _key(word)
    if key in common:
        return True
    for ending, back in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", "")):
        if key.endswith(ending) and len(key) > len(ending) + 2:
            stem = key[: -len(ending)] + back
            if stem in common and stem not in names:
                return True
    return False


def _strong_name(word: str) -> bool:
    """A name that is not also an everyday word ("smith" yes, "will" no), whatever its case."""
    return _is_name(word) and not _is_everyday(word)


def _is_abbreviation(word: str) -> bool:
    return word.isupper() and len(word.strip(".")) <= 3


def _looks_like_name(word: str) -> bool:
    """After a title or "patient": a name, or a capitalised word that is not an everyday one."""
    if _is_abbreviation(word) and not _is_name(word):
        return False
    if _is_name(word) and (word[:1].isupper() or not _is_everyday(word)):
        return True
    return word[:1].isupper() and not _is_everyday(word) and not word.isupper()


@lru_cache(maxsize=50_000)
def _is_dictionary_word(word: str) -> bool:
    """A name that is also a lower-case dictionary word (smith, pool, champion)."""
    names, _ = _words()
    return "W" in names.get(_key(word), "")


@lru_cache(maxsize=50_000)
def _is_first_name(word: str) -> bool:
    names, _ = _words()
    return "F" in names.get(_key(word), "")


# --- shared shapes --------------------------------------------------------------------------

_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_ORD = r"(?:st|nd|rd|th)"
# A full date, numeric or with a month name.
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
    rf"|\d{{1,2}}{_ORD}?(?:\s+of)?[\s-]*{_MONTH}[\s,-]*'?\d{{2,4}}"
    rf"|{_MONTH}[\s-]*\d{{1,2}}{_ORD}?,?\s*'?\d{{2,4}})"
)
# A day without a year: 3/4, the 14th, 14 March, Mar 14.
_DAY = (
    rf"(?:\d{{1,2}}/\d{{1,2}}(?!\d|/\d)|(?:the\s+)?\d{{1,2}}{_ORD}(?:\s+of)?(?:\s+{_MONTH})?"
    rf"|\d{{1,2}}\s*{_MONTH}(?![a-z])|{_MONTH}\s*\d{{1,2}}(?!\d))"
)
# What a date of birth may look like after "DOB": any of the above, 14Mar52, 031452, 1952.
_BIRTH_VALUE = rf"(?:{_DATE}|\d{{1,2}}-\d{{1,2}}\b|\d{{1,2}}\s*{_MONTH}\s*'?\d{{2,4}}|{_DAY}|\d{{6}}(?:\d{{2}})?\b|(?:19|20)\d{{2}}\b)"
_ROOM = r"(?:\d{1,4}[A-Za-z]?(?![\w:/.-])|\d{0,2}[A-Z]{1,3}-?\d{1,4}[A-Za-z]?\b)"
_ROOM_WORD = r"(?:room|rm|bed|bay|cubicle|cube|pod|space|stretcher|crib|cot)"
_NOT_A_ROOM_AFTER = r"(?!\s*(?:min|mins|minutes?|hours?|hrs?|h\b|days?|wks?|weeks?|months?|am\b|pm\b|%|mg|ml|units?|x\b))"
_PERSON = (
    r"(?:patient|pt|resident|client|lady|man|woman|gentleman|gent|guy|gal|boy|girl|baby|infant|"
    r"child|kid|toddler|teen|daughter|son|wife|husband|mum|mom|mother|dad|father|family|"
    r"grand(?:son|daughter|mother|father))"
)
_FAMILY = (
    r"(?:daughter|son|wife|husband|family|mother|mom|mum|father|dad|sister|brother|partner|kids?|"
    r"children|grandson|granddaughter|niece|nephew|caregiver|carer|guardian|spouse|visitors?)"
)
# What happens to a patient (not "Stryker is coming", "Baxter has a recall").
_EVENT_VERB = (
    r"(?:fell|falls|slipped|tripped|pulled|refused|eloped|wandered|coded|died|received|"
    r"complained|missed|waited|vomited|aspirated|choked|self[- ]extubated|developed|sustained|"
    r"bled|hit\s+(?:his|her|their)|(?:was|is|got|had|has)\s+(?:given|found|admitted|discharged|"
    r"transferred|moved|restrained|sedated|intubated|a\s+fall|the\s+wrong|wrong|no|not\s+(?:given|told|seen|turned|fed))"
    r"|got\s+(?:a|an|the)\b)"
)
_L = r"[^\W\d_]"  # a letter, accented ones included (Núñez, Café)
_WORD = rf"{_L}(?:{_L}|['’-])*{_L}"
_TITLE = r"(?:mr|mrs|ms|mx|mister|missus|sr|sra|srta|mme|mlle)\b\.?|Miss\b"
_AGE = r"(?i:\d{1,3}\s*-?\s*(?:yo\b|y/o\b|y\.o\.?|yrs?\.?(?:\s*old)?\b|years?[\s-]*old\b|year-old\b|yr-old\b))"
_AGE_SEX = rf"(?i:{_AGE}\s*(?:m|f|male|female|man|woman|boy|girl)?\b|\d{{1,3}}\s?(?:m|f)\b|\d{{1,3}}\s+(?:male|female)\b)"
_INITIALS_DOTTED = r"(?:\b[A-Za-z]\.\s?[A-Za-z]\b\.?(?:\s?[A-Za-z]\.)?)"
_INITIALS_CAPS = r"(?:\b[A-Z]{2,3}\b|\b[A-Z]\s[A-Z]\b)"
# Two or three capitals that are staff or clinical abbreviations, not initials.
_ABBREVIATIONS = frozenset(
    "RN LPN LVN CNA PCA HCA NP PA MD DO DR RT PT OT ST SLP EVS UC ED ER OR ICU CCU PICU NICU MICU "
    "SICU PACU IV IM SC PO PR BP HR RR GI GU ENT OB OBS ID IT HR AM PM US UK NHS EMR EHR MRI CT "
    "MR MS ECG EKG EEG COW WOW SCD DVT PE UTI CHF COPD DNR DNI AMA NPO PRN BID TID QID ICD CPT "
    "RRT CPR ACLS BLS PPE N95 OK CEO CNO CMO CFO VP QI PI HIPAA CUSP ASAP FYI STAT AKA".split()
)
_INNOCENT_NUMBER_CONTEXT = re.compile(
    r"(?:ticket|tkt|work\s*order|w\.?o\.?|order|requisition|request|req|inc|incident|case|rca|event|"
    r"report|rl6|datix|asset|tag|serial|s/?n|lot|ref|model|p\.?o\.?|invoice|item|part|cat(?:alog)?|"
    r"badge|pager|bleep|ext(?:ension)?|x|fax|vendor|sku|barcode|gtin|ndc|version|v|code|"
    r"policy|sop|procedure|project|budget|cost\s*cent(?:er|re)|account\s*code|\$|£|€)"
    r"\W*(?:#|no\.?|num(?:ber)?|id)?\W*$",
    re.I,
)
_UNITS_AFTER = re.compile(r"\s*(?:mg|mcg|ml|l\b|units?|u\b|meq|mmol|g\b|kg|%|mm|cm|hrs?|min)", re.I)

# --- the patterns -----------------------------------------------------------------------------
# Each: (pattern, reason, how to say it instead, check on the match or None).

_ID_WORDS = (
    r"(?:m\.?\s?r\.?\s?n\b\.?|mr\s?#|m\.r\.|mr(?=\s*(?:no\b|num|#|:)?\s*[A-Z]?\d{4})|"
    r"med(?:ical)?\.?\s*rec(?:ord)?s?\b\.?|record|chart|hosp(?:ital)?\b\.?|acc(?:oun)?t\b\.?|acct|"
    r"enc(?:ounter|ntr|tr)?\b\.?|csn|fin|har|visit|admission|adm|nhs|chi|"
    r"ins(?:urance)?\b\.?|member|subscriber|medicaid|medicare|mcd|mcr|health\s*card|zip(?:\s*code)?|"
    r"(?:patient|pt)(?:'s)?|ssn|ss#|ss|soc(?:ial)?\.?\s*sec(?:urity)?\.?|social|"
    r"last\s*(?:4|four)\s*(?:of|digits)?\s*(?:ssn|social|mrn))"
)
_ID_FILLER = (
    r"(?:[\s:#=.\-]*(?:no\b\.?|nbr|num(?:ber)?|#|id|policy|card|is|was|ending(?:\s+in)?|"
    r"of\s*(?:ssn|mrn))){0,3}[\s:#=.\-]*"
)
_ID_VALUE = r"(?:[A-Z]{0,4}\d[A-Z\d]*(?:[ -][A-Z\d]*\d[A-Z\d]*){0,3})"


def _id_value_ok(m: re.Match) -> bool:
    value = m.group("value")
    if sum(c.isdigit() for c in value) < 4:
        return False
    if re.fullmatch(r"(?:19|20)\d{2}(?:-\d{1,2}-\d{1,2})?", value):
        return False  # "visit 2026-03-14", "chart 2025 audit": dates and years, not numbers
    return not _UNITS_AFTER.match(m.string, m.end())


def _long_number_ok(m: re.Match) -> bool:
    before = m.string[max(0, m.start() - 30) : m.start()]
    if _INNOCENT_NUMBER_CONTEXT.search(before):
        return False
    return not _UNITS_AFTER.match(m.string, m.end())


def _phone_ok(m: re.Match) -> bool:
    """10 to 13 digits in groups, or 7 as 555-1234; not a time or date range (0700-1930)."""
    number = m.group(0)
    digits = sum(c.isdigit() for c in number)
    if digits == 7:
        if not re.fullmatch(r"\d{3}[\s.-]\d{4}|\d{7}", number):
            return False
    elif not 10 <= digits <= 13 or re.fullmatch(r"\d{4}-\d{4}", number):
        return False
    if re.fullmatch(r"(?:(?:19|20)\d\d[\s.-]*)+", number):
        return False  # a list of years
    if re.match(r"(?:\+?1[\s.-]*)?\(?8(?:00|88|77|66|55|44|33)\b", number):
        return False  # a toll-free line belongs to a company, not a patient
    return _long_number_ok(m)


def _title_ok(m: re.Match) -> bool:
    title, word = m.group("title"), m.group("name")
    if title.isupper() and not title.endswith(".") and title in ("MR", "MS"):
        # MR = mitral regurgitation or the scanner, MS = multiple sclerosis: only a clear name.
        return _strong_name(word)
    if _is_abbreviation(word) and not _is_name(word):
        return False
    if _PLACE_WORDS.match(m.string, m.end()):
        return False  # "Miss Daisy Café", "Mr Lee Building": a place named after someone
    return _is_name(word) or not _is_everyday(word)


_PERSON_CONTEXT_AFTER = re.compile(
    rf"\s*(?:$|[,;:(]|'s\b|(?:again\s+)?{_EVENT_VERB}\b|(?:in|at)\s|{_AGE_SEX})", re.I
)


def _after_patient_ok(m: re.Match) -> bool:
    word = m.group("name")
    if not word[:1].isupper():
        return _strong_name(word)
    if not _looks_like_name(word):
        return False
    if _is_everyday(word):
        # "pt Brown fell" but not "pt Call Bell cords": an everyday word is a name only when a
        # person's context follows it.
        after = m.string[m.end("name") :]
        following = _TOKEN.match(after.lstrip())
        if (
            following
            and after[:1] == " "
            and _full_name(
                word,
                following.group(),
                m.string,
                len(m.string) - len(after.lstrip()) + following.end(),
            )
        ):
            return True  # "pt John Smith", not "pt Call Bell"
        return bool(_PERSON_CONTEXT_AFTER.match(m.string, m.end("name")))
    return True


def _named_ok(m: re.Match | _Alias) -> bool:
    word = m.group("name")
    return word[:1].isupper() or _is_name(word)


_PLACE_WORDS = re.compile(
    r"\s*(?:hall|wing|building|bldg|tower|pavilion|cent(?:er|re)|house|lobby|garage|clinic|"
    r"institute|foundation|award|scale|score|scores|act|syndrome|disease|protocol|method|"
    r"technique|maneuver|manoeuvre|unit|ward|street|st\b|road|rd\b|avenue|ave\b|lane|drive|"
    r"campus|library|cafe|café|room|suite|lab|medical|health|healthcare|"
    r"drains?|catheters?|lines?|collars?|bags?|clamps?|stands?|tubes?|valves?|pumps?|beds?|lifts?|"
    r"slings?|splints?|boots?|masks?|sets?|kits?|trays?|retractors?|forceps|scissors|sutures?|"
    r"stockings?|dressings?|machines?|carts?|chairs?|stretchers?|monitors?|probes?|leads?)\b",
    re.I,
)


def _initials_ok(m: re.Match | _Alias) -> bool:
    raw = m.group("initials")
    if m.string[m.start() : m.start() + 4].lower() == "init":
        return True  # "initials RT" says what it is
    initials = raw.replace(".", "").replace(" ", "")
    if initials.lower() in ("eg", "ie", "am", "pm", "vs", "us", "uk", "nb", "ps", "iv", "dc", "po"):
        return False
    return "." in raw or initials.upper() not in _ABBREVIATIONS


def _old_date(m: re.Match) -> bool:
    """Safety concerns are about now: a date before 1990 is someone's birth date."""
    year = m.group("year") or m.group("year2") or m.group("year3")
    if len(year) == 2:
        # Two digits: 90-99 are recent, 00-30 recent or expiry dates; 31-89 are 19xx.
        return 31 <= int(year) <= 89
    return 1900 <= int(year) < 1990


def _age_over_89(m: re.Match) -> bool:
    return int(m.group("age") or m.group("age2")) >= 90


def _address_ok(m: re.Match) -> bool:
    return not _UNITS_AFTER.match(m.string, m.start("street"))


_A_PATIENT = "say “a patient” instead"
# A full name may be staff: the log names roles, never people.
_A_PERSON = "say “a patient”, or the role (“the charge nurse”), instead"
_LEAVE_OUT = "leave the number out: the log never needs it"

PATTERNS: list[tuple[re.Pattern[str], str, str, Callable[[re.Match], bool] | None]] = [
    (
        re.compile(
            r"\b(?:ssn|ss#|ss\s*no|soc(?:ial)?\.?\s*sec(?:urity)?\.?(?:\s*(?:no|num(?:ber)?|#))?|social)"
            r"[\s:#=.-]*\d[\d\s.-]{2,10}\d\b"
            r"|\b\d{3}[-.\s]\d{2}[-.\s]\d{4}\b",
            re.I,
        ),
        "looks like a social security number",
        _LEAVE_OUT,
        None,
    ),
    (
        re.compile(rf"\b{_ID_WORDS}{_ID_FILLER}(?P<value>{_ID_VALUE})(?![\w/])", re.I),
        "looks like a medical record number (or an account, encounter or insurance number)",
        _LEAVE_OUT,
        _id_value_ok,
    ),
    (
        re.compile(
            r"\b(?:d\.?\s?[o0]\.?\s?b(?![a-z])\.?|d/o/b|dbo|date\s+of\s+birth|birth\s*date?|birthday|b-?day|"
            rf"born(?:\s+on|\s+in)?|b\.(?=\s*\d))[\s:=#-]*(?:(?:is|was|of)\s+)?"
            rf"(?:{_BIRTH_VALUE}|(?:[a-z]+\s+){{1,3}}{_DATE})",
            re.I,
        ),
        "looks like a date of birth",
        "leave the date of birth out (“an older patient” says enough)",
        None,
    ),
    (
        re.compile(
            rf"(?<![\w/.-])(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?P<year>\d{{2}}|\d{{4}})"
            rf"|\d{{1,2}}{_ORD}?(?:\s+of)?[\s-]*{_MONTH}[\s,-]*'?(?P<year2>\d{{2}}|\d{{4}})"
            rf"|{_MONTH}[\s-]*\d{{1,2}}{_ORD}?,?\s*'?(?P<year3>\d{{4}}))(?![\w/.-]*\d)(?![a-z])",
            re.I,
        ),
        "is a date long past, most likely a date of birth",
        "leave the date of birth out (“an older patient” says enough)",
        _old_date,
    ),
    (
        re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+\b"),
        "looks like an e-mail address",
        "leave the e-mail address out",
        None,
    ),
    (
        re.compile(
            r"\b[\w.+-]{1,64}\s*(?:\(at\)|\[at\]|\sat\s)\s*[\w-]{2,63}"
            r"(?:\s*(?:\.|\(dot\)|\[dot\]|\sdot\s)\s*[\w-]{2,63})*"
            r"\s*(?:\.|\(dot\)|\[dot\]|\sdot\s)\s*(?:com|org|net|edu|gov|co|uk|us|ca|io|nhs)\b",
            re.I,
        ),
        "looks like an e-mail address",
        "leave the e-mail address out",
        None,
    ),
    (
        re.compile(
            r"(?<![\w/.,:$£€-])(?:\+\s?)?\(?\d{1,5}\)?(?:[\s.-]{0,2}\(?\d{2,6}\)?){1,4}(?![\w/-])"
        ),
        "looks like a phone number",
        "leave the phone number out",
        _phone_ok,
    ),
    (
        re.compile(r"(?<![\w.,/:$£€-])\d{7,}(?![\w/.,-]\d)"),
        "is a long number that could be a record or phone number",
        "leave the number out, or say what it is (ticket, work order, asset tag)",
        _long_number_ok,
    ),
    (
        re.compile(
            r"\b(?i:mrs?|ms|mx|mister|miss)\b\.?\s*(?:[A-Z]\b\.?(?=\s+[A-Z][a-z]|\s*$|[.,;])"
            r"|(?i:[a-z])\b\.?(?=\s+(?i:in|fell|was|had|got|is)\b))"
        ),
        "names a person (title and initial)",
        _A_PATIENT,
        None,
    ),
    (
        re.compile(rf"(?P<title>\b{_TITLE})\s*(?P<name>{_WORD})", re.I),
        "names a person (title and surname)",
        _A_PATIENT,
        _title_ok,
    ),
    (
        re.compile(
            r"\b(?:patient|pt|resident|client)(?:'s)?\.?\s+(?:(?:is\s+)?(?:named|called)|name(?:\s+is|:)|"
            r"by\s+the\s+name\s+of|sur(?:name)?|last\s+name|first\s+name)\s*:?\s*"
            rf"(?P<name>{_WORD})"
            r"|\b(?:sur|first\s+|last\s+|family\s+|patient'?s?\s+|pt'?s?\s+)?name\s*(?:is|:|=)\s*"
            rf"(?P<name2>{_WORD})"
            rf"|\b(?:surname|last\s+name|first\s+name)\s+(?P<name3>{_WORD})",
            re.I,
        ),
        "looks like a patient's name",
        _A_PATIENT,
        lambda m: _named_ok(_Alias(m)),
    ),
    (
        re.compile(
            rf"\b(?:patient|pt|resident|client)(?:\.?\s+|\s*[:-]\s*)(?P<name>{_WORD})(?:\s+{_WORD})?",
            re.I,
        ),
        "looks like a patient's name",
        _A_PATIENT,
        _after_patient_ok,
    ),
    (
        re.compile(
            rf"\binit(?:ial)?s?\b\.?\s*:?\s*(?P<initials>{_INITIALS_DOTTED}|[A-Za-z]{{2,3}}\b)"
            rf"|\b(?:patient|pt|resident|client)\.?\s+(?P<initials2>{_INITIALS_DOTTED})"
            rf"|\b(?:patient|pt|resident|client)\.?\s+(?P<initials3>{_INITIALS_CAPS})(?=[\s,(]*(?:{_AGE_SEX}|\d{{1,3}}\b|$))"
            rf"|(?P<initials4>{_INITIALS_DOTTED}|{_INITIALS_CAPS})(?=[\s,(]*(?:{_AGE_SEX}|\d{{1,3}}\s*,))"
            rf"|{_AGE_SEX}\s*,?\s*(?P<initials5>{_INITIALS_CAPS}|{_INITIALS_DOTTED})"
            rf"|(?P<initials6>\b[A-Z]\.\s?[A-Z]\.)"
            rf"|(?P<initials7>{_INITIALS_DOTTED}|{_INITIALS_CAPS})(?=\s+(?:in|at)\s+{_ROOM_WORD}\b)",
        ),
        "looks like a patient's initials",
        _A_PATIENT,
        lambda m: _initials_ok(_Alias(m, "initials")),
    ),
    (
        re.compile(
            r"\b(?P<age>\d{2,3})\s*-?\s*(?:yo\b|y/o\b|y\.o\.?|yrs?\.?(?:\s*old)?\b|years?[\s-]*old\b|year-old\b|yr-old\b)"
            r"|\bage[ds]?\s*:?\s*(?P<age2>\d{2,3})\b",
            re.I,
        ),
        "gives an age over 89, which can identify a patient",
        "say “an elderly patient” instead",
        _age_over_89,
    ),
    (
        re.compile(
            rf"\b(?:the\s+|a\s+|that\s+|this\s+)?{_PERSON}(?:'s)?\s+(?:(?:who\s+is|who's|is|was)\s+)?"
            rf"(?:(?:(?:with|on|in)\s+\w+|who\s+\w+)\s+(?=(?:in|at|from)\s+(?:the\s+)?{_ROOM_WORD}))?(?:in|at|from|of|on)\s+"
            rf"(?:the\s+)?(?:(?:{_ROOM_WORD})\s*#?\s*{_ROOM}|{_ROOM}){_NOT_A_ROOM_AFTER}"
            rf"(?:\s*(?:bed|b)\s*\d+)?"
            rf"|\b{_ROOM_WORD}\s*#?\s*{_ROOM}(?:\s*(?:bed|b)\s*\d+)?(?:'s|’s)?\s+{_PERSON}\b(?!s)"
            rf"|\b(?:{_ROOM_WORD}\s*#?\s*{_ROOM}|\d{{1,4}}[A-Z]\b|\d{{0,2}}[A-Z]{{1,3}}-\d{{1,4}}[A-Za-z]?\b)\s*(?:,\s*)?"
            rf"(?=(?:again\s+)?(?:fell|coded|died|eloped)\b)",
            re.I,
        ),
        "ties a patient to a bed or room",
        "say “a patient” instead of naming the bed or room",
        None,
    ),
    (
        re.compile(
            rf"\b(?:{_ROOM_WORD}\s*#?\s*{_ROOM}|\d{{0,2}}[A-Z]{{1,3}}-\d{{1,4}}[A-Za-z]?\b)(?:\s*(?:bed|b)\s*\d+)?"
            rf"[^.\n;]{{0,40}}?(?<![\w/])(?:on\s+)?(?:{_DATE}|{_DAY})"
            rf"|(?<![\w/])(?:{_DATE}|{_DAY})[^.\n;]{{0,40}}?\b(?:{_ROOM_WORD}\s*#?\s*{_ROOM}|\d{{0,2}}[A-Z]{{1,3}}-\d{{1,4}}\b)",
            re.I,
        ),
        "puts a room or bed with a date, which can identify a patient",
        "keep the room or the date, not both",
        None,
    ),
    (
        re.compile(
            r"\b(?:lives?\s+(?:at|on)|address\s*:?|home\s+address\s*:?|d/c\s+to|discharged\s+to)\s*"
            r"(?P<street>\d{1,5}\s+(?:[A-Za-z]+\s+){1,3}(?:st|street|ave|avenue|rd|road|ln|lane|dr|drive|"
            r"blvd|boulevard|ct|court|way|pl|place|terrace|cres|crescent|close)\b\.?)"
            r"|(?P<street2>\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:St|Street|Ave|Avenue|Rd|Road|Ln|Lane|Dr|Drive|"
            r"Blvd|Boulevard|Ct|Court|Way|Pl|Place|Terrace|Cres|Crescent|Close)\b\.?)",
        ),
        "looks like a street address",
        "leave the address out",
        None,
    ),
]


# --- names found by the words around them (one pass over the words, for speed) ----------------

_TOKEN = re.compile(rf"{_L}(?:{_L}|-|'(?!s\b))*{_L}")
_IN_A_PLACE = re.compile(
    rf"\s+(?:(?:is|was)\s+)?(?:in\s+(?:{_ROOM_WORD}\s*#?\s*)?|at\s+{_ROOM_WORD}\s*#?\s*){_ROOM}{_NOT_A_ROOM_AFTER}",
    re.I,
)
_HAS_FAMILY = re.compile(rf"'s\s+{_FAMILY}\b|\s+family\b", re.I)
_DOES_SOMETHING = re.compile(rf",?\s+(?:again\s+)?{_EVENT_VERB}\b")
_DOES_SOMETHING_LOWER = re.compile(r"\s+(?:fell|slipped|eloped|wandered|coded|died|refused)\b")
_HAS_AGE = re.compile(rf",?\s*\(?(?:{_AGE_SEX}|\d{{1,3}}\s*[,)])")
_IS_PATIENT = re.compile(r"\s*\((?:pt|patient|resident)\)", re.I)
_RELATIVE_BEFORE = re.compile(
    r"\b(?:daughter|son|wife|husband|mother|father|sister|brother|partner|niece|nephew)\s+$", re.I
)


def _full_name(first: str, last: str, text: str, end: int) -> bool:
    """John Smith, sarah jones; not Grace Wing, Carter Hall, Jackson Pratt drain."""
    if not (_is_first_name(first) and _is_name(last)):
        return False
    if _PLACE_WORDS.match(text, end) or _PLACE_WORDS.fullmatch(" " + last):
        return False
    if first[:1].isupper() and last[:1].isupper():
        return not (_is_everyday(first) and _is_everyday(last))
    return _strong_name(first) and _strong_name(last)


def _first_and_unknown(first: str, last: str, text: str, end: int) -> bool:
    """A first name before a capitalised word no list knows: "Maria Okonkwo-Tran"."""
    return (
        first[:1].isupper()
        and last[:1].isupper()
        and not last.isupper()
        and _is_first_name(first)
        and not _is_everyday(first)
        and not _is_name(last)
        and not _is_everyday(last)
        and not _PLACE_WORDS.match(text, end)
        and not _PLACE_WORDS.fullmatch(" " + last)
    )


def _names_by_context(text: str) -> list[tuple[int, int, str]]:
    """Names in a person's place ("Smith in bed 4", "Nguyen's daughter", "Garcia fell",
    "Ruiz, 71", "son Jim") and first-and-last names, as (start, end, reason)."""
    out = []
    words = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    for i, (start, end, word) in enumerate(words):
        capital = word[0].isupper()
        if (
            _strong_name(word)
            and not _is_abbreviation(word)
            and (capital or not _is_everyday(word))
            and (
                _IN_A_PLACE.match(text, end)
                or _HAS_FAMILY.match(text, end)
                or (not capital and _DOES_SOMETHING_LOWER.match(text, end))
                or (
                    capital
                    and (
                        _DOES_SOMETHING.match(text, end)
                        or _HAS_AGE.match(text, end)
                        or _IS_PATIENT.match(text, end)
                        or _RELATIVE_BEFORE.search(text, max(0, start - 20), start)
                    )
                )
            )
        ):
            out.append((start, end, "looks like a patient's name"))
            continue
        if i + 1 < len(words):
            start2, end2, word2 = words[i + 1]
            gap = text[end:start2]
            if (
                gap.isspace()
                and len(gap) <= 2
                and (
                    _full_name(word, word2, text, end2)
                    or _first_and_unknown(word, word2, text, end2)
                )
            ):
                out.append((start, end2, "looks like a person's first and last name"))
            elif (
                gap.strip() == ","
                and capital
                and word2[0].isupper()
                and _strong_name(word)
                and _is_first_name(word2)
            ):
                out.append((start, end2, "looks like a person's name (surname, first name)"))
    return out


# Patterns worth running only when a cheap search finds what they need.
_ROOMISH = re.compile(
    rf"(?i:\b{_ROOM_WORD}\b)|\d[A-Z]{{1,3}}-?\d|\b[A-Z]{{1,3}}-\d|\bin\s+(?:the\s+)?\d|\b\d{{1,4}}[A-Z]\b",
    re.I,
)
_TRIGGERS = {pattern: _ROOMISH for pattern, reason, _, _ in PATTERNS if "room" in reason}

# Patterns that cannot match a text without a digit (most concerns have none): skipped then.
_NEED_DIGITS = {
    pattern
    for pattern, reason, _, _ in PATTERNS
    if not any(word in reason for word in ("e-mail", "name", "initials", "title"))
}


class _Alias:
    """Let a check read group `name` (or `initials`) from whichever alternative matched."""

    def __init__(self, m: re.Match, base: str = "name"):
        self.string = m.string
        self._m = m
        self._base = base
        self._value = next(
            (v for k, v in m.groupdict().items() if k.startswith(base) and v is not None), ""
        )

    def group(self, name):
        return self._value if name == self._base else self._m.group(name)

    def start(self, *a):
        return self._m.start(*a)

    def end(self, *a):
        return self._m.end(*a)


def _normalise(text: str) -> str:
    return text.replace("’", "'").replace("\u00a0", " ")


def find_identifiers(text: str) -> list[Finding]:
    """Every part of `text` that looks like it could identify a patient, in reading order."""
    text = _normalise(text or "")
    if not text.strip():
        return []
    has_digit = any(c.isdigit() for c in text)
    spans = []
    for pattern, reason, instead, check in PATTERNS:
        if not has_digit and pattern in _NEED_DIGITS:
            continue
        trigger = _TRIGGERS.get(pattern)
        if trigger is not None and not trigger.search(text):
            continue
        for m in pattern.finditer(text):
            if check is None or check(m):
                spans.append((m.start(), m.end(), reason, instead))
    spans += [
        (s, e, reason, _A_PATIENT if "patient" in reason else _A_PERSON)
        for s, e, reason in _names_by_context(text)
    ]
    found: list[Finding] = []
    for start, end, reason, instead in spans:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1] in " ,;:":
            end -= 1
        if end - start < 2:
            continue
        if any(f.start <= start and end <= f.end for f in found):
            continue  # already inside a finding
        found = [f for f in found if not (start <= f.start and f.end <= end)]
        found.append(Finding(text[start:end], reason, start, end, instead))
    return sorted(found, key=lambda f: f.start)


class ScreenMessage(str):
    """A field message that knows which parts of the typed text to highlight (`parts`)."""

    parts: tuple[str, ...] = ()

    def __new__(cls, text: str, parts: tuple[str, ...] = ()):
        message = super().__new__(cls, text)
        message.parts = parts
        return message


def _replacement(f: Finding) -> str:
    if f.instead == _A_PERSON:
        return "a patient"
    if "a patient" in f.instead and "bed or room" not in f.instead:
        return "a patient"
    if "bed or room" in f.instead:
        return "a patient"
    if "elderly" in f.instead:
        return "an elderly patient"
    if "room or the date" in f.instead:  # keep the room, drop the date
        return re.sub(rf"(?i)\s*(?:on\s+)?(?<![\w/])(?:{_DATE}|{_DAY})", "", f.text).strip()
    return ""


def suggest(text: str) -> str:
    """The text said without the identifiers ("the patient in bed 4 fell" -> "A patient fell"),
    or "" when no clean version can be made."""
    out = _normalise(text or "")
    for _ in range(3):
        findings = find_identifiers(out)
        if not findings:
            break
        # "Mr Smith in bed 4": one person, said once.
        merged: list[Finding] = []
        for f in findings:
            last = merged[-1] if merged else None
            if last and re.fullmatch(r"\s+(?:in|at|from)\s+", out[last.end : f.start]):
                merged[-1] = Finding(
                    out[last.start : f.end], last.reason, last.start, f.end, _A_PATIENT
                )
            else:
                merged.append(f)
        for f in reversed(merged):
            out = out[: f.start] + _replacement(f) + out[f.end :]
        out = re.sub(r"\(\s*\)|\s+(?=[,.;:)])", "", out)
        out = re.sub(r"\s{2,}", " ", out).strip(" ,;:-–")
    if not out or find_identifiers(out) or len(out.split()) < 2:
        return ""
    first = (text or "").lstrip()[:1]
    return out[0].upper() + out[1:] if first.isupper() or first.isdigit() else out


def explain(findings: list[Finding], text: str | None = None) -> str:
    """One message for a form field: what looks like an identifier, how to say it instead and,
    given the text, a version without it. The parts to highlight travel with the message."""
    parts = []
    for f in findings[:3]:
        parts.append(f"“{f.text}” {f.reason} – {f.instead}")
    more = f" (and {len(findings) - 3} more)" if len(findings) > 3 else ""
    # No rewrite when a full name may be staff: "a patient" could turn the sense around.
    example = suggest(text) if text and all(f.instead != _A_PERSON for f in findings) else ""
    return ScreenMessage(
        "Remove patient identifiers before saving: "
        + "; ".join(parts)
        + more
        + ". Describe the system problem, not the patient"
        + (f", for example “{example}”" if example else "")
        + ". Your text is kept so you can edit it.",
        tuple(f.text for f in findings[:3]),
    )


# --- fields that take a role ("Raised by"): a role, never a name ------------------------------

# Words of roles, shifts and places that the lists do not know as everyday words.
_ROLE_WORDS = frozenset(
    """chaplain sitter porter volunteer doula midwife orderly housekeeper housekeeping transporter
    intern registrar resident fellow attending surgeon anaesthetist anesthetist paramedic medic
    interpreter translator educator preceptor preceptee orientee student manager director
    supervisor coordinator navigator scheduler secretary receptionist clerk aide assistant tech
    techs technician technologist sonographer radiographer perfusionist dietitian dietician
    nutritionist hospitalist intensivist nocturnist neonatologist charge nights days evenings
    weekends weekend float agency travel traveler traveller locum bank diem prn telemetry tele
    oncology cardiology ortho neuro peds paeds maternity rehab dialysis pharmacy radiology imaging
    biomed facilities dietary nutrition nursing nurse nurses physician physicians doctor doctors
    therapist therapists pharmacist pharmacists team staff family relative visitor carer caregiver
    west east north south pool ward bay wing floor unit hall desk main new senior junior lead head
    champion partner executive member leader cusp
    chief
    enfermera enfermero medico familiar paciente hija hijo madre padre esposa esposo hermana
    hermano visitante cuidador cuidadora auxiliar noche turno""".split()
)
_ROLE_ENDING = re.compile(r"(?:ist|ists|ian|ians|grapher|graphers|ologist|ologists|tech|techs)$")


def find_personal_names(text: str) -> list[Finding]:
    """For a field that takes a role: identifiers, and any word that looks like a person's name
    ("Sarah Jones, RN nights", "Okafor") rather than a role ("RN, nights", "Charge nurse")."""
    text = _normalise(text or "")
    found = find_identifiers(text)
    names = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        key = word.lower()
        if _is_abbreviation(word) or key in _ROLE_WORDS or _ROLE_ENDING.search(key):
            continue
        if re.fullmatch(r"[A-Z]{2,5}s", word):
            continue  # "5 RNs, 2 CNAs": plural abbreviations
        capital = word[0].isupper() and not word.isupper()
        if capital:
            if _is_name(word) or not _is_everyday(word):
                names.append(m)
        elif _is_name(word) and not _is_everyday(word) and not _is_dictionary_word(word):
            names.append(m)  # "sarah jones rn", not "cusp champion" or "float pool"
    # One finding per run of adjacent names ("Sarah Jones"), inside none already found.
    i = 0
    while i < len(names):
        start, end = names[i].start(), names[i].end()
        while i + 1 < len(names) and re.fullmatch(r"[\s.]{1,3}", text[end : names[i + 1].start()]):
            i += 1
            end = names[i].end()
        i += 1
        if not any(f.start <= start and end <= f.end for f in found):
            found.append(Finding(text[start:end], "looks like a person's name", start, end))
    return sorted(found, key=lambda f: f.start)


def role_message(findings: list[Finding], roles: list[str] | tuple[str, ...] = ()) -> str:
    """The message for a role field holding a name, offering the roles already in use."""
    shown = "; ".join(f"“{f.text}” {f.reason}" for f in findings[:3])
    offer = (
        " Roles already used on this unit: " + ", ".join(f"“{r}”" for r in roles[:6]) + "."
        if roles
        else " For example “RN, nights”, “Charge nurse” or “Pharmacist”."
    )
    return ScreenMessage(
        f"Give a role, not a name: {shown}.{offer} Your text is kept so you can edit it.",
        tuple(f.text for f in findings[:3]),
    )


# --- screening a form's free text (every feature: issues, rounds, barriers, meetings, concerns) --

# Fields that take a role ("RN, nights"), never a person's name.
ROLE_FIELDS = frozenset({"raised_by", "role", "guest_role", "roles", "staff_roles"})


def screen(fields: dict[str, str], *, roles: list[str] | None = None) -> dict[str, str]:
    """{field: message} for every free-text field holding a likely patient identifier.

    Fields named in ROLE_FIELDS also refuse personal names; `roles` (the roles already used on
    the unit) are offered in that message. Messages carry the parts to highlight (`.parts`)."""
    errors = {}
    for name, text in fields.items():
        text = text or ""
        if name in ROLE_FIELDS:
            findings = find_personal_names(text)
            if findings:
                errors[name] = role_message(findings, roles or ())
            continue
        findings = find_identifiers(text)
        if findings:
            errors[name] = explain(findings, text)
    return errors
