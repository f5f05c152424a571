"""The park's reference tables: what stays the same whatever the seed.

Cities (GB/T 2260 division codes), trade names (字号), the segments of core enterprises and SMEs
with the goods they sell and the equipment they run, the financial institutions, the device
kinds with their makers and models, and the smaller word lists (hospitals, workshops, sites).
Plain frozen dataclasses and tuples; nothing here draws a random number.
"""

from __future__ import annotations

from dataclasses import dataclass

PARK_YEAR = 2024
"""The year the park's dates are set in, so that a seed always gives the same park."""

# What every park holds, whatever the seed (the tests check these against the database).
EXPECTED_PARTIES_BY_KIND = {"operator": 1, "enterprise": 54, "institution": 9}


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

SEGMENTS: dict[str, Segment] = {s.key: s for s in (*CORE_SEGMENTS, *SME_SEGMENTS)}
"""Every enterprise segment (core and SME) by key."""
