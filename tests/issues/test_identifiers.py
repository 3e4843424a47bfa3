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


# --- messages that help, and "Raised by" takes a role ------------------------------------


def test_the_message_says_it_without_the_identifier_and_marks_the_part():
    errors = screen({"description": "the patient in bed 4 fell"})
    message = errors["description"]
    assert "“the patient in bed 4”" in message and "say “a patient”" in message
    assert "for example “a patient fell”" in message
    assert message.parts == ("the patient in bed 4",)


def test_the_error_macro_highlights_the_part_and_escapes_the_rest():
    from rounds.web.filters import marked

    html = str(marked(screen({"d": "Mr Smith <b>fell</b>"})["d"]))
    assert "<b>" not in html and "&lt;b&gt;" in html
    plain = str(marked("Keep it under 4,000 characters."))
    assert plain == "Keep it under 4,000 characters."
    html = str(marked(screen({"d": "MRN: #4829153 wrong diet"})["d"]))
    assert '“<mark class="identifier">MRN: #4829153</mark>”' in html


@pytest.mark.parametrize(
    "role",
    [
        "RN, nights",
        "Charge nurse",
        "CNA",
        "Respiratory therapist",
        "Environmental services",
        "New graduate RN",
        "Travel nurse",
        "Nurse practitioner",
        "Unit clerk",
        "4 West charge RN",
        "Float pool RN",
        "Phlebotomist",
        "Hospitalist, nights",
        "Family member",
        "5 RNs, 2 CNAs, RT",
        "",
    ],
)
def test_roles_pass_in_raised_by(role):
    assert screen({"raised_by": role}) == {}


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Sarah Jones, RN nights", "Sarah Jones"),
        ("sarah jones rn", "sarah jones"),
        ("RN Smith", "Smith"),
        ("Okafor (charge)", "Okafor"),
        ("Dr Patel", "Patel"),
    ],
)
def test_raised_by_refuses_a_personal_name(typed, name):
    message = screen({"raised_by": typed}, roles=["RN, nights", "Charge nurse"])["raised_by"]
    assert f"“{name}”" in message and "Give a role, not a name" in message
    assert "“RN, nights”, “Charge nurse”" in message


async def test_capture_offers_the_roles_already_used_on_the_unit(client, world, login):
    from rounds.issues.tables import SafetyIssue
    from tests.conftest import post_form
    from tests.issues.conftest import field_error

    await login(client, "champion")
    url = f"/units/{world.unit_a}/issues/new"
    for role in ("Pharmacist", "Pharmacist", "CNA"):
        r = await post_form(client, url, {"description": "Pump alarm too quiet", "raised_by": role})
        assert r.status_code == 303
    r = await post_form(
        client, url, {"description": "Pump alarm too quiet", "raised_by": "Sarah Jones, RN nights"}
    )
    assert r.status_code == 200
    message = field_error(r.text, "raised_by")
    assert "Give a role, not a name" in message and "Sarah Jones" in message
    assert "“Pharmacist”, “CNA”" in message  # most used first
    assert '<mark class="identifier">Sarah Jones</mark>' in r.text
    assert 'value="Sarah Jones, RN nights"' in r.text  # the typed text is kept
    assert await SafetyIssue.count() == 3


async def test_category_names_and_the_round_script_are_screened(world, as_person):
    from rounds.issues.service import IssueInputError, save_category
    from rounds.rounding import briefing
    from rounds.rounding.service import RoundInputError

    admin = await as_person("admin")
    with pytest.raises(IssueInputError) as refused:
        await save_category(admin, "Falls - Mrs Okafor")
    assert "“Mrs Okafor”" in refused.value.errors["name"]
    assert await save_category(admin, "Falls and mobility")
    current = await briefing.script()
    with pytest.raises(RoundInputError) as refused:
        await briefing.save_script(
            admin,
            questions=["What could harm the next patient?", "How is Mr Smith in bed 4?"],
            opening="Thank you for your time.",
            closing="Call 555-0143 with anything else.",
            seen=briefing.fingerprint(current),
        )
    assert set(refused.value.errors) == {"questions", "closing"}
