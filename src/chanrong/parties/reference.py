"""Reference tables parties are checked against: provinces (GB/T 2260), industries (GB/T 4754-2017),
size classes, and the roles a party may hold. Chinese label first, English second."""

from __future__ import annotations

# GB/T 2260 provincial-level divisions: code -> (中文, English)
PROVINCES: dict[str, tuple[str, str]] = {
    "11": ("北京市", "Beijing"),
    "12": ("天津市", "Tianjin"),
    "13": ("河北省", "Hebei"),
    "14": ("山西省", "Shanxi"),
    "15": ("内蒙古自治区", "Inner Mongolia"),
    "21": ("辽宁省", "Liaoning"),
    "22": ("吉林省", "Jilin"),
    "23": ("黑龙江省", "Heilongjiang"),
    "31": ("上海市", "Shanghai"),
    "32": ("江苏省", "Jiangsu"),
    "33": ("浙江省", "Zhejiang"),
    "34": ("安徽省", "Anhui"),
    "35": ("福建省", "Fujian"),
    "36": ("江西省", "Jiangxi"),
    "37": ("山东省", "Shandong"),
    "41": ("河南省", "Henan"),
    "42": ("湖北省", "Hubei"),
    "43": ("湖南省", "Hunan"),
    "44": ("广东省", "Guangdong"),
    "45": ("广西壮族自治区", "Guangxi"),
    "46": ("海南省", "Hainan"),
    "50": ("重庆市", "Chongqing"),
    "51": ("四川省", "Sichuan"),
    "52": ("贵州省", "Guizhou"),
    "53": ("云南省", "Yunnan"),
    "54": ("西藏自治区", "Tibet"),
    "61": ("陕西省", "Shaanxi"),
    "62": ("甘肃省", "Gansu"),
    "63": ("青海省", "Qinghai"),
    "64": ("宁夏回族自治区", "Ningxia"),
    "65": ("新疆维吾尔自治区", "Xinjiang"),
    "71": ("台湾省", "Taiwan"),
    "81": ("香港特别行政区", "Hong Kong"),
    "82": ("澳门特别行政区", "Macao"),
}

# GB/T 4754-2017 sections: letter -> (中文, English, first division, last division)
INDUSTRY_SECTIONS: dict[str, tuple[str, str, int, int]] = {
    "A": ("农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery", 1, 5),
    "B": ("采矿业", "Mining", 6, 12),
    "C": ("制造业", "Manufacturing", 13, 43),
    "D": ("电力、热力、燃气及水生产和供应业", "Electricity, heat, gas and water supply", 44, 46),
    "E": ("建筑业", "Construction", 47, 50),
    "F": ("批发和零售业", "Wholesale and retail trade", 51, 52),
    "G": ("交通运输、仓储和邮政业", "Transport, storage and post", 53, 60),
    "H": ("住宿和餐饮业", "Accommodation and catering", 61, 62),
    "I": (
        "信息传输、软件和信息技术服务业",
        "Information transmission, software and IT services",
        63,
        65,
    ),
    "J": ("金融业", "Finance", 66, 69),
    "K": ("房地产业", "Real estate", 70, 70),
    "L": ("租赁和商务服务业", "Leasing and business services", 71, 72),
    "M": ("科学研究和技术服务业", "Scientific research and technical services", 73, 75),
    "N": ("水利、环境和公共设施管理业", "Water, environment and public facilities", 76, 79),
    "O": ("居民服务、修理和其他服务业", "Resident, repair and other services", 80, 82),
    "P": ("教育", "Education", 83, 83),
    "Q": ("卫生和社会工作", "Health and social work", 84, 85),
    "R": ("文化、体育和娱乐业", "Culture, sports and entertainment", 86, 90),
    "S": ("公共管理、社会保障和社会组织", "Public administration and social organisations", 91, 96),
    "T": ("国际组织", "International organisations", 97, 97),
}

