"""The one table download: XLSX or CSV bytes with their media type and an attachment name, read
back as the same table; the file writer picks the format by the file's suffix."""

from __future__ import annotations

import io

import pytest

from chanrong.kit import tabular
from chanrong.web.downloads import table_download, write_table

HEADER = ("标识 identifier", "金额(分) amount_fen")
ROWS = [["甲-1", 123_45], ["乙-2", 0]]
EXPECTED = [{"标识 identifier": "甲-1", "金额(分) amount_fen": "12345"},
            {"标识 identifier": "乙-2", "金额(分) amount_fen": "0"}]  # fmt: skip


@pytest.mark.parametrize(("fmt", "media"), [
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("csv", "text/csv; charset=utf-8"),
])  # fmt: skip
def test_table_download_reads_back(fmt: str, media: str) -> None:
    answer = table_download(HEADER, ROWS, fmt=fmt, filename="demo-statement", sheet="demo")
    assert answer.media_type == media
    assert answer.headers["content-disposition"] == f'attachment; filename="demo-statement.{fmt}"'
    read = tabular.read_rows(io.BytesIO(answer.body), filename=f"x.{fmt}")
    assert [row for _, row in read] == EXPECTED


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="pdf"):
        table_download(HEADER, ROWS, fmt="pdf", filename="x", sheet="x")


def test_write_table_by_suffix(tmp_path) -> None:
    for name in ("t.csv", "t.XLSX"):
        write_table(tmp_path / name, HEADER, ROWS, sheet="demo")
        assert [row for _, row in tabular.read_path(tmp_path / name)] == EXPECTED
    assert (tmp_path / "t.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
