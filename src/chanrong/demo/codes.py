"""Randomness of the park and the codes drawn from it.

Each part of the park draws from its own stream ``random.Random(f"chanrong-park:{seed}:{part}")``
(``part_rng``), so adding a part later never changes what the existing parts generate for a
seed. From those streams come the organisation codes (GB 11714) and unified social credit codes
(GB 32100), fictional licence codes shaped like real ones, and the industry node of a prefix.
"""

from __future__ import annotations

import random

from chanrong.parties import uscc


def part_rng(seed: int, part: str) -> random.Random:
    """The random stream of one part of the park (independent of every other part)."""
    return random.Random(f"chanrong-park:{seed}:{part}")


_ORG_VALUE = {c: (int(c) if c.isdigit() else ord(c) - ord("A") + 10) for c in uscc.CHARSET}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code(rng: random.Random) -> str:
    """A 9-character organisation code (GB 11714): 8 characters and their check character.

    Older firms have 8 digits; firms registered since 2015 start with ``MA``. Letters are drawn
    from the USCC character set, so the code fits inside a unified social credit code.
    """
    if rng.random() < 0.6:
        body = "MA" + "".join(rng.choice(uscc.CHARSET) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    check = 11 - sum(_ORG_VALUE[c] * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random, division: str, *, authority: str = "91") -> str:
    """A valid unified social credit code: authority+type, division code, organisation code."""
    return uscc.complete(authority + division + organisation_code(rng))


def unique_uscc(
    rng: random.Random, division: str, taken: set[str], *, authority: str = "91"
) -> str:
    """A valid unified social credit code in ``division`` not in ``taken``; adds it there."""
    while True:
        code = make_uscc(rng, division, authority=authority)
        if code not in taken:
            taken.add(code)
            return code


def licence_code(rng: random.Random, kind: str, division: str) -> str:
    """A licence code shaped like the real ones (fictional): 金融许可证, 保险, 备案, 登记编号."""
    if kind in ("bank", "lease"):
        letter = "B" if kind == "bank" else "L"
        return f"{letter}{rng.randrange(1, 10000):04d}H2{division[:4]}{rng.randrange(1, 100):04d}"
    if kind == "insurer":
        return f"000{rng.randrange(100, 1000)}"
    if kind == "factoring":
        return f"BL{division}{rng.randrange(1, 10000):04d}"
    return f"P10{rng.randrange(10000, 100000)}"


def prefix_node(industry: str) -> str:
    """The industry node of a prefix: 10 followed by the GB/T 4754 division (C35 -> 1035)."""
    return f"10{industry[1:3]}"
