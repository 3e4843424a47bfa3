"""Import of an existing tracking log: preview with row-by-row errors, all or nothing, round trip."""

import csv
import io

from rounds.issues import csvio
from rounds.issues.tables import SafetyIssue
from tests.conftest import post_form

COMPARED = [h for h in csvio.HEADERS if h not in ("Unit",)]


async def upload(client, unit_id, content: bytes, name="log.csv"):
    from tests.conftest import csrf_token

    token = await csrf_token(client)
    return await client.post(
        f"/units/{unit_id}/issues/import",
        data={"_csrf_token": token},
        files={"file": (name, content, "text/csv")},
    )


def csv_bytes(rows, header=None):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        header
        or [
            "Identified on",
            "Description",
            "Raised by",
            "Category",
            "Status",
            "Feedback given on",
            "Feedback how",
            "Due",
        ]
    )
    writer.writerows(rows)
    return out.getvalue().encode()


async def test_preview_then_confirm_saves_all_rows_once(client, world, login):
    await login(client, "champion")
    content = csv_bytes(
        [
            [
                "2026-01-05",
                "IV pumps out of date library",
                "RN, days",
                "Equipment & supplies",
                "In progress",
                "",
                "",
                "2026-02-01",
            ],
            [
                "1/6/2026",
                "No interpreter phone on nights",
                "",
                "communication & handoffs",
                "closed",
                "2026-01-20",
                "huddle",
                "",
            ],
            ["7 Jan 2026", "Sharps bins overfull", "CNA", "", "", "", "", ""],
        ]
    )
    r = await upload(client, world.unit_a, content)
    assert r.status_code == 200 and "Ready to import 3 safety issues" in r.text
    assert await SafetyIssue.count() == 0  # preview saves nothing
    text = r.text.split('name="csv_text" hidden aria-hidden="true" tabindex="-1">')[1].split(
        "</textarea>"
    )[0]
    from html import unescape

    confirm = {"confirm": "1", "csv_text": unescape(text)}
    r = await post_form(client, f"/units/{world.unit_a}/issues/import", confirm)
    assert r.status_code == 303 and "imported=3" in r.headers["location"]
    again = await post_form(client, f"/units/{world.unit_a}/issues/import", confirm)
    assert again.status_code == 303
    assert await SafetyIssue.count() == 3  # a double tap on confirm adds nothing twice
    rows = {r["description"]: r for r in await SafetyIssue.select()}
    assert rows["No interpreter phone on nights"]["status"] == "closed"
    assert str(rows["No interpreter phone on nights"]["identified_on"]) == "2026-01-06"
    assert (
        rows["Sharps bins overfull"]["status"] == "new"
        and rows["IV pumps out of date library"]["status"] == "in_progress"
    )


async def test_row_errors_are_reported_and_nothing_is_saved(client, world, login):
    await login(client, "champion")
    content = csv_bytes(
        [
            ["2026-01-05", "Fine row", "", "", "", "", "", ""],
            ["31/31/2026", "Bad date", "", "", "", "", "", ""],
            ["2026-01-05", "Unknown category", "", "Parking", "", "", "", ""],
            ["2026-01-05", "Closed without feedback", "", "", "Closed", "", "", ""],
            ["2026-01-05", "Mr Smith fell", "", "", "", "", "", ""],
            ["2026-01-05", "", "", "", "Sideways", "", "", ""],
        ]
    )
    r = await upload(client, world.unit_a, content)
    assert r.status_code == 200 and "Nothing was saved" in r.text
    for text in (
        "is not a date",
        "“Parking” is not one of the categories",
        "“Feedback given on” is needed",
        "Remove patient identifiers",
        "Description is empty",
        "“Sideways” is not one of",
    ):
        assert text in r.text.replace("&#34;", '"').replace("&#39;", "'"), text
    assert "Import 1" not in r.text and 'name="confirm"' not in r.text
    assert await SafetyIssue.count() == 0


async def test_file_level_problems(client, world, login):
    await login(client, "champion")
    cases = [
        (csv_bytes([["x"]], header=["Date", "What happened"]), "Unknown columns"),
        (b"", "Choose the CSV file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "does not look like a CSV"),
        (b"Description\n", "no rows"),
        (b"Description\n" + b"a" * (csvio.MAX_BYTES + 10), "too large"),
    ]
    for content, message in cases:
        r = await upload(client, world.unit_a, content, name="log.csv" if content else "")
        assert r.status_code == 200 and message in r.text, message
    r = await upload(client, world.unit_a, b"PK\x03\x04", name="log.xlsx")
    assert "not CSV" in r.text
    assert await SafetyIssue.count() == 0


async def test_tampered_confirm_is_rechecked(client, world, login):
    await login(client, "champion")
    r = await post_form(
        client,
        f"/units/{world.unit_a}/issues/import",
        {"confirm": "1", "csv_text": "Description\nMRN 12345678 fell\n"},
    )
    assert r.status_code == 200 and "Nothing was saved" in r.text
    assert await SafetyIssue.count() == 0


async def test_only_champions_import(client, world, login):
    await login(client, "member")
    assert (await client.get(f"/units/{world.unit_a}/issues/import")).status_code == 403
    await login(client, "outsider")
    assert (await client.get(f"/units/{world.unit_a}/issues/import")).status_code == 404


async def test_round_trip_export_then_import_gives_the_same_log(client, world, login, new_issue):
    from datetime import date

    owner = world.people["member"]
    await new_issue(
        "Pumps: library out of date",
        harm="severe",
        likelihood="likely",
        priority=3,
        ease="moderate",
        owner=owner,
        due_on=date(2026, 3, 1),
        action_plan="Push the new library",
        status="in_progress",
        raised_by="RN, nights",
        success_measure="Audit 10 pumps",
        needs_executive_help=True,
        identified_on=date(2026, 1, 2),
    )
    await new_issue(
        '-Dash first, and, commas "quoted"\nnew line',
        status="cannot_do",
        cannot_do_reason="Vendor will not support it",
        priority_override="high",
        priority_reason="Staff raise it every round",
        priority=3,
        identified_on=date(2026, 1, 3),
    )
    await new_issue(
        "Told and closed",
        status="closed",
        feedback_given_on=date(2026, 1, 20),
        feedback_how="posted_report",
        feedback_said="Posted on the board",
        outcome="New cart in place",
        resolved_on=date(2026, 1, 15),
        closed_on=date(2026, 1, 21),
        identified_on=date(2026, 1, 4),
    )
    await login(client, "admin")
    exported = (await client.get(f"/issues/export.csv?unit={world.unit_a}&sort=oldest")).text
    r = await upload(client, world.unit_b, exported.encode())
    assert (
        "Owner e-mail" in r.text and "is not on this unit" in r.text
    )  # owner must be on the target unit's team
    from tests.conftest import create_person

    await create_person("member.b@test.org", "member", {world.unit_b: "member"})
    exported_b = exported.replace("member@test.org", "member.b@test.org")
    r = await upload(client, world.unit_b, exported_b.encode())
    assert "Ready to import 3" in r.text, r.text[-3000:]
    from html import unescape

    text = unescape(
        r.text.split('name="csv_text" hidden aria-hidden="true" tabindex="-1">')[1].split(
            "</textarea>"
        )[0]
    )
    done = await post_form(
        client, f"/units/{world.unit_b}/issues/import", {"confirm": "1", "csv_text": text}
    )
    assert done.status_code == 303, done.text[-4000:]
    again = (await client.get(f"/issues/export.csv?unit={world.unit_b}&sort=oldest")).text
    a = [
        {k: v for k, v in row.items() if k in COMPARED}
        for row in csv.DictReader(io.StringIO(exported_b))
    ]
    b = [
        {k: v for k, v in row.items() if k in COMPARED}
        for row in csv.DictReader(io.StringIO(again))
    ]
    assert a == b
