"""Tables as file downloads: one header and rows written as XLSX or CSV
(``chanrong.kit.tabular``) and answered as an attachment. Every statement endpoint (trade,
certificates, credit) answers through ``table_download``."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import Query, Response

from chanrong.kit import tabular

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""The media type of each download format."""

Format = Annotated[str, Query(pattern="^(xlsx|csv)$", description="xlsx or csv")]
"""The ``format`` query parameter of a statement endpoint."""
StatementParty = Annotated[int | None, Query(description="platform only: another party")]
"""The ``party_id`` query parameter with which the platform reads another party's statement."""


def write_table(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], *, sheet: str
) -> None:
    """Write ``header`` and ``rows`` to ``path``: CSV when its suffix is ``.csv`` (UTF-8 with a
    BOM), else one XLSX sheet named ``sheet``."""
    if path.suffix.lower() == ".csv":
        tabular.write_csv(path, header, rows)
    else:
        tabular.write_xlsx(path, header, rows, sheet=sheet)


def table_download(
    header: Sequence[str], rows: Sequence[Sequence[Any]], *, fmt: str, filename: str, sheet: str
) -> Response:
    """An attachment answer of one table as ``fmt`` (``xlsx`` or ``csv``), offered to the
    browser as ``filename.<fmt>``; ``sheet`` names the XLSX sheet."""
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"unknown download format {fmt!r}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"table.{fmt}"
        write_table(path, header, rows, sheet=sheet)
        content = path.read_bytes()
    return Response(
        content,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )
