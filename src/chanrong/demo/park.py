"""The simulated industrial park (模拟产业园区) behind ``chanrong demo``.

Two halves:

* **Generation** (pure): ``plan_park(seed)`` returns a ``ParkPlan`` of plain dataclasses, built
  part by part (``operator_party``, ``core_enterprises``, ``smes``, ``institutions``,
  ``prefixes``, ``product_batches``, ``devices``, ``trade_links``, ``documents``, ``logins``,
  ``api_key_holders``). Each part draws from its own random stream
  ``random.Random(f"chanrong-park:{seed}:{part}")``, so adding a part later (trade, receivables,
  telemetry) never changes what the existing parts generate for a seed.
* **Writing**: ``build_park(session, seed=...)`` stores the plan through the services only
  (``draft_or_raise``/``create_party``, ``register_prefix``/``register_identifier``,
  ``create_user``/``issue_api_key``) acting as ``Principal.system()``. It never commits.

What the park holds, for every seed (names, codes, cities, devices and amounts vary with it):

* 1 platform operator (产融平台运营方), code ``op``.
* 4 core enterprises: an excavator maker in 长沙 (C35, ``excavator``), a garment group in 宁波
  (C18, ``garment``), a refinery in 东营 (C25, ``refinery``), an automotive and logistics group
  in 武汉 (C36, ``autolog``).
* 50 SMEs in 12 provinces (``SEGMENTS``): sewing workshops (C18), mould makers (C35), metal
  parts (C33), road logistics (G54), electronics (C39), pharma distributors (F51), chemical
  buyers (C26), auto parts (C36), industrial-internet platforms (I65), two agents (F51) and four
  equipment makers (sewing machines C35, motors C38, energy meters C40, CNC machines C34).
* 9 financial institutions with licence codes: 3 banks, 2 insurers, 2 lessors, 1 factoring
  company, 1 fund manager.

Every enterprise holds the prefix ``88.<10 + GB/T 4754 division>.<n>`` (``88.1035.1`` is the
first C35 enterprise) and registers its devices (``SM-0001`` sewing machines, ``EX-`` excavators,
``MT-`` motors, ``LV-`` logistics vehicles, ``EM-`` energy meters, ``CNC-`` machining centres),
each linked to its maker's product batch (``PB.<model>.<yyyymm>``), and its trade documents
(``PO.2024.0001`` purchase orders, ``CT.2024.0001`` contracts, ``DN.2024.0001`` delivery notes,
``INV.2024.000001`` invoices). Prices and amounts are integer fen in protected fields.

Unified social credit codes are ``91`` + the city's division code + a 9-character organisation
code (GB 11714, with its own check character) + the GB 32100 check character. Every party has
one admin ``<code>-admin`` whose password is ``DEMO_PASSWORD``; every core enterprise and bank
also gets one API key. Dates are set in the park year 2024 so that a seed always gives the same
park.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.identifiers import service as identifiers
from chanrong.identifiers.models import Identifier, Prefix
from chanrong.parties import access, uscc
from chanrong.parties import service as parties
from chanrong.parties.core import Principal
from chanrong.parties.models import ApiKey, Party, PartyRole, User

DEFAULT_SEED = 2024
DEMO_PASSWORD = "chanrong-demo"
PARK_YEAR = 2024

# What every park holds, whatever the seed (the tests check these against the database).
EXPECTED_PARTIES_BY_KIND = {"operator": 1, "enterprise": 54, "institution": 9}


# ---------------------------------------------------------------------------------------------
# Reference data of the park
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    """A city parties are registered in: GB/T 2260 province, name and 6-digit division code."""

    province: str
    name: str
    division: str


CITIES: dict[str, City] = {
    "北京": City("11", "北京市", "110108"),
    "天津": City("12", "天津市", "120116"),
    "上海": City("31", "上海市", "310115"),
    "南京": City("32", "南京市", "320100"),
    "无锡": City("32", "无锡市", "320200"),
    "徐州": City("32", "徐州市", "320300"),
    "常州": City("32", "常州市", "320400"),
    "苏州": City("32", "苏州市", "320500"),
    "杭州": City("33", "杭州市", "330100"),
    "宁波": City("33", "宁波市", "330200"),
    "温州": City("33", "温州市", "330300"),
    "湖州": City("33", "湖州市", "330500"),
    "绍兴": City("33", "绍兴市", "330600"),
    "金华": City("33", "金华市", "330700"),
    "台州": City("33", "台州市", "331000"),
    "合肥": City("34", "合肥市", "340100"),
    "芜湖": City("34", "芜湖市", "340200"),
    "厦门": City("35", "厦门市", "350200"),
    "泉州": City("35", "泉州市", "350500"),
    "南昌": City("36", "南昌市", "360100"),
    "济南": City("37", "济南市", "370100"),
    "青岛": City("37", "青岛市", "370200"),
    "淄博": City("37", "淄博市", "370300"),
    "东营": City("37", "东营市", "370500"),
    "潍坊": City("37", "潍坊市", "370700"),
    "滨州": City("37", "滨州市", "371600"),
    "郑州": City("41", "郑州市", "410100"),
    "武汉": City("42", "武汉市", "420100"),
    "十堰": City("42", "十堰市", "420300"),
    "襄阳": City("42", "襄阳市", "420600"),
    "长沙": City("43", "长沙市", "430100"),
    "株洲": City("43", "株洲市", "430200"),
    "湘潭": City("43", "湘潭市", "430300"),
    "广州": City("44", "广州市", "440100"),
    "深圳": City("44", "深圳市", "440300"),
    "佛山": City("44", "佛山市", "440600"),
    "东莞": City("44", "东莞市", "441900"),
    "柳州": City("45", "柳州市", "450200"),
    "成都": City("51", "成都市", "510100"),
}

# Two-character trade names (字号); each party draws one, never twice in a park.
_TRADE_NAMES_TEXT = (
    "恒信 华瑞 永盛 鼎鑫 金帆 宏达 瑞丰 润泽 德隆 众诚 嘉禾 汇通 博远 联创 新纪 兴业 天成 "
    "广源 宇航 海川 明辉 长青 安泰 和泰 佳信 凯盛 利元 隆昌 美达 南星 普惠 启航 "
    "荣升 盛世 泰和 万通 伟业 协力 旭日 扬帆 亿丰 永和 远景 卓越 志成 华星 锦程 "
    "精诚 聚力 开元 朗润 明远 鹏程 齐力 日升 融通 顺达 拓新 同创 万象 祥和 昕辰 鑫源 "
    "雅格 耀华 元泰 云帆 振华 智远 众合 卓达 冠宇 合力 恒昌 吉祥 "
    "金鼎 康达 龙腾 茂源 明达 宁远 鹏飞 青松 庆丰 仁和 瑞祥 山河 胜利 双赢 腾飞 "
    "天宇 巍峰 新航 星辰 旭升 一诺 远航 泽润 洲际"
)
TRADE_NAMES = tuple(_TRADE_NAMES_TEXT.split())


@dataclass(frozen=True)
class Goods:
    """Something one party sells another: unit, unit price range (yuan), quantities, VAT."""

    name: str
    unit: str
    price_yuan: tuple[int, int]
    quantity: tuple[int, int]
    tax_rate_bp: int = 1300  # basis points: 13% goods, 9% transport, 6% services
    delivered: bool = True  # goods get delivery notes; services do not


@dataclass(frozen=True)
class Segment:
    """A group of enterprises of one trade: how many, where, what they make and for whom."""

    key: str
    zh: str
    en: str
    count: int
    industry: str
    words: tuple[str, ...]  # industry words of the name (服装, 模具 ...)
    cities: tuple[str, ...]  # each listed city gets at least one party when count >= len
    sizes: tuple[str, ...]
    roles: tuple[str, ...]
    customers: tuple[str, ...] = ()  # party codes it sells to ("hospital" = outside the park)
    goods: tuple[Goods, ...] = ()
    equipment: tuple[tuple[str, int, int], ...] = ()  # (device kind, min, max)
    legal_form: str = "有限公司"

    def code(self, index: int) -> str:
        """The short code of the index-th party of the segment (``sew01``; ``sewmaker``)."""
        return self.key if self.count == 1 else f"{self.key}{index + 1:02d}"


CORE_SEGMENTS: tuple[Segment, ...] = (
    Segment(
        "excavator", "挖掘机制造", "excavator maker", 1, "C35", ("工程机械",), ("长沙",),
        ("large",), ("core_enterprise", "manufacturer"),
        equipment=(("EX", 24, 32), ("MT", 3, 5), ("EM", 2, 3)), legal_form="股份有限公司",
    ),
    Segment(
        "garment", "服装集团", "garment group", 1, "C18", ("服饰集团",), ("宁波",),
        ("large",), ("core_enterprise", "buyer"),
        equipment=(("SM", 12, 20), ("EM", 2, 3)),
    ),
    Segment(
        "refinery", "炼化企业", "refinery", 1, "C25", ("石油化工",), ("东营",),
        ("large",), ("core_enterprise",),
        customers=("chem",),
        goods=(
            Goods("石脑油", "吨", (6800, 7600), (200, 900)),
            Goods("液化石油气", "吨", (4800, 5600), (150, 600)),
            Goods("道路沥青", "吨", (3600, 4300), (300, 1200)),
        ),
        equipment=(("MT", 6, 10), ("EM", 3, 4)),
    ),
    Segment(
        "autolog", "汽车与物流集团", "automotive and logistics group", 1, "C36", ("汽车集团",),
        ("武汉",), ("large",), ("core_enterprise", "manufacturer", "buyer"),
        customers=("truckagent",),
        goods=(Goods("4.2米轻型厢式货车", "辆", (120000, 158000), (5, 20)),),
        equipment=(("LV", 10, 16), ("EM", 2, 3)),
    ),
)  # fmt: skip

SME_SEGMENTS: tuple[Segment, ...] = (
    Segment(
        "sew", "缝纫车间", "sewing workshops", 8, "C18", ("服装", "制衣", "服饰", "针织"),
        ("宁波", "温州", "湖州", "绍兴", "苏州", "泉州", "芜湖", "南昌"),
        ("small", "micro"), ("supplier", "sme"), customers=("garment",),
        goods=(
            Goods("针织衫代加工", "件", (18, 35), (3000, 20000)),
            Goods("衬衫成衣加工", "件", (25, 48), (2000, 15000)),
        ),
        equipment=(("SM", 6, 14), ("EM", 1, 1)),
    ),
    Segment(
        "mould", "模具企业", "mould makers", 6, "C35", ("模具", "精密模具", "模塑"),
        ("宁波", "台州", "东莞", "苏州", "长沙", "青岛"),
        ("small", "medium"), ("supplier", "sme"), customers=("excavator", "autolog"),
        goods=(
            Goods("驾驶室覆盖件冲压模具", "套", (80000, 350000), (1, 4)),
            Goods("注塑模具", "套", (30000, 120000), (2, 8)),
        ),
        equipment=(("CNC", 2, 5), ("MT", 1, 3), ("EM", 1, 1)),
    ),
    Segment(
        "metal", "金属制品", "metal parts", 6, "C33", ("金属制品", "五金", "紧固件"),
        ("长沙", "株洲", "湘潭", "无锡", "佛山", "金华"),
        ("micro", "small", "medium"), ("supplier", "sme"), customers=("excavator",),
        goods=(
            Goods("铲斗齿", "件", (120, 380), (500, 4000)),
            Goods("液压油缸支架", "件", (450, 1200), (200, 1500)),
            Goods("高强度紧固件", "千件", (800, 2400), (20, 200)),
        ),
        equipment=(("MT", 2, 4), ("CNC", 1, 2), ("EM", 1, 1)),
    ),
    Segment(
        "logistics", "道路物流", "road logistics", 5, "G54", ("物流", "运输", "货运"),
        ("东营", "淄博", "郑州", "武汉", "长沙"),
        ("small", "medium"), ("supplier", "sme"), customers=("refinery", "autolog", "garment"),
        goods=(Goods("道路货物运输服务", "车次", (1500, 6500), (40, 400), 900, delivered=False),),
        equipment=(("LV", 3, 6), ("EM", 1, 1)),
    ),
    Segment(
        "elec", "电子元器件", "electronics", 5, "C39", ("电子", "电子科技", "光电"),
        ("深圳", "东莞", "苏州", "合肥", "成都"),
        ("small", "medium"), ("supplier", "sme"), customers=("autolog", "excavator"),
        goods=(
            Goods("车载控制器", "件", (380, 900), (500, 5000)),
            Goods("线束总成", "套", (260, 680), (800, 6000)),
        ),
        equipment=(("MT", 2, 3), ("EM", 1, 1)),
    ),
    Segment(
        "pharma", "医药流通", "pharma distributors", 4, "F51", ("医药", "医疗器械", "医药贸易"),
        ("长沙", "武汉", "郑州", "南昌"),
        ("small", "medium"), ("supplier", "sme"), customers=("hospital",),
        goods=(
            Goods("医用耗材配送", "批", (20000, 150000), (2, 12)),
            Goods("药品配送", "批", (50000, 300000), (2, 10)),
        ),
        equipment=(("LV", 1, 3), ("EM", 1, 1)),
    ),
    Segment(
        "chem", "化工企业", "chemical buyers", 5, "C26", ("化工", "新材料", "精细化工"),
        ("淄博", "潍坊", "滨州", "南京", "徐州"),
        ("small", "medium"), ("buyer", "sme"),
        equipment=(("MT", 2, 4), ("EM", 1, 2)),
    ),
    Segment(
        "autoparts", "汽车零部件", "auto parts", 3, "C36", ("汽车零部件", "汽配", "车桥"),
        ("十堰", "襄阳", "柳州"),
        ("small", "medium"), ("supplier", "sme"), customers=("autolog",),
        goods=(
            Goods("制动鼓", "件", (350, 700), (300, 3000)),
            Goods("驱动桥壳", "件", (1800, 3200), (100, 800)),
        ),
        equipment=(("CNC", 1, 3), ("MT", 1, 3), ("EM", 1, 1)),
    ),
    Segment(
        "platform", "工业互联网平台", "industrial-internet platforms", 2, "I65",
        ("工业互联网科技", "数字科技"), ("长沙", "杭州"),
        ("small",), ("platform", "sme"), customers=("excavator", "garment", "refinery"),
        goods=(Goods("工业互联网平台服务", "年", (120000, 600000), (1, 1), 600, delivered=False),),
        equipment=(("EM", 1, 1),),
    ),
    Segment(
        "sewagent", "缝制设备代理", "sewing-machine agent", 1, "F51", ("缝制设备",), ("宁波",),
        ("small",), ("agent", "sme"),
        equipment=(("EM", 1, 1),),
    ),
    Segment(
        "truckagent", "商用车代理", "truck agent", 1, "F51", ("汽车销售服务",), ("武汉",),
        ("small",), ("agent", "sme"),
        equipment=(("EM", 1, 1),),
    ),
    Segment(
        "sewmaker", "缝纫机制造", "sewing-machine maker", 1, "C35", ("缝制机械",), ("台州",),
        ("medium",), ("manufacturer", "supplier", "sme"), customers=("garment", "sewagent"),
        goods=(Goods("A5E 智能平缝机", "台", (3800, 5200), (20, 120)),),
        equipment=(("MT", 2, 3), ("EM", 1, 2)),
    ),
    Segment(
        "motormaker", "电机制造", "motor maker", 1, "C38", ("电机",), ("常州",),
        ("medium",), ("manufacturer", "supplier", "sme"), customers=("excavator", "refinery"),
        goods=(Goods("YE3-200L-4 三相异步电动机", "台", (7800, 9500), (10, 60)),),
        equipment=(("MT", 2, 3), ("EM", 1, 2)),
    ),
    Segment(
        "metermaker", "仪表制造", "energy-meter maker", 1, "C40", ("仪表",), ("杭州",),
        ("medium",), ("manufacturer", "supplier", "sme"), customers=("refinery", "garment"),
        goods=(Goods("DTZY666 智能物联电能表", "只", (1200, 1900), (20, 200)),),
        equipment=(("MT", 1, 2), ("EM", 1, 2)),
    ),
    Segment(
        "cncmaker", "机床制造", "machine-tool maker", 1, "C34", ("数控机床",), ("济南",),
        ("medium",), ("manufacturer", "supplier", "sme"), customers=("autolog", "excavator"),
        goods=(Goods("VMC850 立式加工中心", "台", (260000, 320000), (1, 4)),),
        equipment=(("MT", 2, 3), ("EM", 1, 2)),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Institution:
    """A financial institution of the park: name pattern, city, industry and licence format."""

    code: str
    role: str
    pattern: str  # {city} and {name} are filled in
    city: str
    industry: str
    size: str
    licence: str  # bank, lease, insurer, factoring, fund


INSTITUTIONS: tuple[Institution, ...] = (
    Institution("bank1", "bank", "{name}银行股份有限公司", "北京", "J66", "large", "bank"),
    Institution("bank2", "bank", "{city}{name}银行股份有限公司", "宁波", "J66", "large", "bank"),
    Institution(
        "bank3", "bank", "{city}{name}农村商业银行股份有限公司", "长沙", "J66", "medium", "bank"
    ),
    Institution("ins1", "insurer", "{name}财产保险股份有限公司", "上海", "J68", "large", "insurer"),
    Institution("ins2", "insurer", "{name}财产保险股份有限公司", "深圳", "J68", "large", "insurer"),
    Institution("lease1", "lessor", "{name}金融租赁股份有限公司", "天津", "J66", "large", "lease"),
    Institution(
        "lease2", "lessor", "{city}{name}融资租赁有限公司", "长沙", "J66", "medium", "lease"
    ),
    Institution(
        "factor1", "factoring", "{city}{name}商业保理有限公司", "深圳", "J69", "small", "factoring"
    ),
    Institution(
        "fund1", "fund", "{city}{name}产业投资基金管理有限公司", "杭州", "J67", "small", "fund"
    ),
)


@dataclass(frozen=True)
class DeviceModel:
    """A model of a device kind: code used in batch suffixes, name, rated power, price range."""

    code: str
    name: str
    rated_kw: str | None
    price_yuan: tuple[int, int]


@dataclass(frozen=True)
class DeviceKind:
    """A kind of device (suffix letters, labels), the party code of its maker, its models."""

    code: str
    zh: str
    en: str
    maker: str
    models: tuple[DeviceModel, ...]


DEVICE_KINDS: dict[str, DeviceKind] = {
    "SM": DeviceKind("SM", "智能缝纫机", "smart sewing machine", "sewmaker", (
        DeviceModel("A5E", "A5E 智能平缝机", "0.55", (3800, 5200)),
        DeviceModel("C6", "C6 智能包缝机", "0.40", (4500, 6800)),
        DeviceModel("JK9", "JK-9 电脑花样机", "0.75", (18000, 26000)),
    )),
    "EX": DeviceKind("EX", "挖掘机", "excavator", "excavator", (
        DeviceModel("XG75", "XG75 小型挖掘机", "36.2", (280000, 340000)),
        DeviceModel("XG215", "XG215 中型挖掘机", "118", (750000, 920000)),
        DeviceModel("XG365", "XG365 大型挖掘机", "212", (1500000, 1850000)),
    )),
    "MT": DeviceKind("MT", "电机", "motor", "motormaker", (
        DeviceModel("YE3160M", "YE3-160M-4 三相异步电动机", "11", (3200, 4100)),
        DeviceModel("YE3200L", "YE3-200L-4 三相异步电动机", "30", (7800, 9500)),
        DeviceModel("YE4280S", "YE4-280S-4 超高效电动机", "75", (21000, 26000)),
    )),
    "LV": DeviceKind("LV", "物流车", "logistics vehicle", "autolog", (
        DeviceModel("LT42", "4.2米轻型厢式货车", "115", (120000, 158000)),
        DeviceModel("MT96", "9.6米载货车", "199", (260000, 320000)),
        DeviceModel("TR64", "6x4 牵引车", "338", (380000, 460000)),
    )),
    "EM": DeviceKind("EM", "电能表", "energy meter", "metermaker", (
        DeviceModel("DTSD341", "DTSD341 三相电子式电能表", None, (850, 1300)),
        DeviceModel("DTZY666", "DTZY666 智能物联电能表", None, (1200, 1900)),
    )),
    "CNC": DeviceKind("CNC", "数控加工中心", "CNC machining centre", "cncmaker", (
        DeviceModel("VMC850", "VMC850 立式加工中心", "11", (260000, 320000)),
        DeviceModel("VMC1160", "VMC1160 立式加工中心", "15", (380000, 450000)),
        DeviceModel("HMC630", "HMC630 卧式加工中心", "22", (950000, 1200000)),
    )),
}  # fmt: skip

HOSPITAL_NAMES = ("第一人民医院", "中心医院", "中医医院", "妇幼保健院", "第三人民医院")
WORKSHOPS = ("一号车间", "二号车间", "三号车间", "总装车间", "仓储中心", "配电房")
SITES = ("长沙", "株洲", "武汉", "郑州", "成都", "合肥", "南昌", "济南", "广州", "柳州")


# ---------------------------------------------------------------------------------------------
# The plan: plain data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartySpec:
    """One party of the park, ready for ``draft_or_raise``; ``code`` names it inside the park."""

    code: str
    segment: str
    kind: str
    name: str
    uscc: str
    province: str
    city: str
    industry: str
    size: str | None
    roles: tuple[str, ...]
    license_code: str | None = None

    @property
    def username(self) -> str:
        """The party's demo admin login."""
        return f"{self.code}-admin"

    @property
    def division(self) -> str:
        """The GB/T 4754 division digits (``35`` of ``C35``)."""
        return self.industry[1:3]

    def draft_fields(self) -> dict[str, Any]:
        """Keyword arguments of ``parties.service.draft_or_raise``."""
        return {
            "kind": self.kind,
            "name": self.name,
            "uscc_code": self.uscc,
            "province": self.province,
            "city": self.city,
            "industry": self.industry,
            "size": self.size,
            "roles": list(self.roles),
            "license_code": self.license_code,
        }


@dataclass(frozen=True)
class IdentifierSpec:
    """One identifier to register: owner (party code), handle, object type and record fields."""

    owner: str
    handle: str
    object_type: str
    fields: list[dict[str, Any]] = field(hash=False)


@dataclass(frozen=True)
class TradeLink:
    """A standing trade relation: a seller, a buyer (a party code, or outside the park), goods."""

    seller: str
    buyer: str | None
    buyer_name: str
    buyer_uscc: str
    goods: Goods
    terms_days: int


@dataclass(frozen=True)
class LoginSpec:
    """A demo console user: one admin per party."""

    party: str
    username: str
    display_name: str
    roles: tuple[str, ...] = ("admin",)


@dataclass
class ParkPlan:
    """Everything the park holds, as plain data, in the order it is written."""

    seed: int
    parties: list[PartySpec]
    prefixes: dict[str, str]
    batches: list[IdentifierSpec]
    devices: list[IdentifierSpec]
    links: list[TradeLink]
    documents: list[IdentifierSpec]
    logins: list[LoginSpec]
    api_key_holders: list[str]

    @property
    def identifiers(self) -> list[IdentifierSpec]:
        """Every identifier, in dependency order (batches before devices linking to them)."""
        return [*self.batches, *self.devices, *self.documents]

    @property
    def work_units(self) -> int:
        """How many writes ``build_park`` makes (for the progress bar)."""
        return (
            len(self.parties)
            + len(self.prefixes)
            + len(self.identifiers)
            + len(self.logins)
            + len(self.api_key_holders)
        )

    def party(self, code: str) -> PartySpec:
        """The party of ``code``."""
        return self._by_code()[code]

    def _by_code(self) -> dict[str, PartySpec]:
        return {p.code: p for p in self.parties}


