"""Pure rules of identifiers: prefix and handle formats, typed record fields, visibility."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanrong.identifiers import core


@pytest.mark.parametrize("prefix", ["88.1001.12", "88.1.1", "88.123456.123456789012"])
def test_good_prefixes(prefix):
    assert core.prefix_problem(prefix) is None


@pytest.mark.parametrize(
    "prefix",
    [
        "", "88", "88.1001", "86.1001.12", "88.1001.12.3", "88.1234567.1", "88.1.1234567890123",
        "88.10a1.12", " 88.1001.12", "88.1001.12\n", "88.1001.", "８８.1001.12", "88.１００１.12",
    ],
)  # fmt: skip
def test_bad_prefixes(prefix):
    assert "88.<industry digits>.<enterprise digits>" in core.prefix_problem(prefix)


@pytest.mark.parametrize(
    ("handle", "parts"),
    [
        ("88.1001.12/SM-0001", ("88.1001.12", "SM-0001")),
        ("88.1001.12/INV.2024.000123", ("88.1001.12", "INV.2024.000123")),
        ("88.1001.12/a:b_c-d.e", ("88.1001.12", "a:b_c-d.e")),
        ("88.1.1/" + "x" * 128, ("88.1.1", "x" * 128)),
    ],
)
def test_good_handles(handle, parts):
    assert core.handle_problem(handle) is None
    assert core.split_handle(handle) == parts


@pytest.mark.parametrize(
    ("handle", "words"),
    [
        ("88.1001.12", "<prefix>/<suffix>"),
        ("88.1001/SM-1", "88.<industry digits>"),
        ("88.1001.12/", "suffix"),
        ("88.1001.12/-SM", "suffix"),
        ("88.1001.12/SM 1", "suffix"),
        ("88.1001.12/SM/1", "suffix"),
        ("88.1001.12/设备1", "suffix"),
        ("88.1001.12/SM-1\n", "suffix"),
        ("88.1.1/" + "x" * 129, "suffix"),
    ],
)
def test_bad_handles(handle, words):
    assert words in core.handle_problem(handle)
    assert core.split_handle(handle) is None


@given(
    st.from_regex(r"88\.[0-9]{1,6}\.[0-9]{1,12}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}", fullmatch=True),
)
def test_any_well_formed_handle_splits_back_into_its_parts(prefix, suffix):
    assert core.split_handle(f"{prefix}/{suffix}") == (prefix, suffix)


def check_one(kind: str, value: object):
    fields, errors = core.check_record([{"name": "x", "type": kind, "value": value}])
    return (fields[0].value, None) if fields else (None, errors[0])


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        ("string", "JK-9000 数控机床", "JK-9000 数控机床"),
        ("string", "", ""),
        ("integer", -3, -3),
        ("integer", 10**20, 10**20),
        ("money_fen", 125000000, 125000000),
        ("decimal", "0.0435", "0.0435"),
        ("decimal", 12, "12"),
        ("decimal", "-1.50", "-1.50"),
        ("date", "2025-02-28", "2025-02-28"),
        ("datetime", "2025-02-28T10:30:00+08:00", "2025-02-28T10:30:00+08:00"),
        ("datetime", "2025-02-28T02:30:00Z", "2025-02-28T02:30:00+00:00"),
        ("boolean", False, False),
        ("identifier", "88.1001.12/SM-0001", "88.1001.12/SM-0001"),
    ],
)
def test_typed_values_that_fit(kind, value, stored):
    assert check_one(kind, value) == (stored, None)


@pytest.mark.parametrize(
    ("kind", "value", "words"),
    [
        ("string", 5, "must be a string"),
        ("string", "x" * 2001, "longer than 2000"),
        ("integer", 1.0, "must be an integer"),
        ("integer", "12", "must be an integer"),
        ("integer", True, "must be an integer"),
        ("money_fen", 12.5, "integer number of fen"),
        ("decimal", 0.1, "no floats"),
        ("decimal", 1.0, "no floats"),
        ("decimal", True, "no floats"),
        ("decimal", "abc", "no floats"),
        ("decimal", "NaN", "no floats"),
        ("decimal", "Infinity", "no floats"),
        ("decimal", None, "no floats"),
        ("date", "2025-02-30", "YYYY-MM-DD"),
        ("date", "28/02/2025", "YYYY-MM-DD"),
        ("date", 20250228, "YYYY-MM-DD"),
        ("date", "2025-W09-5", "YYYY-MM-DD"),
        ("datetime", "2025-02-28T10:30:00", "time zone"),
        ("datetime", "2025-02-28", "time zone"),
        ("datetime", "yesterday", "RFC 3339"),
        ("boolean", "true", "true or false"),
        ("boolean", 1, "true or false"),
        ("identifier", "SM-0001", "<prefix>/<suffix>"),
        ("identifier", 7, "must be a string"),
    ],
)
def test_typed_values_that_do_not_fit(kind, value, words):
    _, error = check_one(kind, value)
    assert error.field == "fields.0.value"
    assert error.rule == f"type_{kind}"
    assert words in error.message
    assert error.message.startswith("x ")


def test_field_rules_are_reported_per_field():
    fields, errors = core.check_record(
        [
            {"name": "model", "value": "JK-9000"},
            {"name": "Model", "value": "x"},
            {"name": "model", "value": "again"},
            {"name": "rate", "type": "float", "value": "1"},
            {"name": 3, "value": "x"},
            {"name": "price", "type": "money_fen", "value": 100, "protected": True},
        ]
    )
    assert [(e.field, e.rule) for e in errors] == [
        ("fields.1.name", "field_name"),
        ("fields.2.name", "unique"),
        ("fields.3.type", "enum"),
        ("fields.4.name", "field_name"),
    ]
    assert [f.as_dict() for f in fields] == [
        {"name": "model", "type": "string", "value": "JK-9000", "protected": False},
        {"name": "price", "type": "money_fen", "value": 100, "protected": True},
    ]


def test_at_most_64_fields():
    too_many = [{"name": f"f{i}", "value": "x"} for i in range(65)]
    fields, errors = core.check_record(too_many)
    assert fields == [] and [(e.field, e.rule) for e in errors] == [("fields", "max_items")]
    assert core.check_record(too_many[:64])[1] == []


def test_protected_fields_are_withheld_from_others():
    record = [
        {"name": "model", "protected": False},
        {"name": "price", "protected": True},
        {"name": "serial", "protected": True},
    ]
    assert core.visible_fields(record, see_protected=True) == (record, 0)
    assert core.visible_fields(record, see_protected=False) == ([record[0]], 2)
