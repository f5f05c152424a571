"""Read and write tables as CSV or XLSX, the two formats Chinese users exchange.

Reading yields ``(line, row)`` with the line number a person sees in a spreadsheet (the header is
line 1), so reports can point at the bad row. CSV is read as UTF-8 (with or without BOM), falling
back to GB18030, which Excel in China writes by default.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from chanrong.errors import Invalid


def read_rows(stream: IO[bytes], *, filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV or XLSX file as (line number, {header: text}); blank rows are skipped."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(stream)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(stream.read())
    raise Invalid(
        f"unsupported file type {suffix!r}: use .csv or .xlsx", field="file", rule="file_type"
    )


def read_path(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """``read_rows`` for a file on disk."""
    with path.open("rb") as handle:
        yield from read_rows(handle, filename=path.name)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _read_csv(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    header: list[str] | None = None
    # Count records, not physical lines: a quoted cell may span lines but is one spreadsheet row.
    for line, values in enumerate(reader, start=1):
        if header is None:
            header = [h.strip() for h in values]
            continue
        if not any(v.strip() for v in values):
            continue
        yield line, _zip(header, values)


def _read_xlsx(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(stream.read()), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise Invalid(f"not a readable XLSX file: {exc}", field="file", rule="xlsx") from exc
    sheet = workbook.worksheets[0]
    header: list[str] | None = None
    for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else _cell_text(v) for v in values]
        if header is None:
            header = [c.strip() for c in cells]
            continue
        if not any(c.strip() for c in cells):
            continue
        yield line, _zip(header, cells)
    workbook.close()


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _zip(header: list[str], values: Sequence[str]) -> dict[str, str]:
    row = {name: (values[i] if i < len(values) else "") for i, name in enumerate(header) if name}
    # Cells under no column name (past the header, or under a blank header cell, which is how
    # XLSX pads a sheet) go to "__extra__" when they hold something, so no value is lost silently.
    stray = [v for i, v in enumerate(values) if (i >= len(header) or not header[i]) and v.strip()]
    if stray:
        row["__extra__"] = ",".join(stray)
    return row


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write a CSV with a UTF-8 BOM so that Excel opens Chinese text correctly."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_xlsx(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], *, sheet: str = "Sheet1"
) -> None:
    """Write one sheet of an XLSX workbook with a bold header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(list(header))
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        worksheet.append(list(row))
    for column, name in zip(worksheet.columns, header, strict=False):
        worksheet.column_dimensions[column[0].column_letter].width = max(12, len(str(name)) * 2 + 4)
    workbook.save(path)
