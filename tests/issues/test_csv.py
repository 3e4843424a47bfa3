"""Spreadsheets in and out: CSV (with BOM) and .xlsx export read back as Excel would; import of
CSV and .xlsx with a proposed column mapping, a preview with errors per cell, ID columns that
update instead of duplicating, all or nothing; re-importing an export changes nothing."""

import csv
import io
import re
from datetime import date, datetime
from html import unescape

from openpyxl import Workbook, load_workbook

from rounds.core.tables import AuditEntry
from rounds.issues import csvio
from rounds.issues.tables import SafetyIssue
from tests.conftest import post_form

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def upload(client, unit_id, content: bytes, name="log.csv"):
    from tests.conftest import csrf_token

    token = await csrf_token(client)
    return await client.post(
        f"/units/{unit_id}/issues/import",
        data={"_csrf_token": token},
        files={"file": (name, content, XLSX if name.endswith(".xlsx") else "text/csv")},
    )


def form_state(html: str) -> dict:
    """The mapping step's form as the browser would send it (hidden table, chosen columns)."""
    table = unescape(re.search(r'<textarea name="table"[^>]*>(.*?)</textarea>', html, re.S)[1])
    state = {
        "table": table,
        "checked": unescape(re.search(r'name="checked" value="([^"]*)"', html)[1]),
    }
    for i, select in re.findall(
        r'<select id="col-(\d+)" name="col-\d+">(.*?)</select>', html, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected>', select)
        state[f"col-{i}"] = chosen[1] if chosen else ""
    return state


def mapping_of(html: str) -> dict[str, str]:
    """{column header: chosen field} from the mapping step."""
    headers = [unescape(h) for h in re.findall(r'<label for="col-\d+">(.*?)</label>', html)]
    state = form_state(html)
    return {h: state[f"col-{i}"] for i, h in enumerate(headers)}


async def confirm(client, unit_id, html, **changes):
    state = {**form_state(html), **changes, "action": "confirm"}
    return await post_form(client, f"/units/{unit_id}/issues/import", state)


def csv_bytes(rows, header) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_preview_then_confirm_saves_all_rows_once(client, world, login):
    await login(client, "champion")
    content = csv_bytes(
        [
            ["2026-01-05", "IV pumps out of date library", "RN, days", "Equipment & supplies", "In progress", "", "", "2026-02-01"],
            ["1/6/2026", "No interpreter phone on nights", "", "communication & handoffs", "closed", "2026-01-20", "huddle", ""],
            ["7 Jan 2026", "Sharps bins overfull", "CNA", "", "Open", "", "", ""],
        ],
        ["Identified on", "Description", "Raised by", "Category", "Status", "Feedback given on", "Feedback how", "Due"],
    )  # fmt: skip
    r = await upload(client, world.unit_a, content)
    assert r.status_code == 200 and "Ready: 3 to add, 0 to update" in r.text, r.text[-3000:]
    assert await SafetyIssue.count() == 0  # the preview saves nothing
    assert "Thu 5 Feb 2026" not in r.text and "Sun 1 Feb 2026" in r.text  # dates parsed, in words
    r = await confirm(client, world.unit_a, r.text)
    assert r.status_code == 303 and "imported=3" in r.headers["location"]
    again = await confirm(client, world.unit_a, (await upload(client, world.unit_a, content)).text)
    assert again.status_code == 200 and "imported before" in again.text  # with the reason
    assert await SafetyIssue.count() == 3
    rows = {r["description"]: r for r in await SafetyIssue.select()}
    assert rows["No interpreter phone on nights"]["status"] == "closed"
    assert str(rows["No interpreter phone on nights"]["identified_on"]) == "2026-01-06"
    assert rows["Sharps bins overfull"]["status"] == "new"  # "Open" is a status word
    assert rows["IV pumps out of date library"]["status"] == "in_progress"


async def test_realistic_hospital_sheet_with_foreign_headers_and_bad_rows(client, world, login):
    """A unit's own Excel log: a title row, its own headers, a unit column, "Open", a Priority
    column, a comments column, a person's name as owner, a row for another unit."""
    from rounds.core.tables import Person, Unit

    unit_name = (await Unit.select(Unit.name).where(Unit.id == world.unit_a).first())["name"]
    owner = await Person.select().where(Person.id == world.people["member"]).first()
    await login(client, "champion")
    sheet = xlsx_bytes(
        [
            ["4 West CUSP tracking log FY26", None, None, None, None, None, None, None, None],
            [],
            ["#", "Date Identified", "Issue / Concern", "Department", "Responsible", "Target Date", "Status", "Priority", "Comments"],
            [None, datetime(2026, 1, 5), "Bladder scanner shared with two other units", unit_name, owner["display_name"], datetime(2026, 2, 15), "Open", "High", "asked twice"],
            [None, datetime(2026, 1, 8), "No step stool in the clean utility room", unit_name.upper(), owner["email"], "3/1/2026", "WIP", "low", None],
            [None, datetime(2026, 1, 9), "Blood gas analyser down on weekends", "5 North", "", None, "Open", "Medium", "belongs to 5N"],
            [None, "next week", "Call bells unanswered at shift change", unit_name, "Dr Nobody", "2026-02-30", "Sideways", "Urgent", None],
        ]
    )  # fmt: skip
    r = await upload(client, world.unit_a, sheet, name="4W log.xlsx")
    html = unescape(r.text)
    assert r.status_code == 200
    proposed = mapping_of(r.text)
    assert proposed == {
        "#": "id",
        "Date Identified": "identified_on",
        "Issue / Concern": "description",
        "Department": "unit",
        "Responsible": "owner",
        "Target Date": "due_on",
        "Status": "status",
        "Priority": "priority",
        "Comments": "",
    }
    # errors per cell, nothing saved
    assert "Nothing was saved" in html
    assert "This row is for “5 North”" in html  # a unit that disagrees is an error, not silence
    assert "“Dr Nobody” is not on" in html
    assert "“2026-02-30” is not a date" in html and "“next week” is not a date" in html
    assert "“Sideways” is not one of" in html and "“Urgent” is not High, Medium or Low" in html
    assert "Column “Comments”: 2 values not saved (“asked twice”, “belongs to 5N”)" in html
    assert await SafetyIssue.count() == 0
    # the rows as they will be saved: owner matched by name or e-mail, status in words
    assert html.count(owner["display_name"]) >= 2 and "Sun 15 Feb 2026" in html
    # fix the file: drop the bad rows; keep the comments ignored
    fixed = xlsx_bytes(
        [
            ["#", "Date Identified", "Issue / Concern", "Department", "Responsible", "Target Date", "Status", "Priority", "Comments"],
            [None, datetime(2026, 1, 5), "Bladder scanner shared with two other units", unit_name, owner["display_name"], datetime(2026, 2, 15), "Open", "High", "asked twice"],
            [None, datetime(2026, 1, 8), "No step stool in the clean utility room", unit_name, owner["email"], "3/1/2026", "WIP", "low", None],
        ]
    )  # fmt: skip
    r = await upload(client, world.unit_a, fixed, name="4W log.xlsx")
    assert "Ready: 2 to add, 0 to update" in r.text
    assert (await confirm(client, world.unit_a, r.text)).status_code == 303
    saved = {i["description"]: i for i in await SafetyIssue.select()}
    scanner = saved["Bladder scanner shared with two other units"]
    assert scanner["owner"] == owner["id"] and scanner["due_on"] == date(2026, 2, 15)
    assert scanner["status"] == "new" and scanner["priority"] == 3  # the Priority column counts
    assert scanner["priority_override"] == "high" and scanner["priority_reason"]
    stool = saved["No step stool in the clean utility room"]
    assert stool["status"] == "in_progress" and stool["priority"] == 1


async def test_changing_the_mapping_rechecks_before_saving(client, world, login):
    await login(client, "champion")
    content = csv_bytes([["Broken bed alarm", "keep me out"]], ["Concern", "Notes"])
    r = await upload(client, world.unit_a, content)
    assert mapping_of(r.text) == {"Concern": "description", "Notes": ""}
    # the person maps "Notes" to the outcome and presses Import straight away: checked first
    r = await confirm(client, world.unit_a, r.text, **{"col-1": "outcome"})
    assert r.status_code == 200 and "The columns changed since the preview" in r.text
    assert await SafetyIssue.count() == 0
    r = await confirm(client, world.unit_a, r.text)
    assert r.status_code == 303
    assert (await SafetyIssue.select().first())["outcome"] == "keep me out"
    # two columns for one field is refused
    r = await upload(client, world.unit_a, csv_bytes([["a", "b"]], ["Issue", "Concern"]))
    r = await post_form(
        client,
        f"/units/{world.unit_a}/issues/import",
        {**form_state(r.text), "col-1": "description", "action": "check"},
    )
    assert "are both set to Description" in unescape(r.text)


async def test_row_errors_are_reported_per_cell_and_nothing_is_saved(client, world, login):
    await login(client, "champion")
    content = csv_bytes(
        [
            ["2026-01-05", "Fine row", "", ""],
            ["31/31/2026", "Bad date", "", ""],
            ["2026-01-05", "Unknown category", "Parking", ""],
            ["2026-01-05", "Closed without feedback", "", "Closed"],
            ["2026-01-05", "Mr Smith fell", "", ""],
            ["2026-01-05", "", "", "Sideways"],
        ],
        ["Identified on", "Description", "Category", "Status"],
    )
    r = await upload(client, world.unit_a, content)
    html = unescape(r.text)
    assert r.status_code == 200 and "Nothing was saved" in html
    for text in (
        "is not a date",
        "“Parking” is not one of the categories",
        "Status is closed, so this is needed",
        "Remove patient identifiers",
        "Description is empty",
        "“Sideways” is not one of",
    ):
        assert text in html, text
    assert 'value="confirm"' not in r.text
    # a forced confirm is re-checked on the server
    r = await confirm(client, world.unit_a, r.text)
    assert r.status_code == 200 and await SafetyIssue.count() == 0


async def test_file_level_problems(client, world, login):
    await login(client, "champion")
    cases = [
        (b"", "Choose the file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "cannot be read"),
        (b"Description\n", "no rows"),
        (b"Description\n" + b"a" * (csvio.MAX_BYTES + 10), "too large"),
        (b"PK\x03\x04 not really a workbook", "could not be read as a spreadsheet"),
    ]
    for content, message in cases:
        r = await upload(client, world.unit_a, content, name="log.xlsx" if content else "")
        assert r.status_code == 200 and message in r.text, message
    assert await SafetyIssue.count() == 0


async def test_tampered_table_is_rechecked(client, world, login):
    await login(client, "champion")
    for table in ('{"header": ["Description"], "rows": [[2, ["MRN 12345678 fell"]]]}', "{nonsense"):
        r = await post_form(
            client,
            f"/units/{world.unit_a}/issues/import",
            {"table": table, "col-0": "description", "checked": "description", "action": "confirm"},
        )
        assert r.status_code == 200
    assert await SafetyIssue.count() == 0


async def test_only_champions_import(client, world, login):
    await login(client, "member")
    assert (await client.get(f"/units/{world.unit_a}/issues/import")).status_code == 403
    await login(client, "outsider")
    assert (await client.get(f"/units/{world.unit_a}/issues/import")).status_code == 404


async def seed_log(world, new_issue):
    owner = world.people["member"]
    await new_issue(
        "Pumps: library out of date – Café staff noticed",
        harm="severe", likelihood="likely", priority=3, ease="moderate", owner=owner,
        due_on=date(2026, 3, 1), action_plan="Push the new library", status="in_progress",
        raised_by="RN, nights", success_measure="Audit 10 pumps", needs_executive_help=True,
        identified_on=date(2026, 1, 2),
    )  # fmt: skip
    await new_issue(
        '=HYPERLINK("x") and, commas "quoted"\nnew line',
        status="cannot_do", cannot_do_reason="Vendor will not support it",
        priority_override="high", priority_reason="Staff raise it every round", priority=3,
        identified_on=date(2026, 1, 3),
    )  # fmt: skip
    await new_issue(
        "Told and closed",
        status="closed", feedback_given_on=date(2026, 1, 20), feedback_how="posted_report",
        feedback_said="Posted on the board", outcome="New cart in place",
        resolved_on=date(2026, 1, 15), closed_on=date(2026, 1, 21), identified_on=date(2026, 1, 4),
    )  # fmt: skip


async def test_xlsx_export_read_back_with_openpyxl(client, world, login, new_issue):
    await seed_log(world, new_issue)
    await login(client, "champion")
    r = await client.get(f"/issues/export.xlsx?unit={world.unit_a}&sort=oldest")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert 'filename="tracking-log-' in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in sheet[1]]
    assert header == csvio.HEADERS
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:AA{sheet.max_row}"
    rows = [
        dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    assert len(rows) == 3
    first = rows[0]
    assert first["Identified on"] == datetime(2026, 1, 2) and first["Due"] == datetime(2026, 3, 1)
    assert sheet["B2"].is_date and sheet["B2"].number_format == "yyyy-mm-dd"
    assert isinstance(first["ID"], int) and first["Status"] == "In progress"
    assert first["Description"] == "Pumps: library out of date – Café staff noticed"
    assert rows[1]["Description"].startswith('=HYPERLINK("x")')  # text, never a formula
    assert sheet.cell(row=3, column=5).data_type == "s"
    assert sheet.column_dimensions["E"].width > sheet.column_dimensions["A"].width


async def test_csv_export_reads_in_excel_with_a_byte_order_mark(client, world, login, new_issue):
    await seed_log(world, new_issue)
    await login(client, "champion")
    r = await client.get("/issues/export.csv?sort=oldest")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert list(rows[0])[0] == "ID"
    assert rows[0]["Description"] == "Pumps: library out of date – Café staff noticed"
    assert rows[1]["Description"].startswith("'=HYPERLINK")  # Excel does not run it


async def test_reimporting_an_export_changes_nothing_and_an_edit_updates(
    client, world, login, new_issue
):
    await seed_log(world, new_issue)
    await login(client, "champion")
    before = {i["id"]: i for i in await SafetyIssue.select()}
    # exports are recorded (issue 18); nothing else may be written
    audit_before = await AuditEntry.count().where(AuditEntry.action != "export")
    for kind in ("xlsx", "csv"):
        exported = (await client.get(f"/issues/export.{kind}?unit={world.unit_a}")).content
        r = await upload(client, world.unit_a, exported, name=f"log.{kind}")
        html = unescape(r.text)
        assert "Nothing to import" in html and "Every row matches the log already" in html, kind
        assert 'value="confirm"' not in r.text
    assert {i["id"]: i for i in await SafetyIssue.select()} == before
    assert await AuditEntry.count().where(AuditEntry.action != "export") == audit_before
    # edit one cell of the export in "Excel": that issue is updated, no copy is added
    exported = (await client.get(f"/issues/export.xlsx?unit={world.unit_a}&sort=oldest")).content
    book = load_workbook(io.BytesIO(exported))
    book.active["N4"] = "Order a second cart"  # Action plan of "Told and closed"
    out = io.BytesIO()
    book.save(out)
    r = await upload(client, world.unit_a, out.getvalue(), name="edited.xlsx")
    assert "Ready: 0 to add, 1 to update" in r.text and "Action plan" in r.text
    assert (await confirm(client, world.unit_a, r.text)).status_code == 303
    assert await SafetyIssue.count() == 3
    told = await SafetyIssue.select().where(SafetyIssue.description == "Told and closed").first()
    assert told["action_plan"] == "Order a second cart" and told["version"] == 2


async def test_export_into_another_unit_is_an_error_until_unit_and_id_are_ignored(
    client, world, login, new_issue
):
    await seed_log(world, new_issue)
    await login(client, "admin")
    exported = (await client.get(f"/issues/export.csv?unit={world.unit_a}")).content
    r = await upload(client, world.unit_b, exported)
    html = unescape(r.text)
    assert "but you are importing into" in html and "There is no safety issue with ID" in html
    r = await post_form(
        client,
        f"/units/{world.unit_b}/issues/import",
        {**form_state(r.text), "col-0": "", "col-2": "", "col-14": "", "action": "check"},
    )
    assert "Ready: 3 to add" in r.text, unescape(r.text)[-3000:]


async def test_large_exports_are_read_and_built_off_the_event_loop(
    client, world, login, new_issue, monkeypatch
):
    """A leader's export of the whole log must not stall the worker's other requests: the rows
    are read (SQLite: db.fetch_off_loop) and the file built in a thread."""
    import asyncio
    import threading

    from rounds import db

    await new_issue("Export me")
    await login(client, "champion")
    loop_thread = threading.get_ident()
    ran_in: list[tuple[str, bool]] = []
    real = asyncio.to_thread

    async def watched(fn, *args, **kwargs):
        def call():
            ran_in.append((fn.__name__, threading.get_ident() != loop_thread))
            return fn(*args, **kwargs)

        return await real(call)

    monkeypatch.setattr(asyncio, "to_thread", watched)
    for kind in ("csv", "xlsx"):
        ran_in.clear()
        r = await client.get(f"/issues/export.{kind}")
        assert r.status_code == 200 and len(r.content) > 100
        assert (f"export_{kind}", True) in ran_in
        if db.is_sqlite():
            assert ("read", True) in ran_in