def part_rng(seed: int, part: str) -> random.Random:
    """The random stream of one part of the park (independent of every other part)."""
    return random.Random(f"chanrong-park:{seed}:{part}")


# ---------------------------------------------------------------------------------------------
# Codes
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Parts of the park (pure)
# ---------------------------------------------------------------------------------------------


class NamePool:
    """Draws trade names and codes without repeats inside one park."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pool = list(TRADE_NAMES)
        rng.shuffle(self.pool)
        self.codes: set[str] = set()

    def trade_name(self) -> str:
        """A trade name (字号) not drawn before."""
        return self.pool.pop()

    def uscc(self, division: str, *, authority: str = "91") -> str:
        """A valid unified social credit code in ``division``, not drawn before."""
        while True:
            code = make_uscc(self.rng, division, authority=authority)
            if code not in self.codes:
                self.codes.add(code)
                return code


def operator_party(names: NamePool) -> PartySpec:
    """The platform operator (产融平台运营方), in Beijing."""
    city = CITIES["北京"]
    return PartySpec(
        code="op",
        segment="operator",
        kind="operator",
        name=f"北京{names.trade_name()}产融数字科技有限公司",
        uscc=names.uscc(city.division),
        province=city.province,
        city=city.name,
        industry="I65",
        size="medium",
        roles=("operator",),
    )


def _segment_parties(names: NamePool, segment: Segment) -> list[PartySpec]:
    cities = list(segment.cities)
    names.rng.shuffle(cities)
    specs = []
    for index in range(segment.count):
        city = CITIES[cities[index % len(cities)]]
        word = names.rng.choice(segment.words)
        specs.append(
            PartySpec(
                code=segment.code(index),
                segment=segment.key,
                kind="enterprise",
                name=f"{city.name.removesuffix('市')}{names.trade_name()}{word}{segment.legal_form}",
                uscc=names.uscc(city.division),
                province=city.province,
                city=city.name,
                industry=segment.industry,
                size=names.rng.choice(segment.sizes),
                roles=segment.roles,
            )
        )
    return specs


def core_enterprises(names: NamePool) -> list[PartySpec]:
    """The four core enterprises (核心企业)."""
    return [spec for segment in CORE_SEGMENTS for spec in _segment_parties(names, segment)]


def smes(names: NamePool) -> list[PartySpec]:
    """The 50 SMEs, segment by segment."""
    return [spec for segment in SME_SEGMENTS for spec in _segment_parties(names, segment)]


def institutions(names: NamePool) -> list[PartySpec]:
    """Banks, insurers, lessors, a factoring company and a fund manager, with licence codes."""
    specs = []
    for inst in INSTITUTIONS:
        city = CITIES[inst.city]
        specs.append(
            PartySpec(
                code=inst.code,
                segment=inst.role,
                kind="institution",
                name=inst.pattern.format(
                    city=city.name.removesuffix("市"), name=names.trade_name()
                ),
                uscc=names.uscc(city.division),
                province=city.province,
                city=city.name,
                industry=inst.industry,
                size=inst.size,
                roles=(inst.role,),
                license_code=licence_code(names.rng, inst.licence, city.division),
            )
        )
    return specs


def park_parties(seed: int) -> list[PartySpec]:
    """Every party of the park: operator, core enterprises, SMEs, institutions."""
    names = NamePool(part_rng(seed, "parties"))
    return [operator_party(names), *core_enterprises(names), *smes(names), *institutions(names)]


def prefixes(all_parties: Iterable[PartySpec]) -> dict[str, str]:
    """One prefix per enterprise: ``88.<10 + division>.<n>``, n counting per industry node."""
    counters: Counter[str] = Counter()
    result = {}
    for spec in all_parties:
        if spec.kind != "enterprise":
            continue
        node = prefix_node(spec.industry)
        counters[node] += 1
        result[spec.code] = f"88.{node}.{counters[node]}"
    return result


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def product_batches(
    seed: int, by_code: dict[str, PartySpec], prefix_of: dict[str, str]
) -> list[IdentifierSpec]:
    """Two production batches per device model, registered by the model's maker."""
    rng = part_rng(seed, "batches")
    specs = []
    for kind in DEVICE_KINDS.values():
        maker = by_code[kind.maker]
        for model in kind.models:
            months = sorted(rng.sample(range(1, 37), 2))
            for month in months:
                produced = date(
                    2021 + (month - 1) // 12, (month - 1) % 12 + 1, rng.randrange(1, 29)
                )
                unit_cost = rng.randrange(*model.price_yuan) * 70  # about 70% of price, in fen
                specs.append(
                    IdentifierSpec(
                        owner=maker.code,
                        handle=f"{prefix_of[maker.code]}/PB.{model.code}.{produced:%Y%m}",
                        object_type="product_batch",
                        fields=[
                            _f("product", f"{kind.zh} {model.name}"),
                            _f("model", model.name),
                            _f("produced_on", produced.isoformat(), "date"),
                            _f("quantity", rng.randrange(50, 500), "integer"),
                            _f("plant", f"{maker.city}{rng.choice(WORKSHOPS)}"),
                            _f("inspection", "合格"),
                            _f("unit_cost", unit_cost, "money_fen", protected=True),
                        ],
                    )
                )
    return specs


