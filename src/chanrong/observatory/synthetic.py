"""SYNTHETIC company names, labelled with the truth, for measuring entity resolution.

Everything here is made up (名称均为合成数据): trade names are random pairs of common name
characters, codes are generated USCCs. Each company gets a legal-name record and 0-4 variant
records as other sources would write it: suffix dropped, city prefix toggled, brackets changed,
short name, a one-character typo, an English name, a former name. Deliberate near-misses are
separate companies: the same trade name in another industry, the same name in another city, and
a trade name one character away. ``SyntheticRecord.entity`` is the truth; ``variant`` says how the
record was made, so recall can be read per variant.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from chanrong.observatory.resolution import OrgRecord
from chanrong.parties import uscc

# Common characters of company trade names with their pinyin (for English names).
_SYLLABLE_TEXT = (
    "云yun 道dao 智zhi 华hua 信xin 腾teng 达da 远yuan 航hang 星xing 海hai 山shan 石shi 板ban "
    "立li 芯xin 昆kun 高gao 径jing 安an 适shi 创chuang 度du 控kong 英ying 特te 仿fang 真zhen "
    "益yi 模mo 赛sai 博bo 联lian 物wu 培pei 风feng 图tu 焦jiao 易yi 富fu 勒le 尔er 奇qi 拜bai "
    "恩en 艾ai 灵ling 清qing 通tong 极ji 光guang 明ming 辰chen 宇yu 泰tai 和he 鼎ding 盛sheng "
    "恒heng 瑞rui 祥xiang 德de 诚cheng 润run 泽ze 昊hao 天tian 坤kun 乾qian 弘hong 睿rui 思si "
    "维wei 拓tuo 驰chi 微wei 锐rui 格ge 致zhi 卓zhuo 越yue 凌ling 峰feng 晟sheng 启qi 蓝lan "
    "紫zi 金jin 银yin 铁tie 矩ju 阵zhen 象xiang 凯kai 朗lang 嘉jia 佳jia 优you 捷jie 迅xun "
    "飞fei 翔xiang 鸿hong 宏hong 聚ju 汇hui 融rong 合he 众zhong 宝bao 晶jing 谷gu 帆fan 舟zhou "
    "川chuan 江jiang 湖hu 林lin 森sen 松song 竹zhu 梅mei 兰lan 菁jing 蔚wei 澜lan 沣feng 溯su "
    "源yuan 本ben 元yuan 初chu 新xin 锋feng 钧jun 铭ming 铸zhu 匠jiang 工gong 巧qiao 精jing"
)
SYLLABLES = tuple((pair[0], pair[1:]) for pair in _SYLLABLE_TEXT.split())
INDUSTRIES = (  # (industry words, English, the word a short name keeps)
    ("科技", "Technology", "科技"),
    ("智能科技", "Intelligent Technology", "智能"),
    ("信息技术", "Information Technology", "信息"),
    ("网络科技", "Network Technology", "网络"),
    ("软件", "Software", "软件"),
    ("电子科技", "Electronic Technology", "电子"),
    ("自动化", "Automation", "自动化"),
    ("智能装备", "Intelligent Equipment", "智能"),
    ("数据科技", "Data Technology", "数据"),
    ("机器人", "Robotics", "机器人"),
    ("半导体", "Semiconductor", "半导体"),
    ("工业互联网", "Industrial Internet", "工业互联网"),
)
LEGAL_FORMS = ("有限公司", "有限公司", "股份有限公司", "有限责任公司")
# (city, English, province code, weight): the sector's weight is in Guangdong and the Yangtze delta.
CITIES = (
    ("深圳", "Shenzhen", "44", 14), ("广州", "Guangzhou", "44", 6), ("东莞", "Dongguan", "44", 3),
    ("上海", "Shanghai", "31", 14), ("北京", "Beijing", "11", 12), ("杭州", "Hangzhou", "33", 8),
    ("宁波", "Ningbo", "33", 3), ("苏州", "Suzhou", "32", 7), ("南京", "Nanjing", "32", 5),
    ("无锡", "Wuxi", "32", 3), ("合肥", "Hefei", "34", 4), ("成都", "Chengdu", "51", 5),
    ("武汉", "Wuhan", "42", 4), ("西安", "Xi'an", "61", 3), ("青岛", "Qingdao", "37", 3),
    ("厦门", "Xiamen", "35", 2), ("长沙", "Changsha", "43", 2), ("天津", "Tianjin", "12", 2),
)  # fmt: skip
SECTORS = (
    "network",
    "platform",
    "security",
    "intelligent_equipment",
    "automation_edge",
    "solutions",
)
NEAR_MISS_SHARE = 0.11  # companies followed by a different company with a close name
VARIANTS = (  # (variant, weight)
    ("suffix_dropped", 20), ("city_toggled", 15), ("bracket_changed", 10), ("short_name", 20),
    ("typo", 8), ("english", 12), ("former_name", 8),
)  # fmt: skip


@dataclass(frozen=True)
class SyntheticCompany:
    """One made-up company; ``entity`` is its truth label."""

    entity: str
    trade: str
    pinyin: str
    industry: tuple[str, str, str]
    legal: str
    city: tuple[str, str, str]
    city_style: str  # "prefix" (深圳市X), "bracket" (X（深圳）), "none"
    uscc: str | None
    sector: str
    former: str | None = None

    def legal_name(self, trade: str | None = None, style: str | None = None) -> str:
        """The registered name (or the same shape with another trade name or city style)."""
        trade = trade or self.trade
        style = style or self.city_style
        if style == "prefix":
            return f"{self.city[0]}市{trade}{self.industry[0]}{self.legal}"
        if style == "bracket":
            return f"{trade}{self.industry[0]}（{self.city[0]}）{self.legal}"
        return f"{trade}{self.industry[0]}{self.legal}"

    def short_name(self, trade: str | None = None) -> str:
        """The name the press uses: a long trade name alone, a short one with its industry."""
        trade = trade or self.trade
        return trade if len(trade) >= 3 else trade + self.industry[2]


@dataclass(frozen=True)
class SyntheticRecord:
    """A generated source record, its true entity and the variant that made it."""

    record: OrgRecord
    entity: str
    variant: str


class _Maker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()
        self.count = 0

    def trade(self) -> tuple[str, str]:
        while True:
            size = self.rng.choices((2, 3, 4), weights=(45, 10, 45))[0]
            picks = [self.rng.choice(SYLLABLES) for _ in range(size)]
            trade = "".join(c for c, _ in picks)
            if trade not in self.used and len(set(trade)) == size:
                self.used.add(trade)
                return trade, "".join(p for _, p in picks).capitalize()

    def uscc(self, province: str) -> str:
        body = "".join(self.rng.choice(uscc.CHARSET) for _ in range(9))
        return uscc.complete(f"91{province}0100{body}")

    def company(self, **fixed: object) -> SyntheticCompany:
        self.count += 1
        trade, pinyin = self.trade()
        city = self.rng.choices(CITIES, weights=[c[3] for c in CITIES])[0]
        base = SyntheticCompany(
            entity=f"E{self.count:05d}",
            trade=trade,
            pinyin=pinyin,
            industry=self.rng.choice(INDUSTRIES),
            legal=self.rng.choice(LEGAL_FORMS),
            city=city[:3],
            city_style=self.rng.choices(("prefix", "bracket", "none"), weights=(55, 15, 30))[0],
            uscc=None,
            sector=self.rng.choice(SECTORS),
        )
        company = replace(base, **fixed)  # type: ignore[arg-type]
        code = self.uscc(company.city[2]) if self.rng.random() < 0.5 else None
        former = None
        if self.rng.random() < 0.1:
            former, _ = self.trade()
        return replace(company, uscc=code, former=former)

    def typo(self, trade: str) -> str:
        at = self.rng.randrange(len(trade))
        while True:
            char = self.rng.choice(SYLLABLES)[0]
            if char != trade[at] and char not in trade:
                return trade[:at] + char + trade[at + 1 :]

    def near_miss(self, company: SyntheticCompany) -> SyntheticCompany:
        """A different company whose name is close to ``company``'s."""
        kind = self.rng.choice(("other_industry", "other_city", "one_char"))
        other = self.company()
        if kind == "other_industry":
            industries = [i for i in INDUSTRIES if i[2] != company.industry[2]]
            return replace(
                other,
                trade=company.trade,
                pinyin=company.pinyin,
                industry=self.rng.choice(industries),
            )
        if kind == "other_city":
            cities = [c[:3] for c in CITIES if c[0] != company.city[0]]
            return replace(
                other,
                trade=company.trade,
                pinyin=company.pinyin,
                industry=company.industry,
                city=self.rng.choice(cities),
                city_style="prefix",
            )
        trade = self.typo(company.trade)
        self.used.add(trade)
        return replace(other, trade=trade, industry=company.industry)


def _variant(
    maker: _Maker, company: SyntheticCompany, variant: str, hard: bool
) -> tuple[str, tuple[str, ...], bool]:
    """(name, aliases, carries the USCC) of one variant record."""
    rng = maker.rng
    city, trade, industry = company.city[0], company.trade, company.industry[0]
    if variant == "suffix_dropped":
        return (
            (f"{city}{trade}{industry}" if rng.random() < 0.4 else f"{trade}{industry}"),
            (),
            False,
        )
    if variant == "city_toggled":
        style = "none" if company.city_style != "none" else rng.choice(("prefix", "bracket"))
        return company.legal_name(style=style), (), False
    if variant == "bracket_changed":
        name = company.legal_name(style="bracket")
        return (
            (name.replace("（", "(").replace("）", ")") if rng.random() < 0.5 else name),
            (),
            False,
        )
    if variant == "short_name":
        return company.short_name(), (), False
    if variant == "typo":
        wrong = maker.typo(trade)
        short = rng.random() < 0.5
        return (company.short_name(wrong) if short else company.legal_name(wrong)), (), False
    if variant == "former_name":
        assert company.former
        return company.legal_name(trade=company.former), (), False
    if variant == "english":
        prefix = f"{company.city[1]} " if rng.random() < 0.5 else ""
        form = rng.choice(("Co., Ltd.", "Co.,Ltd", "Limited", "Ltd."))
        name = f"{prefix}{company.pinyin} {company.industry[1]} {form}"
        name = name.upper() if rng.random() < 0.2 else name
        link = rng.choices(("alias", "uscc", "none"), weights=(60, 25, 15 if hard else 0))[0]
        if link == "uscc" and company.uscc:
            return name, (), True
        if link == "none":
            return name, (), False
        return name, (company.short_name(),), False  # a bilingual source: both names side by side
    raise ValueError(f"unknown variant {variant!r}")


