"""Company names folded for matching: legal forms, brackets, regions, industry words."""

from __future__ import annotations

import pytest

from chanrong.observatory.names import Region, name_key

KEYS = [
    # (name, core, industry, province, city)
    ("云道智造科技有限公司", "云道智造", ("科技",), None, None),
    ("深圳市云道智造科技有限公司", "云道智造", ("科技",), "44", "深圳"),
    ("云道智造科技（深圳）有限公司", "云道智造", ("科技",), "44", "深圳"),
    ("云道智造科技(深圳)有限公司", "云道智造", ("科技",), "44", "深圳"),
    ("云道智造科技【深圳】有限公司", "云道智造", ("科技",), "44", "深圳"),
    ("云道智造", "云道智造", (), None, None),
    ("广东省深圳市板石智能科技有限公司", "板石", ("智能", "科技"), "44", "深圳"),
    ("北京板石智能", "板石", ("智能",), "11", "北京"),
    ("阿里巴巴(中国)有限公司", "阿里巴巴", (), None, None),
    ("小米科技有限责任公司", "小米", ("科技",), None, None),
    ("某某集团股份有限公司", "某某", (), None, None),
    ("某某（集团）有限公司", "某某", (), None, None),
    ("享道出行(上海)科技股份有限公司", "享道出行", ("科技",), "31", "上海"),
    ("山海半导体", "山海", ("半导体",), None, None),
    ("富勒FLUX", "富勒flux", (), None, None),
    ("上海", "上海", (), None, None),  # a region alone is kept: nothing else is left
    ("Yundao Technology Co., Ltd.", "yundao", ("technology",), None, None),
    ("YUNDAO TECH LIMITED", "yundao", ("technology",), None, None),
    ("Shenzhen Yundao Intelligent Manufacturing Co.,Ltd", "yundao",
     ("intelligent", "manufacturing"), "44", "深圳"),
    ("Alibaba (China) Co., Ltd.", "alibaba", (), None, None),
    ("Acme Smart Systems Inc.", "acme", ("intelligent", "system"), None, None),
]  # fmt: skip


@pytest.mark.parametrize(("name", "core", "industry", "province", "city"), KEYS)
def test_name_keys(
    name: str, core: str, industry: tuple[str, ...], province: str | None, city: str | None
) -> None:
    key = name_key(name)
    assert (key.core, key.industry) == (core, industry)
    assert (key.region.province if key.region else None) == province
    assert (key.region.city if key.region else None) == city


def test_industry_words_are_kept_apart_from_the_trade_name() -> None:
    a, b, short = (
        name_key("板石智能科技有限公司"),
        name_key("板石电子科技有限公司"),
        name_key("板石"),
    )
    assert a.core == b.core == short.core
    assert not a.industry_nested(b)
    assert short.industry_nested(a) and short.industry_nested(b)
    assert name_key("板石智能").industry_nested(a)
    assert a.full == "板石智能科技"


def test_region_compatibility() -> None:
    shenzhen, guangdong, beijing = Region("44", "深圳"), Region("44"), Region("11", "北京")
    assert shenzhen.compatible(guangdong) and guangdong.compatible(shenzhen)
    assert not shenzhen.compatible(beijing)
    assert not shenzhen.compatible(Region("44", "广州"))
    assert shenzhen.compatible(None)