def devices(
    seed: int,
    all_parties: list[PartySpec],
    prefix_of: dict[str, str],
    batches: list[IdentifierSpec],
) -> list[IdentifierSpec]:
    """Each enterprise's equipment (per its segment), linked to the maker's product batch."""
    rng = part_rng(seed, "devices")
    by_code = {p.code: p for p in all_parties}
    batches_of: dict[str, list[IdentifierSpec]] = {}
    for batch in batches:
        model_code = batch.handle.split("/PB.", 1)[1].rsplit(".", 1)[0]
        batches_of.setdefault(model_code, []).append(batch)
    segments = {s.key: s for s in (*CORE_SEGMENTS, *SME_SEGMENTS)}
    specs = []
    for owner in all_parties:
        segment = segments.get(owner.segment)
        if segment is None:
            continue
        for kind_code, low, high in segment.equipment:
            kind = DEVICE_KINDS[kind_code]
            maker = by_code[kind.maker]
            for n in range(1, rng.randint(low, high) + 1):
                model = rng.choice(kind.models)
                batch = rng.choice(batches_of[model.code])
                produced = date.fromisoformat(_value(batch, "produced_on"))
                commissioned = produced + timedelta(days=rng.randrange(15, 240))
                price = rng.randrange(*model.price_yuan) * 100
                if kind_code == "EX":  # the maker registers the machines it sold
                    site = CITIES[rng.choice(SITES)]
                    location = f"{site.name}施工现场"
                else:
                    location = f"{owner.city}{rng.choice(WORKSHOPS)}"
                fields = [
                    _f("model", model.name),
                    _f("serial", f"{kind_code}{produced:%y%m}{model.code[:3]}{rng.randrange(10**5):05d}"),
                    _f("maker", maker.name),
                    _f("maker_batch", batch.handle, "identifier"),
                    _f("commissioned_on", commissioned.isoformat(), "date"),
                ]  # fmt: skip
                if model.rated_kw is not None:
                    fields.append(_f("rated_power_kw", model.rated_kw, "decimal"))
                fields += [
                    _f("purchase_price", price, "money_fen", protected=True),
                    _f("location", location),
                ]
                specs.append(
                    IdentifierSpec(
                        owner=owner.code,
                        handle=f"{prefix_of[owner.code]}/{kind_code}-{n:04d}",
                        object_type="device",
                        fields=fields,
                    )
                )
    return specs