def synthetic_name_records(
    companies: int = 1000, seed: int = 0, *, hard: bool = False
) -> list[SyntheticRecord]:
    """A labelled synthetic set: ``companies`` companies (near-misses included), shuffled.

    By default every variant keeps enough evidence for a careful reader to link it: a typo hits a
    trade name of three or more characters, and an English name comes with its Chinese name or
    its USCC. ``hard=True`` adds what no rule can link from the record alone: typos in two-
    character trade names (宇致 → 鸿致 is just another company) and English names without either.
    """
    maker = _Maker(seed)
    rng = maker.rng
    made: list[SyntheticCompany] = []
    while len(made) < companies:
        company = maker.company()
        made.append(company)
        if rng.random() < NEAR_MISS_SHARE and len(made) < companies:
            made.append(maker.near_miss(company))
    out: list[SyntheticRecord] = []
    for company in made:
        province, sector = company.city[2], company.sector
        aliases = (company.legal_name(trade=company.former),) if company.former else ()
        uscc_code = company.uscc if rng.random() < 0.7 else None
        legal = OrgRecord(
            f"R{len(out):06d}",
            company.legal_name(),
            uscc_code,
            aliases,
            province,
            sector,
            "registry",
        )
        out.append(SyntheticRecord(legal, company.entity, "legal_name"))
        kinds = [
            (v, w)
            for v, w in VARIANTS
            if (v != "former_name" or company.former)
            and (v != "typo" or hard or len(company.trade) >= 3)
        ]
        for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(25, 35, 25, 10, 5))[0]):
            variant = rng.choices([v for v, _ in kinds], weights=[w for _, w in kinds])[0]
            name, extra, with_code = _variant(maker, company, variant, hard)
            record = OrgRecord(
                id=f"R{len(out):06d}",
                name=name,
                uscc=company.uscc if (with_code or rng.random() < 0.2) else None,
                aliases=extra,
                province=province if rng.random() < 0.8 else None,
                sector=sector if rng.random() < 0.6 else None,
                source=f"source-{rng.randrange(1, 6)}",
            )
            out.append(SyntheticRecord(record, company.entity, variant))
    rng.shuffle(out)
    return out
