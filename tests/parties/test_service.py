"""Registering, checking and listing parties (parties/service.py and the rules in parties/core.py)."""

from __future__ import annotations

import pytest

from chanrong.errors import Invalid, RoleRequired
from chanrong.parties import core, service
from chanrong.parties.errors import DuplicateParty, InvalidUscc, PartyNotFound
from chanrong.principal import Principal
from tests.factories import SYSTEM, create_party, principal_of

GOOD = {
    "kind": "enterprise",
    "name": "宁波精工模具有限公司",
    "uscc_code": "914403001922038216",
    "province": "浙江省",
    "city": "宁波市",
    "industry": "C35",
    "size": "小型",
    "roles": ["供应商", "中小企业"],
}


def draft(**overrides):
    return service.draft_or_raise(**{**GOOD, **overrides})


def rules_of(caught: pytest.ExceptionInfo) -> set[tuple[str, str]]:
    return {(e.field, e.rule) for e in caught.value.errors}


def test_create_party_stores_normalised_fields(session):
    party = service.create_party(
        session,
        actor=SYSTEM,
        draft=draft(name="  宁波精工   模具 有限公司 ", uscc_code=" 9144 0300 1922 0382 16 "),
    )
    assert party.id is not None
    stored = service.get_party(session, actor=SYSTEM, party_id=party.id)
    assert stored.name == "宁波精工 模具 有限公司"
    assert stored.uscc == "914403001922038216"
    assert (stored.province, stored.city) == ("33", "宁波市")
    assert (stored.industry_section, stored.industry_division) == ("C", "35")
    assert stored.size_class == "small"
    assert stored.roles == ["sme", "supplier"]
    assert stored.created_at.tzinfo is not None


def test_duplicate_code_is_a_409_conflict(session):
    service.create_party(session, actor=SYSTEM, draft=draft())
    with pytest.raises(DuplicateParty) as caught:
        service.create_party(session, actor=SYSTEM, draft=draft(name="另一个名字有限公司"))
    assert caught.value.status == 409
    assert "914403001922038216" in caught.value.detail


def test_every_broken_rule_is_listed_with_field_and_rule():
    with pytest.raises(InvalidUscc) as caught:
        service.draft_or_raise(
            kind="enterprise", name="   ", uscc_code="9144030019220382", province="Atlantis",
            city=" ", industry="X99", size="巨型", roles=["pilot"],
        )  # fmt: skip
    assert caught.value.status == 422
    assert rules_of(caught) == {
        ("name", "required"),
        ("uscc", "length"),
        ("province", "province"),
        ("city", "required"),
        ("industry", "gb_t_4754"),
        ("size", "enum"),
        ("roles", "enum"),
    }
    assert "7 rules" in caught.value.detail


def test_a_single_broken_rule_is_the_detail_and_not_an_uscc_error():
    with pytest.raises(Invalid) as caught:
        draft(city="")
    assert type(caught.value) is Invalid
    assert rules_of(caught) == {("city", "required")}
    assert caught.value.detail == "city is required"


def test_wrong_check_character_names_the_expected_one():
    with pytest.raises(InvalidUscc) as caught:
        draft(uscc_code="914403001922038217")
    (error,) = caught.value.errors
    assert (error.field, error.rule) == ("uscc", "check_character")
    assert "should be '6'" in error.message


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"kind": "company"}, {("kind", "enum")}),
        ({"name": "厂" * 201}, {("name", "max_length")}),
        ({"industry": ""}, {("industry", "required")}),
        ({"industry": "C05"}, {("industry", "gb_t_4754")}),
        ({"roles": ["bank"]}, {("roles", "role_for_kind")}),
        ({"kind": "institution", "roles": []}, {("roles", "institution_type")}),
        (
            {"kind": "institution", "roles": ["supplier"]},
            {("roles", "role_for_kind"), ("roles", "institution_type")},
        ),
        ({"kind": "operator", "roles": ["bank"]}, {("roles", "role_for_kind")}),
    ],
)
def test_party_rules(overrides, expected):
    with pytest.raises(Invalid) as caught:
        draft(**overrides)
    assert rules_of(caught) == expected