def trade_links(seed: int, all_parties: list[PartySpec]) -> list[TradeLink]:
    """Who sells what to whom: each selling enterprise gets one or two customers."""
    rng = part_rng(seed, "links")
    segments = {s.key: s for s in (*CORE_SEGMENTS, *SME_SEGMENTS)}
    by_segment: dict[str, list[PartySpec]] = {}
    for spec in all_parties:
        by_segment.setdefault(spec.segment, []).append(spec)
    hospital_codes: set[str] = set()
    links = []
    for seller in all_parties:
        segment = segments.get(seller.segment)
        if segment is None or not segment.customers:
            continue
        candidates = [b for key in segment.customers for b in by_segment.get(key, [])]
        if "hospital" in segment.customers:
            count = rng.randint(1, 2)
        elif seller.segment in ("refinery", "autolog"):
            count = len(candidates)  # a core enterprise sells to every buyer of its segment
        else:
            count = min(len(candidates), 1 + (rng.random() < 0.3))
        chosen = rng.sample(candidates, count) if candidates else []
        for n in range(count):
            goods = rng.choice(segment.goods)
            terms = rng.choice((30, 60, 90) if seller.segment != "sew" else (60, 90, 180))
            if chosen:
                buyer = chosen[n]
                links.append(
                    TradeLink(seller.code, buyer.code, buyer.name, buyer.uscc, goods, terms)
                )
                continue
            city = CITIES[seller.city.removesuffix("市")]
            while True:  # a public hospital outside the park (事业单位: authority 1, type 2)
                code = make_uscc(rng, city.division, authority="12")
                if code not in hospital_codes:
                    hospital_codes.add(code)
                    break
            hospital = (
                f"{city.name}{HOSPITAL_NAMES[(len(hospital_codes) - 1) % len(HOSPITAL_NAMES)]}"
            )
            links.append(TradeLink(seller.code, None, hospital, code, goods, terms))
    return links


