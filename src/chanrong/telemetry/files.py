"""Files of readings (CSV or Parquet) read into ``RawBatch``es of a bounded size.

Both have the columns ``device``, ``metric``, ``ts``, ``value`` and optionally ``unit``
(docs/telemetry-ingest.md). ``ts`` is epoch milliseconds or RFC 3339 text (in Parquet also a
timestamp column); everything is converted on whole columns. A row whose cells cannot be read
(a ``ts`` that is no time, a ``value`` that is no number, a CSV line with the wrong number of
cells) becomes a ``Refusal`` with its line; the ``line`` column keeps every row's file line (CSV:
the header is line 1; Parquet: rows count from 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from chanrong.telemetry.batch import RAW_SCHEMA, RawBatch, Refusal
from chanrong.telemetry.core import parse_ts

CHUNK_ROWS = 500_000
"""Rows per ``RawBatch`` (each is validated and stored in one transaction)."""

REQUIRED = ("device", "metric", "ts", "value")
_DIGITS = r"^\s*-?\d{1,18}\s*$"
_NUMBER = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(nan|NaN|NAN|inf|Inf|INF|infinity|Infinity)\s*$"


class UnreadableFile(Exception):
    """The file is no CSV or Parquet of readings (missing, wrong format, missing columns)."""


def count_rows(path: Path) -> int:
    """Rows of readings in the file (Parquet: from its footer; CSV: its lines less the
    header, counted on raw bytes), for a progress bar."""
    path = Path(path)
    if _is_parquet(path):
        return pq.ParquetFile(path).metadata.num_rows
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            lines += block.count(b"\n")
            last = block[-1:]
    return max(0, lines + (last != b"\n") - 1)


def _is_parquet(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PAR1"


def read_file(path: Path, *, chunk_rows: int = CHUNK_ROWS) -> Iterator[RawBatch]:
    """The readings of a CSV (UTF-8) or Parquet file as ``RawBatch``es of channel ``file`` and
    source the file's name, of at most ``chunk_rows`` rows each. Raises ``UnreadableFile`` when
    the file cannot be opened as either or lacks a required column."""
    path = Path(path)
    try:
        parquet = _is_parquet(path)
    except OSError as error:
        raise UnreadableFile(f"cannot open {path}: {error.strerror}") from None
    source = path.name
    batches = _parquet_batches(path, chunk_rows) if parquet else _csv_batches(path, chunk_rows)
    for table, lines, refusals in batches:
        yield _convert(table, lines, source, refusals)


def _parquet_batches(
    path: Path, chunk_rows: int
) -> Iterator[tuple[pa.Table, pa.Array, list[Refusal]]]:
    try:
        reader = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as error:
        raise UnreadableFile(f"{path.name} is not a readable Parquet file: {error}") from None
    names = reader.schema_arrow.names
    _require(names, path)
    columns = [*REQUIRED, *(["unit"] if "unit" in names else [])]
    line = 1
    try:
        for batch in reader.iter_batches(batch_size=chunk_rows, columns=columns):
            yield (
                pa.Table.from_batches([batch]),
                pa.array(range(line, line + batch.num_rows), pa.int64()),
                [],
            )
            line += batch.num_rows
    except (pa.ArrowException, OSError) as error:
        raise UnreadableFile(f"{path.name}: {error}") from None


def _csv_batches(path: Path, chunk_rows: int) -> Iterator[tuple[pa.Table, pa.Array, list[Refusal]]]:
    bad_rows: list[Refusal] = []
    skipped: list[int] = []

    def invalid_row(row: pacsv.InvalidRow) -> str:
        skipped.append(row.number)
        bad_rows.append(Refusal(path.name, row.text or "", "malformed-payload",
                                f"expected {row.expected_columns} cells, found {row.actual_columns}",
                                row.number))  # fmt: skip
        return "skip"

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(invalid_row_handler=invalid_row),
            # Every cell is read as text and converted on the whole column below, so that one
            # unreadable cell refuses its row instead of failing the file.
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in (*REQUIRED, "unit")},
                strings_can_be_null=True,
                null_values=[""],  # "NaN" is a value (refused as non-finite), not a missing cell
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, OSError, UnicodeDecodeError) as error:
        raise UnreadableFile(f"{path.name} is not a readable CSV file: {error}") from None
    _require(reader.schema.names, path)
    pending: list[pa.RecordBatch] = []
    rows = 0  # rows yielded so far
    try:
        for batch in reader:
            pending.append(batch)
            if sum(b.num_rows for b in pending) >= chunk_rows:
                table = pa.Table.from_batches(pending)
                pending = []
                for start in range(0, table.num_rows, chunk_rows):
                    chunk = table.slice(start, chunk_rows)
                    yield chunk, _csv_lines(rows, chunk.num_rows, skipped), _drain(bad_rows)
                    rows += chunk.num_rows
    except (pa.ArrowException, UnicodeDecodeError) as error:
        raise UnreadableFile(f"{path.name}: {error}") from None
    table = pa.Table.from_batches(pending, schema=reader.schema)
    if table.num_rows or bad_rows:
        yield table, _csv_lines(rows, table.num_rows, skipped), _drain(bad_rows)


def _csv_lines(first_row: int, n: int, skipped: list[int]) -> pa.Array:
    """File lines of the ``n`` rows from row ``first_row`` on (from 0): the header is line 1,
    and every skipped line (a row with the wrong number of cells) pushes the rows after it
    down one. (A quoted cell spanning lines is not counted: lines are rows plus skips.)"""
    lines = np.arange(first_row + 2, first_row + 2 + n, dtype=np.int64)
    for bad in sorted(skipped):
        lines[lines >= bad] += 1
    return pa.array(lines)


def _drain(refusals: list[Refusal]) -> list[Refusal]:
    taken = list(refusals)
    refusals.clear()
    return taken


def _require(names: list[str], path: Path) -> None:
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise UnreadableFile(f"{path.name} lacks the column(s) {', '.join(missing)}")


def _convert(table: pa.Table, lines: pa.Array, source: str, refusals: list[Refusal]) -> RawBatch:
    """``table`` (the file's columns) as a ``RAW_SCHEMA`` batch; unreadable cells refuse their
    row (a null cell is left to the validation, which calls it missing)."""
    n = table.num_rows
    ts = ts_column(table.column("ts"))
    value = value_column(table.column("value"))
    unreadable_ts = pc.and_(table.column("ts").is_valid(), ts.is_null())
    unreadable_value = pc.and_(table.column("value").is_valid(), value.is_null())
    unit = (
        table.column("unit").cast(pa.string())
        if "unit" in table.column_names
        else pa.nulls(n, pa.string())
    )
    out = pa.Table.from_arrays(
        [table.column("device").cast(pa.string()), table.column("metric").cast(pa.string()),
         ts, value, unit, lines],
        schema=RAW_SCHEMA,
    )  # fmt: skip
    bad = pc.or_(unreadable_ts, unreadable_value)
    if pc.any(bad).as_py():
        refusals = list(refusals)
        rows = table.filter(bad).to_pylist()
        for row, line, bad_ts in zip(
            rows, lines.filter(bad).to_pylist(), unreadable_ts.filter(bad).to_pylist(), strict=True
        ):
            reason = "bad-timestamp" if bad_ts else "bad-value"
            detail = (
                "ts is neither epoch milliseconds nor RFC 3339"
                if bad_ts
                else "value is not a number"
            )
            text = ",".join("" if v is None else str(v) for v in row.values())
            refusals.append(
                Refusal(source, text, reason, detail, line, str(row.get("device") or ""))
            )
        out = out.filter(pc.invert(bad))
    return RawBatch(out, "file", source, refusals)


def ts_column(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A file's ``ts`` column as epoch milliseconds (int64), null where unreadable: integers
    pass through, timestamp columns are converted (a zone-less one is taken as UTC), text of
    digits is cast and RFC 3339 text parsed by Arrow's ISO 8601 parser (per value, by
    ``core.parse_ts``, only when Arrow refuses some of it)."""
    values = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    kind = values.type
    if pa.types.is_integer(kind):
        return values.cast(pa.int64())
    if pa.types.is_timestamp(kind):
        return values.cast(pa.timestamp("ms", tz=kind.tz), safe=False).cast(pa.int64())
    if pa.types.is_floating(kind):
        return pc.if_else(pc.equal(values, pc.floor(values)), values, None).cast(
            pa.int64(), safe=False
        )
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return pa.nulls(len(values), pa.int64())
    digits = pc.fill_null(pc.match_substring_regex(values, _DIGITS), False)
    millis = pc.if_else(digits, pc.utf8_trim_whitespace(values), None).cast(pa.int64())
    text = pc.if_else(digits, None, values)
    if text.null_count == len(text):
        return millis
    try:
        parsed = text.cast(pa.timestamp("ms", tz="UTC")).cast(pa.int64())
    except pa.ArrowInvalid:
        parsed = pa.array(
            [None if t is None else parse_ts(t) for t in text.to_pylist()], pa.int64()
        )
    return pc.coalesce(millis, parsed)


def value_column(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A file's ``value`` column as float64, null where a cell is no number (NaN and
    infinities are numbers here; the validation refuses them)."""
    values = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    kind = values.type
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_decimal(kind):
        return values.cast(pa.float64(), safe=False)
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return pa.nulls(len(values), pa.float64())
    try:
        return pc.utf8_trim_whitespace(values).cast(pa.float64())
    except pa.ArrowInvalid:
        number = pc.fill_null(pc.match_substring_regex(values, _NUMBER), False)
        return pc.if_else(number, pc.utf8_trim_whitespace(values), None).cast(pa.float64())
