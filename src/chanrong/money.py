"""The one Money type: an exact amount of Chinese yuan held as integer fen (分).

Rounding rules (all written here, nowhere else):

* Parsing an amount in yuan accepts at most two decimals; a third decimal is refused, never
  rounded (``Money.parse("1.005")`` raises).
* ``Money.from_decimal_yuan(x, rounding=...)`` converts a computed yuan amount; the caller names the
  rounding mode (default ROUND_HALF_UP, the convention of Chinese bank statements).
* ``allocate`` splits an amount by weights with the largest-remainder method: parts always sum to
  the whole to the fen, and leftover fen go to the largest remainders, ties to the earliest part.
* Display in 万元/亿元 rounds half-up to the shown number of decimals; it is display only.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

FEN_PER_YUAN = 100
WAN = 10_000 * FEN_PER_YUAN
YI = 100_000_000 * FEN_PER_YUAN


class Money:
    """An exact amount in fen. Immutable; arithmetic with other Money and integer factors only."""

    __slots__ = ("fen",)

    def __init__(self, fen: int) -> None:
        if isinstance(fen, bool) or not isinstance(fen, int):
            raise TypeError(f"Money takes integer fen, got {type(fen).__name__}")
        object.__setattr__(self, "fen", fen)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Money is immutable")

    @classmethod
    def parse(cls, text: str | int | Decimal) -> Money:
        """Parse yuan written as text (``"1,234.50"``, ``"¥12"``, ``"3.5元"``); at most 2 decimals."""
        if isinstance(text, int) and not isinstance(text, bool):
            return cls(text * FEN_PER_YUAN)
        raw = str(text).strip().replace(",", "").replace("，", "")
        sign = ""
        if raw[:1] in "-+" and raw[1:2] in ("¥", "￥"):
            sign, raw = raw[0], raw[1:]
        raw = sign + raw.removeprefix("¥").removeprefix("￥").removesuffix("元").strip()
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"not an amount in yuan: {text!r}") from None
        if not value.is_finite():
            raise ValueError(f"not a finite amount: {text!r}")
        fen = value * FEN_PER_YUAN
        if fen != fen.to_integral_value():
            raise ValueError(f"more than two decimals (below one fen): {text!r}")
        return cls(int(fen))

    @classmethod
    def from_decimal_yuan(cls, yuan: Decimal, rounding: str = ROUND_HALF_UP) -> Money:
        """Convert a computed yuan amount to fen with an explicit rounding mode."""
        return cls(int((yuan * FEN_PER_YUAN).quantize(Decimal(1), rounding=rounding)))

    @property
    def yuan(self) -> Decimal:
        """The exact amount in yuan as a Decimal with two places."""
        return (Decimal(self.fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen - other.fen)

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            return NotImplemented
        return Money(self.fen * factor)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.fen)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and other.fen == self.fen

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.fen < other.fen

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.fen <= other.fen

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.fen > other.fen

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.fen >= other.fen

    def __hash__(self) -> int:
        return hash(("Money", self.fen))

    def __bool__(self) -> bool:
        return self.fen != 0

    def __repr__(self) -> str:
        return f"Money({self.fen})"

    def __str__(self) -> str:
        return format_cny(self)

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Split by non-negative integer weights; the parts sum exactly to this amount."""
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise ValueError("weights must be non-negative with a positive sum")
        total = sum(weights)
        sign = -1 if self.fen < 0 else 1
        whole = abs(self.fen)
        shares = [whole * w // total for w in weights]
        remainders = [whole * w % total for w in weights]
        leftover = whole - sum(shares)
        order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
        for i in order[:leftover]:
            shares[i] += 1
        return [Money(sign * s) for s in shares]

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> Any:
        """In API schemas Money is an integer number of fen."""
        return core_schema.no_info_after_validator_function(
            lambda v: v if isinstance(v, Money) else cls(v),
            core_schema.union_schema(
                [core_schema.is_instance_schema(cls), core_schema.int_schema(strict=True)]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(lambda m: m.fen),
        )


def _rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _group(value: Decimal, places: int) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{places}f}"


def format_cny(amount: Money | int, unit: str = "auto", places: int = 2) -> str:
    """Format an amount for people: ``元``, ``万元`` or ``亿元`` (``unit="auto"`` picks by size).

    Auto uses 亿元 from 1 亿 up, 万元 from 1 万 up, else 元. ``places`` applies to 万元/亿元;
    元 always shows two decimals.
    """
    fen = amount.fen if isinstance(amount, Money) else amount
    if unit == "auto":
        unit = "亿元" if abs(fen) >= YI else "万元" if abs(fen) >= WAN else "元"
        # Rounding can carry into the next unit (9,999.995万 shows as 1.00亿, not 10,000.00万).
        if unit == "万元" and abs(_rounded(Decimal(fen) / WAN, places)) >= 10_000:
            unit = "亿元"
    if unit == "元":
        return f"{_group(Decimal(fen) / FEN_PER_YUAN, 2)}元"
    if unit == "万元":
        return f"{_group(Decimal(fen) / WAN, places)}万元"
    if unit == "亿元":
        return f"{_group(Decimal(fen) / YI, places)}亿元"
    raise ValueError(f"unknown unit {unit!r}: use 元, 万元, 亿元 or auto")


def format_cny_en(amount: Money | int) -> str:
    """English display: ``CNY 1,234.50``, or ``CNY 12.35 m`` / ``CNY 1.20 bn`` for large amounts."""
    fen = amount.fen if isinstance(amount, Money) else amount
    yuan = Decimal(fen) / FEN_PER_YUAN
    if abs(yuan) >= 1_000_000_000:
        return f"CNY {_group(yuan / 1_000_000_000, 2)} bn"
    if abs(yuan) >= 1_000_000:
        return f"CNY {_group(yuan / 1_000_000, 2)} m"
    return f"CNY {_group(yuan, 2)}"