def documents(
    seed: int, all_parties: list[PartySpec], prefix_of: dict[str, str], links: list[TradeLink]
) -> list[IdentifierSpec]:
    """Per trade link: the buyer's purchase order, the seller's contract, deliveries, invoices.

    Contract amounts equal the sum of their invoices' totals (tax included), to the fen.
    """
    rng = part_rng(seed, "documents")
    by_code = {p.code: p for p in all_parties}
    serial: Counter[tuple[str, str]] = Counter()

    def next_handle(owner: str, kind: str, width: int = 4) -> str:
        serial[(owner, kind)] += 1
        return f"{prefix_of[owner]}/{kind}.{PARK_YEAR}.{serial[(owner, kind)]:0{width}d}"

    specs: list[IdentifierSpec] = []
    for link in links:
        seller = by_code[link.seller]
        goods = link.goods
        signed = _day(rng, date(PARK_YEAR, 1, 8), date(PARK_YEAR, 9, 30))
        deliveries = []
        for k in range(rng.randint(1, 3)):
            quantity = rng.randint(*goods.quantity)
            price_fen = rng.randint(*goods.price_yuan) * 100
            amount = quantity * price_fen
            tax = (amount * goods.tax_rate_bp + 5000) // 10000  # half-up to the fen
            shipped = signed + timedelta(days=15 + 30 * k + rng.randrange(10))
            deliveries.append((quantity, amount, tax, shipped))
        total = sum(a + t for _q, a, t, _s in deliveries)
        order_handle = None
        if link.buyer is not None:
            buyer = by_code[link.buyer]
            order_handle = next_handle(buyer.code, "PO")
            specs.append(
                IdentifierSpec(
                    owner=buyer.code,
                    handle=order_handle,
                    object_type="purchase_order",
                    fields=[
                        _f("supplier_name", seller.name),
                        _f("supplier_uscc", seller.uscc),
                        _f("goods", goods.name),
                        _f("quantity", sum(q for q, *_ in deliveries), "integer"),
                        _f("unit", goods.unit),
                        _f("ordered_on", (signed - timedelta(days=rng.randrange(1, 10))).isoformat(), "date"),
                        _f("amount_fen", total, "money_fen", protected=True),
                    ],
                )
            )  # fmt: skip
        contract_handle = next_handle(seller.code, "CT")
        contract_fields = [
            _f("contract_no", f"HT-{seller.code.upper()}-{PARK_YEAR}-{serial[(seller.code, 'CT')]:04d}"),
            _f("subject", goods.name),
            _f("seller_name", seller.name),
            _f("seller_uscc", seller.uscc),
            _f("buyer_name", link.buyer_name),
            _f("buyer_uscc", link.buyer_uscc),
            _f("signed_on", signed.isoformat(), "date"),
            _f("valid_until", (signed + timedelta(days=365)).isoformat(), "date"),
            _f("payment_terms_days", link.terms_days, "integer"),
            _f("amount_fen", total, "money_fen", protected=True),
        ]  # fmt: skip
        if order_handle:
            contract_fields.append(_f("purchase_order", order_handle, "identifier"))
        specs.append(IdentifierSpec(seller.code, contract_handle, "contract", contract_fields))
        for quantity, amount, tax, shipped in deliveries:
            note_handle = None
            if goods.delivered:
                note_handle = next_handle(seller.code, "DN")
                specs.append(
                    IdentifierSpec(
                        owner=seller.code,
                        handle=note_handle,
                        object_type="delivery_note",
                        fields=[
                            _f("contract", contract_handle, "identifier"),
                            _f("goods", goods.name),
                            _f("quantity", quantity, "integer"),
                            _f("unit", goods.unit),
                            _f("shipped_on", shipped.isoformat(), "date"),
                            _f("destination", link.buyer_name),
                            _f("received", True, "boolean"),
                        ],
                    )
                )
            issued = shipped + timedelta(days=rng.randrange(0, 6))
            invoice_fields = [
                _f("invoice_no", f"{PARK_YEAR % 100}{seller.province}2{rng.randrange(10**15):015d}"),
                _f("contract", contract_handle, "identifier"),
                _f("seller_uscc", seller.uscc),
                _f("buyer_name", link.buyer_name),
                _f("buyer_uscc", link.buyer_uscc),
                _f("issued_on", issued.isoformat(), "date"),
                _f("due_on", (issued + timedelta(days=link.terms_days)).isoformat(), "date"),
                _f("tax_rate", f"{goods.tax_rate_bp / 10000:.2f}", "decimal"),
                _f("amount_fen", amount, "money_fen", protected=True),
                _f("tax_fen", tax, "money_fen", protected=True),
                _f("total_fen", amount + tax, "money_fen", protected=True),
            ]  # fmt: skip
            if note_handle:
                invoice_fields.insert(2, _f("delivery_note", note_handle, "identifier"))
            specs.append(
                IdentifierSpec(
                    seller.code, next_handle(seller.code, "INV", 6), "invoice", invoice_fields
                )
            )
    return specs


