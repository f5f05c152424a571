"""Unified social credit code (统一社会信用代码) checking, per GB 32100-2015.

Layout of the 18 characters:

====  ============================================================
1     registration authority code (登记管理部门代码)
2     institution type code (机构类别代码), valid per authority
3-8   administrative division code (登记管理机关行政区划码), 6 digits
9-17  organisation code (主体标识码)
18    check character (校验码)
====  ============================================================

Characters come from the 31-character set ``0-9`` and ``A-Y`` without I, O, S, V, Z. The check
character is ``31 - (Σ value(c_i) × w_i mod 31)`` with weights ``3^(i-1) mod 31``
(1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), and 31 written as ``0``.
Since 31 is prime and no weight is 0 mod 31, every single-character substitution is caught.
"""

from __future__ import annotations

from dataclasses import dataclass

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {c: i for i, c in enumerate(CHARSET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB 32100-2015 appendix A: registration authorities and the institution types each may issue.
AUTHORITY_TYPES: dict[str, str] = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办直接管理机构编制的群众团体, 其他
    "2": "19",  # 外交
    "3": "123459",  # 司法行政
    "4": "19",  # 文化
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}


@dataclass(frozen=True)
class UsccProblem:
    """Why a code was refused: the rule broken, a message, and the expected check character."""

    rule: str
    message: str
    expected_check: str | None = None


def check_character(first17: str) -> str:
    """The check character for the first 17 characters (which must be in CHARSET)."""
    total = sum(VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    """Strip blanks and upper-case, as people type codes (never fixes a wrong character)."""
    return "".join(code.split()).upper()


def problem(code: str) -> UsccProblem | None:
    """Check an already-normalised code; None when it is valid, else the first broken rule."""
    if len(code) != 18:
        return UsccProblem("length", f"must be 18 characters, got {len(code)}")
    for position, char in enumerate(code, start=1):
        if char not in VALUE:
            return UsccProblem(
                "charset",
                f"character {position} ({char!r}) is not allowed: use 0-9 and A-Y without "
                "I, O, S, V, Z",
            )
    authority, kind = code[0], code[1]
    if authority not in AUTHORITY_TYPES:
        return UsccProblem(
            "registration_authority",
            f"character 1 ({authority!r}) is not a registration authority code "
            f"({', '.join(AUTHORITY_TYPES)})",
        )
    if kind not in AUTHORITY_TYPES[authority]:
        return UsccProblem(
            "institution_type",
            f"character 2 ({kind!r}) is not an institution type of authority {authority!r} "
            f"(allowed: {', '.join(AUTHORITY_TYPES[authority])})",
        )
    if not code[2:8].isdigit():
        return UsccProblem(
            "division_code", "characters 3-8 must be the 6-digit administrative division code"
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        return UsccProblem(
            "check_character",
            f"check character is {code[17]!r} but should be {expected!r}",
            expected_check=expected,
        )
    return None


def is_valid(code: str) -> bool:
    """True when ``code`` (after normalising blanks and case) is a well-formed USCC."""
    return problem(normalise(code)) is None


def complete(first17: str) -> str:
    """A full code from its first 17 characters (used to generate demo and test parties)."""
    return first17 + check_character(first17)
