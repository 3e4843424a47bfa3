"""Spreadsheet files in and out: a CSV or .xlsx file read into a plain table of text cells, and
the tracking log written as CSV (with a byte-order mark, so Excel reads UTF-8) or as .xlsx
(typed dates, frozen header, filters on, column widths). No rules here: csvio.py holds them."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime

MAX_BYTES = 2_000_000
MAX_ROWS = 5_000
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
NOT_A_SHEET = (
    "This file could not be read as a spreadsheet. Upload the tracking log as Excel (.xlsx) "
    "or CSV (in your spreadsheet: “Save as… CSV UTF-8”)."
)


class SheetError(Exception):
    """A file that cannot be read as a table, with the reason in words."""


@dataclass
class Table:
    """A sheet as text: its header and every row after it, with the row's number in the file."""

    header: list[str]
    rows: list[tuple[int, list[str]]]

    def to_json(self) -> str:
        return json.dumps({"header": self.header, "rows": self.rows}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Table:
        """From the hidden field of the mapping step (typed by a browser: checked, not trusted)."""
        try:
            data = json.loads(text)
            header = [str(h) for h in data["header"]]
            rows = [(int(n), [str(c) for c in cells]) for n, cells in data["rows"]]
        except (ValueError, TypeError, KeyError) as exc:
            raise SheetError(NOT_A_SHEET) from exc
        if len(rows) > MAX_ROWS or len(header) > 200:
            raise SheetError(f"The file has more than {MAX_ROWS:,} rows – split it.")
        return cls(header, rows)


def _text(value) -> str:
    """A cell as text: dates as 2026-03-14 (a midnight time is a date), whole numbers without .0."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(" ")
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(raw: bytes, filename: str, header_hint) -> Table:
    """The file's rows as text. The header is the first of the first ten rows that `header_hint`
    scores highest (hospital sheets often start with a title row). Raises SheetError."""
    if len(raw) > MAX_BYTES:
        raise SheetError(
            f"The file is too large ({len(raw) // 1024:,} KB). The limit is {MAX_BYTES // 1_000_000} MB – split it into smaller files."
        )
    if not raw.strip():
        raise SheetError("The file is empty.")
    name = (filename or "").lower()
    if raw[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(raw)
    elif name.endswith((".xls", ".ods", ".numbers", ".pdf", ".docx")) or b"\x00" in raw[:4096]:
        raise SheetError(
            "This kind of file cannot be read. Save the spreadsheet as Excel (.xlsx) or CSV and upload that."
        )
    else:
        rows = _csv_rows(raw)
    numbered = [(n, cells) for n, cells in enumerate(rows, start=1) if any(c for c in cells)]
    if not numbered:
        raise SheetError("The file is empty.")
    head_index = max(range(min(10, len(numbered))), key=lambda i: (header_hint(numbered[i][1]), -i))
    header = numbered[head_index][1]
    body = numbered[head_index + 1 :]
    if len(body) > MAX_ROWS:
        raise SheetError(f"The file has more than {MAX_ROWS:,} rows – split it into smaller files.")
    width = len(header)
    while (
        width
        and not header[width - 1]
        and not any(len(c) >= width and c[width - 1] for _, c in body)
    ):
        width -= 1
    return Table(header[:width], [(n, cells) for n, cells in body])


def _csv_rows(raw: bytes) -> list[list[str]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    try:
        sample = text[:4096]
        delimiter = ";" if sample.count(";") > sample.count(",") and "\t" not in sample else ","
        if sample.count("\t") > max(sample.count(","), sample.count(";")):
            delimiter = "\t"
        return [
            [c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise SheetError(f"The file could not be read as CSV: {exc}.") from exc


def _xlsx_rows(raw: bytes) -> list[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SheetError(NOT_A_SHEET) from exc
    try:
        # the first sheet with something on it (a cover sheet may come first)
        for sheet in book.worksheets:
            rows = []
            for values in sheet.iter_rows(values_only=True):
                rows.append([_text(v) for v in values])
                if len(rows) > MAX_ROWS + 20:
                    break
            if any(any(c for c in r) for r in rows):
                return rows
        return []
    except Exception as exc:  # a damaged workbook fails in many ways inside openpyxl
        raise SheetError(NOT_A_SHEET) from exc
    finally:
        book.close()


# --- out ------------------------------------------------------------------------------------


def _csv_cell(value) -> str:
    text = _text(value) if not isinstance(value, str) else value
    return "'" + text if text.startswith(_FORMULA) else text


def write_csv(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark (Excel otherwise shows “CafÃ©”); formula-like cells are
    prefixed with an apostrophe so a spreadsheet never runs them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_csv_cell(v) for v in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(header: list[str], rows: list[list], *, title: str = "Tracking log") -> bytes:
    """Dates as Excel dates, numbers as numbers, text as text (never a formula), the header
    frozen and bold, filters on, columns as wide as their content (within reason)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=False)
    sheet = book.create_sheet(title[:31], 0)  # typed as a Worksheet, unlike book.active
    book.remove(book.worksheets[1])  # the empty sheet every new workbook starts with
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(h) for h in header]
    for values in rows:
        sheet.append([None if v in (None, "") else v for v in values])
        row = sheet.max_row
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column)
            if isinstance(value, str):
                cell.data_type = "s"  # "=..." stays text, never a formula
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            widths[column - 1] = max(widths[column - 1], len(_text(value)))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(sheet.max_row, 1)}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