def logins(all_parties: Iterable[PartySpec]) -> list[LoginSpec]:
    """One admin per party: ``<code>-admin`` (``op-admin`` for the operator)."""
    return [LoginSpec(p.code, p.username, f"{p.name} 管理员") for p in all_parties]


def api_key_holders(all_parties: Iterable[PartySpec]) -> list[str]:
    """Parties that get an API key: every core enterprise and every bank."""
    return [p.code for p in all_parties if "core_enterprise" in p.roles or "bank" in p.roles]


def plan_park(seed: int = DEFAULT_SEED) -> ParkPlan:
    """The whole park for ``seed``, as plain data (nothing is written)."""
    all_parties = park_parties(seed)
    by_code = {p.code: p for p in all_parties}
    prefix_of = prefixes(all_parties)
    batches = product_batches(seed, by_code, prefix_of)
    links = trade_links(seed, all_parties)
    return ParkPlan(
        seed=seed,
        parties=all_parties,
        prefixes=prefix_of,
        batches=batches,
        devices=devices(seed, all_parties, prefix_of, batches),
        links=links,
        documents=documents(seed, all_parties, prefix_of, links),
        logins=logins(all_parties),
        api_key_holders=api_key_holders(all_parties),
    )


def _f(name: str, value: Any, kind: str = "string", *, protected: bool = False) -> dict[str, Any]:
    return {"name": name, "type": kind, "value": value, "protected": protected}


def _value(spec: IdentifierSpec, name: str) -> Any:
    return next(f["value"] for f in spec.fields if f["name"] == name)


# ---------------------------------------------------------------------------------------------
# Writing the park (through the services) and summarising it (from the database)
# ---------------------------------------------------------------------------------------------

ProgressHook = Callable[[str, int, int], None]
"""Called as ``hook(stage, done, total)`` after each write."""


@dataclass(frozen=True)
class IssuedKey:
    """An API key issued while building: shown once, in the summary."""

    party: str
    party_name: str
    role: str
    token: str


@dataclass(frozen=True)
class DemoLogin:
    """A demo console login of one party."""

    username: str
    party: str
    party_name: str
    kind: str
    roles: tuple[str, ...]


@dataclass
class ParkSummary:
    """What the park holds, counted in the database, plus its logins and fresh API keys."""

    seed: int
    parties_by_kind: dict[str, int]
    parties_by_role: dict[str, int]
    provinces: dict[str, int]
    industries: dict[str, int]
    identifiers_by_type: dict[str, int]
    prefixes: int
    users: int
    api_keys: int
    logins: list[DemoLogin]
    sample_handles: dict[str, str]
    issued_keys: list[IssuedKey] = field(default_factory=list)
    password: str = DEMO_PASSWORD

    @property
    def parties(self) -> int:
        """How many parties the park has."""
        return sum(self.parties_by_kind.values())

    @property
    def identifiers(self) -> int:
        """How many identifiers the park's enterprises registered."""
        return sum(self.identifiers_by_type.values())