def test_institution_needs_no_industry_and_takes_chinese_role_labels():
    bank = draft(kind="institution", roles=["银行"], industry=None, size=None)
    assert bank.roles == ("bank",)
    assert bank.industry_section is None


def test_operator_always_holds_the_operator_role():
    assert draft(kind="operator", roles=[], industry=None).roles == ("operator",)


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("浙江省", "33"), ("浙江", "33"), ("Zhejiang", "33"), ("ZHEJIANG", "33"), ("33", "33"),
        ("内蒙古", "15"), ("广西", "45"), ("新疆", "65"), ("香港", "81"), ("上海", "31"),
    ],
)  # fmt: skip
def test_province_labels_in_chinese_and_english(label, code):
    assert draft(province=label).province == code


@pytest.mark.parametrize(
    ("labels", "keys"),
    [
        (["供应商"], ("supplier",)),
        (["Supplier", "sme"], ("sme", "supplier")),
        (["SME", "中小企业", "sme"], ("sme",)),
        (["核心企业", "core enterprise"], ("core_enterprise",)),
        (["  ", "buyer"], ("buyer",)),
    ],
)
def test_role_labels_in_chinese_and_english(labels, keys):
    assert draft(roles=labels).roles == keys


@pytest.mark.parametrize(
    ("label", "size"), [("大型", "large"), ("中", "medium"), ("Micro", "micro")]
)
def test_size_labels(label, size):
    assert draft(size=label).size_class == size


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("C34", ("C", "34")),
        ("c34", ("C", "34")),
        ("C", ("C", None)),
        ("34", ("C", "34")),
        ("C3411", ("C", "34")),
        ("制造业", ("C", None)),
        ("Manufacturing", ("C", None)),
        ("J66", ("J", "66")),
        ("01", ("A", "01")),
        ("T97", ("T", "97")),
        (" I65 ", ("I", "65")),
        ("C３４", ("C", "34")),
    ],
)
def test_industry_parsing(text, parsed):
    assert core.parse_industry(text) == parsed


@pytest.mark.parametrize("text", ["", "C05", "J34", "00", "98", "U", "Z12", "3", "制造", "C-34"])
def test_industry_that_is_not_in_the_standard(text):
    assert core.parse_industry(text) is None


def test_only_platform_admins_register_parties(session):
    enterprise = create_party(session)
    operator = create_party(session, kind="operator")
    refused = [principal_of(enterprise, "admin"), principal_of(operator, "member")]
    for actor in refused:
        with pytest.raises(RoleRequired) as caught:
            service.create_party(session, actor=actor, draft=draft())
        assert caught.value.status == 403
    party = service.create_party(session, actor=principal_of(operator, "admin"), draft=draft())
    assert party.uscc == GOOD["uscc_code"]


def test_get_party_by_id_and_code(session):
    party = create_party(session, name="小米科技有限责任公司", uscc_code="91110108551385082Q")
    assert service.get_party_by_uscc(session, actor=SYSTEM, code=" 91110108551385082q ") is party
    with pytest.raises(PartyNotFound) as caught:
        service.get_party(session, actor=SYSTEM, party_id=party.id + 1000)
    assert caught.value.status == 404
    with pytest.raises(PartyNotFound):
        service.get_party_by_uscc(session, actor=SYSTEM, code="91330100799655058B")


@pytest.fixture
def registry(session):
    return {
        "ningbo": create_party(session, name="宁波精工模具有限公司", province="33"),
        "huawei": create_party(
            session,
            name="华为技术有限公司",
            uscc_code="914403001922038216",
            province="44",
            roles=["core_enterprise"],
            industry="C39",
            size="large",
        ),
        "bank": create_party(session, kind="institution", name="宁波银行股份有限公司"),
        "insurer": create_party(
            session, kind="institution", name="Pacific Insurance", roles=["insurer"]
        ),
    }


