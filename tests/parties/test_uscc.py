"""Unified social credit code checking (GB 32100-2015) against real published codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanrong.parties import uscc

# Codes of real companies, each found published next to the company's name (business licence
# pages, site footers, invoices, contracts). They were issued by the registries, so they must pass.
REAL_CODES = [
    "914403001922038216",  # 华为技术有限公司 (Huawei Technologies, Shenzhen)
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司 (Tencent, Shenzhen)
    "91330100799655058B",  # 阿里巴巴(中国)有限公司 (Alibaba China, Hangzhou)
    "91110108551385082Q",  # 小米科技有限责任公司 (Xiaomi, Beijing)
    "91330108MA27Y5XH5G",  # 杭州趣链科技有限公司 (Hyperchain, buyer on a rail e-invoice)
    "91310115MA1K427762",  # 享道出行(上海)科技股份有限公司 (seller on a ride-hailing e-invoice)
    "91440300MA5FMKMK8N",  # 深圳星际云储存科技有限公司 (party to a published service agreement)
    "91350206MA2XN2XQ4A",  # 厦门科汛软件有限公司 (site footer)
    "91440115MAKBG4HD6A",  # 广州雅舍室内设计有限公司 (business licence shown on its site)
    "91430181MA4Q3REH6K",  # 浏阳德塔软件开发有限公司 (project README)
    "91440300MA5H0HLK5U",  # 柯兴科技(深圳)有限公司 (site footer)
    "91320105MA1NK2WQ0Q",  # 南京楚曼信息科技有限公司 (publisher of a licence agreement)
    "9131011877976576X6",  # 上海南特克实业有限公司 (operator named in an app's terms)
    "91331023704713535H",  # 天台天信会计师事务所有限公司 (accounting firm's profile page)
]


def corruptions(code: str):
    """Every code that differs from ``code`` in exactly one character of the charset."""
    for position in range(18):
        for char in uscc.CHARSET:
            if char != code[position]:
                yield position, code[:position] + char + code[position + 1 :]


def structural_rule(bad: str) -> str | None:
    """The structural rule a code breaks before its check character is looked at, if any."""
    if bad[0] not in uscc.AUTHORITY_TYPES:
        return "registration_authority"
    if bad[1] not in uscc.AUTHORITY_TYPES[bad[0]]:
        return "institution_type"
    if not bad[2:8].isdigit():
        return "division_code"
    return None


def test_weights_are_powers_of_three_mod_31():
    assert tuple(pow(3, i, 31) for i in range(17)) == uscc.WEIGHTS
    assert len(uscc.CHARSET) == 31
    assert not set("IOSVZ") & set(uscc.CHARSET)


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert uscc.problem(code) is None
    assert uscc.is_valid(code)
    assert uscc.complete(code[:17]) == code


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_single_character_corruption_of_a_real_code_is_refused(code):
    checked = 0
    for position, bad in corruptions(code):
        found = uscc.problem(bad)
        assert found is not None, f"{bad} (position {position + 1} changed) was accepted"
        expected_rule = structural_rule(bad)
        if expected_rule is None:
            assert found.rule == "check_character", bad
            assert found.expected_check is not None
            assert found.expected_check != bad[17]
            assert repr(found.expected_check) in found.message
            if position == 17:
                # only the check character changed: the original one is what is expected
                assert found.expected_check == code[17]
        else:
            assert found.rule == expected_rule, bad
            assert found.expected_check is None
        checked += 1
    assert checked == 18 * 30


def test_normalise_strips_blanks_and_upper_cases_but_fixes_nothing():
    assert uscc.normalise(" 9144 0300 7084 6113 6t\n") == "91440300708461136T"
    assert uscc.is_valid("91440300708461136t")
    # an O typed for a 0 is not fixed: O is outside the charset
    assert not uscc.is_valid("9144O300708461136T")


@pytest.mark.parametrize(
    ("code", "rule", "words"),
    [
        ("", "length", "got 0"),
        ("91440300708461136", "length", "got 17"),
        ("91440300708461136T0", "length", "got 19"),
        ("91440300708461136I", "charset", "character 18"),
        ("9144030070846113OT", "charset", "character 17"),
        ("91440300-08461136T", "charset", "character 9"),
        ("B1440300708461136T", "registration_authority", "character 1"),
        ("Z1440300708461136T", "charset", "character 1"),
        ("94440300708461136T", "institution_type", "authority '9'"),
        ("Y2440300708461136T", "institution_type", "authority 'Y'"),
        ("9144A300708461136T", "division_code", "3-8"),
        ("91440300708461136X", "check_character", "should be 'T'"),
    ],
)
def test_each_rule_is_named(code, rule, words):
    found = uscc.problem(code)
    assert found is not None
    assert found.rule == rule
    assert words in found.message


def test_institution_types_depend_on_the_authority():
    # 5 (civil affairs) issues 1, 2, 3 and 9 but not 4; 9 (industry and commerce) issues 1-3 only
    assert uscc.is_valid(uscc.complete("53110000500000000"))
    assert uscc.problem(uscc.complete("54110000500000000")).rule == "institution_type"
    assert uscc.is_valid(uscc.complete("93110000500000000"))
    assert uscc.problem(uscc.complete("99110000500000000")).rule == "institution_type"


def test_check_character_zero_stands_for_31():
    # find a body whose weighted sum is a multiple of 31: its check character is 0
    body = next(
        f"91110000{n:09d}"
        for n in range(10_000)
        if sum(uscc.VALUE[c] * w for c, w in zip(f"91110000{n:09d}", uscc.WEIGHTS, strict=True))
        % 31
        == 0
    )
    assert uscc.check_character(body) == "0"
    assert uscc.is_valid(body + "0")


@st.composite
def first_seventeen(draw) -> str:
    authority = draw(st.sampled_from(sorted(uscc.AUTHORITY_TYPES)))
    kind = draw(st.sampled_from(uscc.AUTHORITY_TYPES[authority]))
    division = draw(st.text("0123456789", min_size=6, max_size=6))
    body = draw(st.text(uscc.CHARSET, min_size=9, max_size=9))
    return authority + kind + division + body


@given(first_seventeen())
def test_complete_always_gives_a_valid_code(first17):
    code = uscc.complete(first17)
    assert len(code) == 18
    assert code.startswith(first17)
    assert uscc.problem(code) is None


@given(first_seventeen(), st.integers(0, 17), st.integers(1, 30))
def test_any_single_substitution_is_caught(first17, position, shift):
    code = uscc.complete(first17)
    replacement = uscc.CHARSET[(uscc.VALUE[code[position]] + shift) % 31]
    bad = code[:position] + replacement + code[position + 1 :]
    assert bad != code
    found = uscc.problem(bad)
    assert found is not None
    if structural_rule(bad) is None:
        assert found.rule == "check_character"
        assert found.expected_check == uscc.check_character(bad[:17])