def build_park(
    session: Session, *, seed: int = DEFAULT_SEED, on_progress: ProgressHook | None = None
) -> ParkSummary:
    """Write the park of ``seed`` through the services, as the system. Never commits."""
    plan = plan_park(seed)
    actor = Principal.system()
    done = 0

    def tick(stage: str) -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(stage, done, plan.work_units)

    party_ids = write_parties(session, actor, plan, tick)
    write_prefixes(session, actor, plan, party_ids, tick)
    write_identifiers(session, actor, plan, tick)
    write_logins(session, actor, plan, party_ids, tick)
    keys = write_api_keys(session, actor, plan, party_ids, tick)
    return summarise(session, plan, issued_keys=keys)


def write_parties(
    session: Session, actor: Principal, plan: ParkPlan, tick: Callable[[str], None]
) -> dict[str, int]:
    """Register every party; returns party id by park code."""
    ids = {}
    for spec in plan.parties:
        draft = parties.draft_or_raise(**spec.draft_fields())
        ids[spec.code] = parties.create_party(session, actor=actor, draft=draft).id
        tick("企业与机构 parties")
    return ids


def write_prefixes(
    session: Session,
    actor: Principal,
    plan: ParkPlan,
    party_ids: dict[str, int],
    tick: Callable[[str], None],
) -> None:
    """Register every enterprise's prefix."""
    for code, prefix in plan.prefixes.items():
        identifiers.register_prefix(session, actor=actor, party_id=party_ids[code], prefix=prefix)
        tick("企业前缀 prefixes")


def write_identifiers(
    session: Session, actor: Principal, plan: ParkPlan, tick: Callable[[str], None]
) -> None:
    """Register batches, devices and documents."""
    for spec in plan.identifiers:
        identifiers.register_identifier(
            session, actor=actor, handle=spec.handle, object_type=spec.object_type,
            fields=spec.fields,
        )  # fmt: skip
        tick("标识 identifiers")


def write_logins(
    session: Session,
    actor: Principal,
    plan: ParkPlan,
    party_ids: dict[str, int],
    tick: Callable[[str], None],
) -> None:
    """Create one admin per party, each with its own salted hash of the demo password."""
    for login in plan.logins:
        access.create_user(
            session, actor=actor, party_id=party_ids[login.party], username=login.username,
            display_name=login.display_name, password=DEMO_PASSWORD, roles=list(login.roles),
        )  # fmt: skip
        tick("用户 users")


def write_api_keys(
    session: Session,
    actor: Principal,
    plan: ParkPlan,
    party_ids: dict[str, int],
    tick: Callable[[str], None],
) -> list[IssuedKey]:
    """Issue one member API key per core enterprise and bank; returns the tokens."""
    keys = []
    for code in plan.api_key_holders:
        spec = plan.party(code)
        _key, token = access.issue_api_key(
            session, actor=actor, party_id=party_ids[code], name="demo", roles=["member"]
        )
        role = "bank" if "bank" in spec.roles else "core_enterprise"
        keys.append(IssuedKey(code, spec.name, role, token))
        tick("API 密钥 API keys")
    return keys


def park_status(session: Session, seed: int = DEFAULT_SEED) -> str:
    """``absent``, ``present`` (the park of ``seed`` is there) or ``other`` (another seed's)."""
    plan_operator = park_parties(seed)[0]
    if session.scalar(select(Party.id).where(Party.uscc == plan_operator.uscc)) is not None:
        return "present"
    if session.scalar(select(User.id).where(User.username == plan_operator.username)) is not None:
        return "other"
    return "absent"


def summarise(
    session: Session, plan: ParkPlan, *, issued_keys: list[IssuedKey] | None = None
) -> ParkSummary:
    """Count the park's parties, identifiers, users and keys in the database."""
    codes = [p.uscc for p in plan.parties]
    rows = session.execute(
        select(Party.id, Party.uscc, Party.kind, Party.province, Party.industry_section,
               Party.industry_division)
        .where(Party.uscc.in_(codes))
    ).all()  # fmt: skip
    ids = [r.id for r in rows]
    by_uscc = {r.uscc: r for r in rows}
    roles = session.execute(
        select(PartyRole.role, func.count())
        .where(PartyRole.party_id.in_(ids))
        .group_by(PartyRole.role)
    ).all()
    types = session.execute(
        select(Identifier.object_type, func.count())
        .where(Identifier.owner_party_id.in_(ids))
        .group_by(Identifier.object_type)
    ).all()
    count = session.scalar
    logins = [
        DemoLogin(p.username, p.code, p.name, p.kind, p.roles)
        for p in plan.parties
        if p.uscc in by_uscc
    ]
    samples = {}
    for spec in plan.devices:
        kind = spec.handle.rsplit("/", 1)[1].split("-")[0]
        samples.setdefault(kind, spec.handle)
    if plan.documents:
        samples.setdefault(
            "INV", next(d.handle for d in plan.documents if d.object_type == "invoice")
        )
    return ParkSummary(
        seed=plan.seed,
        parties_by_kind=dict(Counter(r.kind for r in rows)),
        parties_by_role=dict(sorted(roles, key=lambda item: (-item[1], item[0]))),
        provinces=dict(Counter(r.province for r in rows).most_common()),
        industries=dict(
            Counter(f"{r.industry_section}{r.industry_division or ''}" for r in rows).most_common()
        ),
        identifiers_by_type=dict(sorted(types, key=lambda item: (-item[1], item[0]))),
        prefixes=count(select(func.count(Prefix.id)).where(Prefix.party_id.in_(ids))) or 0,
        users=count(select(func.count(User.id)).where(User.party_id.in_(ids))) or 0,
        api_keys=count(select(func.count(ApiKey.id)).where(ApiKey.party_id.in_(ids))) or 0,
        logins=logins,
        sample_handles=samples,
        issued_keys=list(issued_keys or []),
    )