# Manufacturing divisions named in the demo and the report's sectors (others show by code).
DIVISION_NAMES: dict[str, tuple[str, str]] = {
    "17": ("纺织业", "Textiles"),
    "18": ("纺织服装、服饰业", "Apparel"),
    "25": ("石油、煤炭及其他燃料加工业", "Petroleum and fuel processing"),
    "26": ("化学原料和化学制品制造业", "Chemicals"),
    "27": ("医药制造业", "Pharmaceuticals"),
    "29": ("橡胶和塑料制品业", "Rubber and plastics"),
    "31": ("黑色金属冶炼和压延加工业", "Ferrous metals"),
    "33": ("金属制品业", "Metal products"),
    "34": ("通用设备制造业", "General-purpose machinery"),
    "35": ("专用设备制造业", "Special-purpose machinery"),
    "36": ("汽车制造业", "Automobiles"),
    "38": ("电气机械和器材制造业", "Electrical machinery"),
    "39": ("计算机、通信和其他电子设备制造业", "Computers and electronics"),
    "40": ("仪器仪表制造业", "Instruments"),
    "44": ("电力、热力生产和供应业", "Power and heat supply"),
    "54": ("道路运输业", "Road transport"),
    "59": ("装卸搬运和仓储业", "Storage and handling"),
    "65": ("软件和信息技术服务业", "Software and IT services"),
    "66": ("货币金融服务", "Monetary financial services"),
    "68": ("保险业", "Insurance"),
    "69": ("其他金融业", "Other financial services"),
    "71": ("租赁业", "Leasing"),
}

SIZE_CLASSES: dict[str, tuple[str, str]] = {
    "large": ("大型", "large"),
    "medium": ("中型", "medium"),
    "small": ("小型", "small"),
    "micro": ("微型", "micro"),
}

ENTERPRISE_ROLES: dict[str, tuple[str, str]] = {
    "core_enterprise": ("核心企业", "core enterprise"),
    "supplier": ("供应商", "supplier"),
    "sme": ("中小企业", "SME"),
    "buyer": ("采购商", "buyer"),
    "manufacturer": ("设备制造商", "equipment maker"),
    "agent": ("代理商", "agent"),
    "platform": ("工业互联网平台", "industrial-internet platform"),
}

INSTITUTION_ROLES: dict[str, tuple[str, str]] = {
    "bank": ("银行", "bank"),
    "insurer": ("保险公司", "insurer"),
    "lessor": ("租赁公司", "lessor"),
    "factoring": ("保理公司", "factoring company"),
    "fund": ("基金", "fund"),
}

OPERATOR_ROLES: dict[str, tuple[str, str]] = {"operator": ("平台运营方", "platform operator")}

ALL_ROLES = {**ENTERPRISE_ROLES, **INSTITUTION_ROLES, **OPERATOR_ROLES}

PARTY_KINDS: dict[str, tuple[str, str]] = {
    "enterprise": ("企业", "enterprise"),
    "institution": ("金融机构", "financial institution"),
    "operator": ("平台运营方", "platform operator"),
}

USER_ROLES: dict[str, tuple[str, str]] = {
    "admin": ("管理员", "administrator"),
    "member": ("业务人员", "member"),
    "viewer": ("只读", "viewer"),
}


def province_code(text: str) -> str | None:
    """Find a province by code, Chinese name (with or without 省/市 suffix) or English name."""
    raw = text.strip()
    if raw in PROVINCES:
        return raw
    lowered = raw.lower()
    for code, (zh, en) in PROVINCES.items():
        short = zh.removesuffix("省").removesuffix("市").removesuffix("自治区")
        short = short.removesuffix("特别行政区").removesuffix("壮族").removesuffix("回族")
        short = short.removesuffix("维吾尔")
        if raw in (zh, short) or lowered == en.lower():
            return code
    return None


def role_for_label(text: str) -> str | None:
    """A role key from its key, Chinese label or English label."""
    raw = text.strip()
    for key, (zh, en) in ALL_ROLES.items():
        if raw in (key, zh) or raw.lower() == en.lower():
            return key
    return None


def size_for_label(text: str) -> str | None:
    """A size class from its key or label (大型/中型/小型/微型, large ...)."""
    raw = text.strip().lower()
    for key, (zh, _en) in SIZE_CLASSES.items():
        if raw in (key, zh, zh.removesuffix("型")):
            return key
    return None
