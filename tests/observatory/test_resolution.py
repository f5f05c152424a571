"""Entity resolution: evidence rules on small cases, then precision and recall of pairwise merges
on the labelled synthetic set (the acceptance test: precision >= 0.98, recall >= 0.95)."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

import pytest

from chanrong.observatory.resolution import OrgRecord, pairwise_quality, resolve
from chanrong.observatory.synthetic import synthetic_name_records
from chanrong.parties import uscc

CODE_A = uscc.complete("91440300MA5FMKMK8")
CODE_B = uscc.complete("91310115MA1K42776")


def together(records: list[OrgRecord], a: str, b: str) -> bool:
    clusters = resolve(records).cluster_of()
    return clusters[a] == clusters[b]


def test_legal_short_city_and_bracket_variants_merge() -> None:
    records = [
        OrgRecord("1", "深圳市云道智造科技有限公司", province="广东"),
        OrgRecord("2", "云道智造"),
        OrgRecord("3", "云道智造科技（深圳）有限公司"),
        OrgRecord("4", "云道智造科技(深圳)有限公司", province="44"),
    ]
    result = resolve(records)
    assert result.clusters == [("1", "2", "3", "4")]
    assert not result.review


def test_uscc_merges_different_names_and_separates_equal_ones() -> None:
    assert together(
        [OrgRecord("1", "甲乙科技", CODE_A), OrgRecord("2", "Jiayi Tech", CODE_A)], "1", "2"
    )
    result = resolve(
        [OrgRecord("1", "甲乙科技有限公司", CODE_A), OrgRecord("2", "甲乙科技", CODE_B)]
    )
    assert len(result.clusters) == 2
    assert not result.review  # two valid codes are two legal entities: decisive, not a doubt


def test_a_short_name_between_two_codes_is_ambiguous() -> None:
    records = [
        OrgRecord("1", "甲乙科技有限公司", CODE_A),
        OrgRecord("2", "甲乙科技"),
        OrgRecord("3", "Jiayi Technology Ltd.", CODE_B, aliases=("甲乙科技",)),
    ]
    result = resolve(records)
    assert len(result.clusters) == 3
    assert {(m.a, m.b) for m in result.review} == {("1", "2"), ("2", "3")}


def test_a_chain_that_would_join_two_codes_is_refused_and_reviewed() -> None:
    records = [
        OrgRecord("1", "甲乙科技有限公司", CODE_A),
        OrgRecord("2", "甲乙科技", aliases=("丙丁软件",)),  # a wrong alias in one source
        OrgRecord("3", "丙丁软件有限公司", CODE_B),
    ]
    result = resolve(records)
    cluster = result.cluster_of()
    assert cluster["1"] != cluster["3"]
    assert any("two different USCCs" in m.reason for m in result.review)


def test_invalid_uscc_is_ignored_not_trusted() -> None:
    bad = CODE_A[:-1] + ("0" if CODE_A[-1] != "0" else "1")
    result = resolve([OrgRecord("1", "甲乙科技", bad), OrgRecord("2", "丙丁软件", bad)])
    assert len(result.clusters) == 2


def test_same_trade_name_in_other_industries_or_cities_stays_apart() -> None:
    records = [
        OrgRecord("1", "板石智能科技有限公司"),
        OrgRecord("2", "板石电子科技有限公司"),
        OrgRecord("3", "板石智能"),
        OrgRecord("4", "板石"),  # fits both companies: ambiguous, for review
        OrgRecord("5", "北京市华泰网络科技有限公司"),
        OrgRecord("6", "上海华泰网络科技有限公司"),
    ]
    result = resolve(records)
    cluster = result.cluster_of()
    assert cluster["1"] == cluster["3"]
    assert len({cluster["1"], cluster["2"], cluster["4"]}) == 3
    assert cluster["5"] != cluster["6"]
    assert {("1", "4"), ("2", "4")} <= {(m.a, m.b) for m in result.review}
    assert all("more than one company" in m.reason for m in result.review)


def test_province_disagreement_blocks_a_merge() -> None:
    records = [
        OrgRecord("1", "云道智造科技", province="广东"),
        OrgRecord("2", "云道智造", province="上海"),
    ]
    assert not together(records, "1", "2")


def test_former_and_english_aliases_link_records() -> None:
    records = [
        OrgRecord("1", "新名字科技有限公司", aliases=("旧名字科技有限公司",)),
        OrgRecord("2", "旧名字科技"),
        OrgRecord("3", "Xinmingzi Technology Co., Ltd.", aliases=("新名字科技",)),
        OrgRecord("4", "XINMINGZI TECHNOLOGY LIMITED"),
    ]
    assert resolve(records).clusters == [("1", "2", "3", "4")]


def test_one_character_typo_merges_only_with_agreeing_attributes() -> None:
    base = OrgRecord("1", "深圳市云道智造科技有限公司", province="44", sector="platform")
    typo = OrgRecord("2", "深圳市云到智造科技有限公司", province="44", sector="platform")
    assert together([base, typo], "1", "2")
    unknown = OrgRecord("3", "云到智造科技")
    result = resolve([base, unknown])
    assert len(result.clusters) == 2
    assert result.review[0].reason == "review: one character differs"
    assert 0 < result.review[0].score < 100
    other_sector = OrgRecord("4", "深圳市云到智造科技有限公司", province="44", sector="security")
    assert not together([base, other_sector], "1", "4")


def test_two_character_trade_names_one_character_apart_are_other_companies() -> None:
    records = [
        OrgRecord("1", "宇致电子科技有限公司", province="44"),
        OrgRecord("2", "鸿致电子科技", province="44"),
    ]
    result = resolve(records)
    assert len(result.clusters) == 2 and not result.review


def test_record_ids_must_be_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        resolve([OrgRecord("1", "甲"), OrgRecord("1", "乙")])


def _quality(companies: int, seed: int, hard: bool = False):  # type: ignore[no-untyped-def]
    records = synthetic_name_records(companies, seed, hard=hard)
    result = resolve([r.record for r in records])
    truth = {r.record.id: r.entity for r in records}
    return records, result, pairwise_quality(truth, result)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_precision_and_recall_on_the_labelled_synthetic_set(seed: int) -> None:
    records, result, quality = _quality(1500, seed)
    assert len(records) > 3000 and quality.true_pairs > 2500
    assert quality.precision >= 0.98, quality
    assert quality.recall >= 0.95, quality
    assert len(result.review) < len(records) // 5  # a review list people can work through


def test_every_variant_is_mostly_linked() -> None:
    records, result, _ = _quality(1500, 3)
    cluster = result.cluster_of()
    variant = {r.record.id: r.variant for r in records}
    members = defaultdict(list)
    for r in records:
        members[r.entity].append(r.record.id)
    total, linked = Counter(), Counter()
    for ids in members.values():
        for a, b in combinations(ids, 2):
            for v in {variant[a], variant[b]}:
                total[v] += 1
                linked[v] += cluster[a] == cluster[b]
    assert set(total) >= {
        "suffix_dropped",
        "city_toggled",
        "bracket_changed",
        "short_name",
        "typo",
        "english",
        "former_name",
    }
    recall = {v: linked[v] / total[v] for v in total}
    assert min(recall.values()) >= 0.7, recall


def test_the_hard_set_keeps_precision_and_loses_only_unlinkable_recall() -> None:
    _, _, quality = _quality(1500, 0, hard=True)
    assert quality.precision >= 0.98, quality
    assert quality.recall >= 0.85, quality  # 2-character typos and bare English names are lost


def test_synthetic_set_is_deterministic_and_labelled() -> None:
    a = synthetic_name_records(50, 7)
    b = synthetic_name_records(50, 7)
    assert a == b
    assert all(r.entity.startswith("E") and r.variant for r in a)
