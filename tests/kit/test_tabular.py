"""Reading and writing CSV/XLSX tables the way Chinese users exchange them."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from chanrong.errors import Invalid
from chanrong.kit import tabular
from tests.factories import xlsx_bytes

HEADER = ["名称", "城市", "金额"]
ROWS = [["宁波精工模具有限公司", "宁波市", "1200"], ["杭州趣链科技有限公司", "杭州市", "35"]]


def read(data: bytes, filename: str = "t.csv") -> list[tuple[int, dict[str, str]]]:
    return list(tabular.read_rows(io.BytesIO(data), filename=filename))


def test_csv_with_utf8_bom_has_clean_headers():
    data = "\ufeff名称,城市\n宁波精工,宁波市\n".encode()
    assert read(data) == [(2, {"名称": "宁波精工", "城市": "宁波市"})]


def test_csv_without_bom():
    assert read("名称,城市\n宁波精工,宁波市\n".encode()) == [
        (2, {"名称": "宁波精工", "城市": "宁波市"})
    ]


def test_csv_in_gb18030_as_excel_in_china_writes_it():
    data = "名称,城市\r\n宁波精工模具有限公司,宁波市\r\n".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert read(data) == [(2, {"名称": "宁波精工模具有限公司", "城市": "宁波市"})]


def test_blank_rows_are_skipped_but_line_numbers_stay_those_a_person_sees():
    data = "名称,城市\n甲,宁波\n\n , \n乙,杭州\n".encode()
    assert [line for line, _ in read(data)] == [2, 5]


def test_a_quoted_multiline_cell_is_one_spreadsheet_row():
    data = '名称,备注\n甲,"第一行\n第二行"\n乙,x\n'.encode()
    rows = read(data)
    assert rows[0][1]["备注"] == "第一行\n第二行"
    assert [line for line, _ in rows] == [2, 3]


def test_header_names_are_trimmed_and_short_rows_padded():
    assert read(" 名称 , 城市 \n甲\n".encode()) == [(2, {"名称": "甲", "城市": ""})]


def test_cells_past_the_header_are_kept_aside():
    rows = read("名称,城市\n甲,宁波,多余,更多\n乙,杭州,\n".encode())
    assert rows[0][1]["__extra__"] == "多余,更多"
    # an empty trailing cell is not extra data
    assert "__extra__" not in rows[1][1]


def test_empty_file_has_no_rows():
    assert read(b"") == []
    assert read("名称,城市\n".encode()) == []


@pytest.mark.parametrize("filename", ["parties.xls", "parties.json", "parties.ods"])
def test_unsupported_extension_is_refused(filename):
    with pytest.raises(Invalid) as caught:
        tabular.read_rows(io.BytesIO(b"x"), filename=filename)
    assert caught.value.errors[0].rule == "file_type"
    assert caught.value.errors[0].field == "file"


def test_xlsx_rows_with_numbers_and_blank_rows():
    data = xlsx_bytes(
        [["名称", "数量", "比例"], ["甲", 12, 0.5], [None, None, None], ["乙", 3.0, None]]
    )
    assert read(data, "t.XLSX") == [
        (2, {"名称": "甲", "数量": "12", "比例": "0.5"}),
        (4, {"名称": "乙", "数量": "3", "比例": ""}),
    ]


def test_xlsx_cell_under_no_header_is_kept_aside():
    data = xlsx_bytes([["名称", "城市"], ["甲", "宁波", "多余"], ["乙", "杭州"]])
    rows = read(data, "t.xlsx")
    assert rows[0][1]["__extra__"] == "多余"
    assert "__extra__" not in rows[1][1]
    assert "" not in rows[0][1]


def test_damaged_xlsx_is_refused_as_invalid():
    with pytest.raises(Invalid) as caught:
        read(b"this is not a zip file", "t.xlsx")
    assert caught.value.errors[0].rule == "xlsx"


def test_write_csv_round_trip_with_bom(tmp_path):
    path = tmp_path / "out.csv"
    tabular.write_csv(path, HEADER, ROWS)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(tabular.read_path(path)) == [
        (2, dict(zip(HEADER, ROWS[0], strict=True))),
        (3, dict(zip(HEADER, ROWS[1], strict=True))),
    ]


def test_write_xlsx_round_trip_with_bold_header(tmp_path):
    path = tmp_path / "out.xlsx"
    tabular.write_xlsx(path, HEADER, ROWS, sheet="企业")
    assert list(tabular.read_path(path)) == [
        (2, dict(zip(HEADER, ROWS[0], strict=True))),
        (3, dict(zip(HEADER, ROWS[1], strict=True))),
    ]
    sheet = load_workbook(path)["企业"]
    assert sheet["A1"].font.bold
    assert not sheet["A2"].font.bold