def names(rows) -> list[str]:
    return [p.name for p in rows]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (service.PartyFilter(), ["ningbo", "huawei", "bank", "insurer"]),
        (service.PartyFilter(kind="institution"), ["bank", "insurer"]),
        (service.PartyFilter(role="core_enterprise"), ["huawei"]),
        (service.PartyFilter(role="supplier"), ["ningbo"]),
        (service.PartyFilter(province="44"), ["huawei"]),
        (service.PartyFilter(text="宁波"), ["ningbo", "bank"]),
        (service.PartyFilter(text="1922038216"), ["huawei"]),
        (service.PartyFilter(text="insurance"), ["insurer"]),
        (service.PartyFilter(text="%"), []),
        (service.PartyFilter(text="宁_"), []),
        (service.PartyFilter(kind="institution", text="宁波"), ["bank"]),
        (service.PartyFilter(kind="enterprise", role="bank"), []),
    ],
)
def test_list_parties_filters(session, registry, where, expected):
    rows, total = service.list_parties(session, actor=SYSTEM, where=where)
    assert names(rows) == [registry[key].name for key in expected]
    assert total == len(expected)


def test_list_parties_pages_with_the_full_total(session, registry):
    rows, total = service.list_parties(
        session, actor=SYSTEM, where=service.PartyFilter(), limit=2, offset=1
    )
    assert names(rows) == [registry["huawei"].name, registry["bank"].name]
    assert total == 4


def test_counts_by_kind_and_province(session, registry):
    assert service.count_parties_by_kind(session) == {"enterprise": 2, "institution": 2}
    assert service.count_parties_by_province(session) == {"33": 3, "44": 1}


def test_counts_among_some_parties(session, registry):
    ids = [registry[key].id for key in ("huawei", "bank", "insurer")]
    by_kind = service.count_parties_by_kind(session, party_ids=ids)
    assert list(by_kind.items()) == [("institution", 2), ("enterprise", 1)]
    assert service.count_parties_by_province(session, party_ids=ids) == {"33": 2, "44": 1}
    assert service.count_parties_by_province(session, kind="institution", party_ids=ids) == {
        "33": 2
    }
    by_industry = service.count_parties_by_industry(session, party_ids=ids)
    assert list(by_industry.items()) == [("J66", 2), ("C39", 1)]
    assert service.count_parties_by_industry(session, kind="enterprise", party_ids=ids) == {
        "C39": 1
    }
    assert service.count_parties_by_kind(session, party_ids=[]) == {}


def test_count_parties_by_role_counts_each_role_of_a_party(session, registry):
    assert service.count_parties_by_role(session) == {
        "sme": 1, "supplier": 1, "bank": 1, "core_enterprise": 1, "insurer": 1,
    }  # fmt: skip
    ids = [registry[key].id for key in ("ningbo", "bank")]
    by_role = service.count_parties_by_role(session, party_ids=ids)
    assert list(by_role.items()) == [("bank", 1), ("sme", 1), ("supplier", 1)]


def test_party_ids_by_uscc(session, registry):
    huawei, ningbo = registry["huawei"], registry["ningbo"]
    unknown = "91330100799655058B"
    found = service.party_ids_by_uscc(session, [huawei.uscc, ningbo.uscc, unknown, huawei.uscc])
    assert found == {huawei.uscc: huawei.id, ningbo.uscc: ningbo.id}
    assert service.party_ids_by_uscc(session, []) == {}


def test_system_principal_acts_for_everyone():
    assert SYSTEM.is_system and SYSTEM.is_platform_admin and SYSTEM.acts_for(12345)
    viewer = Principal(7, "enterprise", frozenset({"viewer"}))
    assert not viewer.may_write() and viewer.acts_for(7) and not viewer.acts_for(8)
    assert not Principal(7, "enterprise", frozenset({"admin"})).is_platform_admin
