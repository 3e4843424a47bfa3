"""The patient-identifier screen, both ways: what staff write about systems passes, identifiers are refused."""

import pytest

from rounds.core.identifiers import find_identifiers
from rounds.issues.service import screen

PASSES = [
    "Falls have gone up since 3 March",
    "3 falls this week on nights",
    "bed 4 alarm doesn't sound at the desk",
    "Room 12 suction regulator missing",
    "Pump library out of date since 2024-01-15",
    "Two patients fell between 2 and 4 am",
    "Call the pharmacy on ext 4455 – it takes 20 minutes to answer",
    "Handoff sheet lacks code status",
    "Heparin 5000 units vials look like 1000 units",
    "Staffing 1:3 ratio on 12/14 nights",
    "Bay 3 and bay 4 share one sharps bin",
    "Need 2 more IV poles by 15 Jan 2026",
    "Audit on 3/4/2025 found 4 of 10 lines undated",
    "MRN labels print blurry on the new printer",
    "Patient ID bands fall off when wet",
    "Patient Safety Officer said to escalate",
    "Patient Controlled Analgesia pumps alarm for no reason",
    "Rooms 10-14 have no hand gel",
    "Patient Family Council wants a quieter unit",
    "Dr. on call not answering pages after midnight",
]

REFUSED = [
    ("MRN 12345678 had a fall", "medical record number"),
    ("Pt MRN: A1234567 got the wrong dose", "record"),
    ("DOB 03/14/1952 on the wrong band", "date of birth"),
    ("born 14 March 1950 and misidentified", "date of birth"),
    ("Call 555-867-5309 for the daughter", "phone"),
    ("(617) 555-0199 is the family's number", "phone"),
    ("email jane.doe@gmail.com about it", "e-mail"),
    ("Mr Smith in bed 4 fell", "title"),
    ("Mrs. O'Neil was given the wrong tray", "title"),
    ("Room 12 bed 2 on 3/14/2026 fell", "room or bed"),
    ("Bed 4 on 14 March 2026 had a pressure injury", "room or bed"),
    ("On 2026-03-14 room 5 patient fell", "room or bed"),
    ("SSN 123-45-6789 was on the form", "social security"),
    ("pt John Smith slipped in the shower", "patient's name"),
    ("Patient named Maria Lopez is allergic", "patient's name"),
    ("record number 00123456 missing from chart", "record number"),
]


@pytest.mark.parametrize("text", PASSES)
def test_plain_staff_words_pass(text):
    assert find_identifiers(text) == [], text


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_identifiers_are_refused_with_a_reason(text, reason):
    findings = find_identifiers(text)
    assert findings, text
    assert any(reason.lower() in f.reason.lower() for f in findings), findings


def test_screen_names_the_field_and_the_text():
    errors = screen({"description": "Mr Smith fell", "raised_by": "RN, nights"})
    assert list(errors) == ["description"]
    assert (
        "“Mr Smith”" in errors["description"]
        and "Remove patient identifiers" in errors["description"]
    )
