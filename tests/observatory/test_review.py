"""Deciding the review list: accepting merges the item's organisation into the candidate (rounds,
duplicate rounds with both sources, investor links, listings, financials, aliases, rollups),
rejecting is remembered by re-imports; errors; the API and the console page. Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.errors import RoleRequired
from chanrong.kit import tabular
from chanrong.observatory import review, service
from chanrong.observatory.errors import (
    OrganisationsConflict,
    ReviewItemDecided,
    ReviewItemNotFound,
)
from chanrong.observatory.importing import import_deals
from chanrong.observatory.indicators import compute_indicators
from chanrong.observatory.models import (
    Financials,
    Listing,
    Organisation,
    OrgYear,
    ReviewItem,
    Round,
    RoundInvestor,
)
from tests import factories
from tests.factories import (
    SYSTEM,
    create_obs_financials,
    create_obs_investor,
    create_obs_listing,
    create_obs_organisation,
    create_obs_round,
    make_uscc,
)
from tests.web.conftest import HTML, HTMX, log_in, text_of

YI = 10_000_000_000  # 1 亿元 in fen
HEADER = "日期,公司,轮次,金额,投资方,省份,赛道,来源"


def rows(text: str):
    return tabular.read_rows(io.BytesIO(text.encode("utf-8")), filename="deals.csv")


def _item(session: Session, name: str, organisation: Organisation, candidate: Organisation):
    item = ReviewItem(
        name=name, organisation_id=organisation.id, candidate_id=candidate.id, score=0.8,
        reason="trade name matches",
    )  # fmt: skip
    session.add(item)
    session.flush()
    return item


@pytest.fixture
def pair(session: Session) -> dict[str, object]:
    """A candidate with an A round of 1亿元 (VC, not lead) and, imported under its own name, the
    same company with the same A round five days later (undisclosed; the VC leads, a state-owned
    fund joins), a 2023 seed round, a listing and 2024 financials."""
    state = create_obs_investor(session, name="上海国投先导基金", kind="state_owned")
    vc = create_obs_investor(session, name="红杉中国", kind="financial_vc")
    kept = create_obs_organisation(session, name="上海板石智能科技有限公司", sector=None)
    other = create_obs_organisation(
        session, name="板石智能", short_name="板石", former_names=["上海板石电子有限公司"],
        aliases=["Banshi"], uscc=make_uscc(), city="上海市",
    )  # fmt: skip
    a = create_obs_round(session, kept, sources=["36kr"], investors=[(vc, False)])
    create_obs_round(
        session, other, on=date(2024, 3, 10), low_fen=None, amount_text="未披露",
        sources=["itjuzi"], investors=[(vc, True), (state, False)],
    )  # fmt: skip
    seed = create_obs_round(
        session, other, on=date(2023, 4, 1), low_fen=2_000_000_000, round_label="种子轮",
        stage="seed", sources=["itjuzi"],
    )  # fmt: skip
    create_obs_listing(session, other)
    create_obs_financials(session, other)
    item = _item(session, "板石智能", other, kept)
    return {"kept": kept, "other": other, "item": item, "a": a, "seed": seed, "state": state,
            "vc": vc}  # fmt: skip


def test_accept_merges_the_organisation_into_the_candidate(session, pair):
    kept, other, item = pair["kept"], pair["other"], pair["item"]
    other_id, uscc = other.id, other.uscc
    third = create_obs_organisation(session, name="板石机器人有限公司")
    same_pair = _item(session, "板石", other, kept)  # closes: both sides become the candidate
    moved = _item(session, "板石机器人", third, other)  # now points at the candidate
    before = compute_indicators(session, year=2024)["values"]
    assert (before["events"], before["companies_financed"]) == (2, 2)

    decided = review.accept(session, item_id=item.id, actor=SYSTEM)

    assert decided["status"] == "accepted"
    assert decided["decided_at"] is not None and decided["decided_by_user"] is None  # the CLI
    assert decided["candidate"]["name"] == "上海板石智能科技有限公司"
    assert session.get(Organisation, other_id) is None
    session.refresh(kept)
    assert kept.name == "上海板石智能科技有限公司"
    assert {"板石智能", "板石", "上海板石电子有限公司", "Banshi"} <= set(kept.aliases)
    assert (kept.uscc, kept.city, kept.sector) == (uscc, "上海市", "intelligent_equipment")
    rounds = {
        r.stage: r for r in session.scalars(select(Round).where(Round.organisation_id == kept.id))
    }
    assert set(rounds) == {"a", "seed"} and rounds["seed"].id == pair["seed"].id
    a = rounds["a"]
    assert a.id == pair["a"].id and a.sources == ["36kr", "itjuzi"]
    assert (a.amount_kind, a.amount_low_fen, a.amount_high_fen) == ("exact", YI, YI + 1)
    assert (
        session.scalar(select(func.count(Round.id)).where(Round.organisation_id == other_id)) == 0
    )
    links = {
        link.investor_id: link.lead
        for link in session.scalars(select(RoundInvestor).where(RoundInvestor.round_id == a.id))
    }
    assert links == {pair["vc"].id: True, pair["state"].id: False}
    assert session.scalar(select(Listing.organisation_id)) == kept.id
    assert session.scalar(select(Financials.organisation_id)) == kept.id
    assert session.scalar(select(func.count()).select_from(OrgYear).where(
        OrgYear.organisation_id == other_id)) == 0  # fmt: skip
    session.refresh(same_pair)
    session.refresh(moved)
    assert (same_pair.status, same_pair.organisation_id) == ("closed", kept.id)
    assert (moved.status, moved.candidate_id) == ("open", kept.id)
    after = compute_indicators(session, year=2024)["values"]
    assert (after["events"], after["companies_financed"], after["state_owned_events"]) == (1, 1, 1)
    assert [r["id"] for r in service.list_review(session)] == [moved.id]


def test_reject_is_remembered_and_accept_feeds_the_next_import(session):
    first = create_obs_organisation(session, name="板石智能科技有限公司", province="31")
    create_obs_organisation(session, name="板石电子有限公司", province="31")
    text = "\n".join([HEADER, "2024-03-05,板石,A轮,1亿元,,上海,,x"])
    assert import_deals(session, rows=rows(text)).review_listed == 2
    listed = service.list_review(session)
    assert {r["candidate"]["name"] for r in listed} == {"板石智能科技有限公司", "板石电子有限公司"}
    assert all(r["organisation"]["name"] == "板石" for r in listed)
    assert listed[0]["candidate"]["province"] == "31"
    wrong = next(r for r in listed if r["candidate"]["name"] == "板石电子有限公司")
    right = next(r for r in listed if r["candidate"]["name"] == "板石智能科技有限公司")

    assert review.reject(session, item_id=wrong["id"], actor=SYSTEM)["status"] == "rejected"
    again = import_deals(session, rows=rows(text))
    assert again.review_listed == 0
    assert [r["id"] for r in service.list_review(session)] == [right["id"]]
    assert [r["id"] for r in service.list_review(session, status="rejected")] == [wrong["id"]]

    review.accept(session, item_id=right["id"], actor=SYSTEM)
    assert service.list_review(session) == []
    third = import_deals(session, rows=rows(text))  # 板石 is now an alias of the candidate
    assert (third.organisations_created, third.review_listed, third.unchanged) == (0, 0, 1)
    assert session.scalar(select(func.count(Organisation.id))) == 2
    assert session.scalar(select(Round.organisation_id)) == first.id


def test_decisions_are_refused_when_they_cannot_apply(session, pair):
    item = pair["item"]
    enterprise_admin = factories.principal_of(factories.create_party(session), "admin")
    with pytest.raises(RoleRequired) as refused:
        review.accept(session, item_id=item.id, actor=enterprise_admin)
    assert refused.value.status == 403
    with pytest.raises(RoleRequired):
        review.reject(session, item_id=item.id, actor=enterprise_admin)
    with pytest.raises(ReviewItemNotFound) as unknown:
        review.reject(session, item_id=item.id + 1000, actor=SYSTEM)
    assert unknown.value.status == 404
    review.reject(session, item_id=item.id, actor=SYSTEM)
    for decide in (review.accept, review.reject):
        with pytest.raises(ReviewItemDecided) as twice:
            decide(session, item_id=item.id, actor=SYSTEM)
        assert twice.value.status == 409


def test_two_usccs_are_a_conflict_and_change_nothing(session, pair):
    kept, other, item = pair["kept"], pair["other"], pair["item"]
    kept.uscc = make_uscc()
    session.flush()
    with pytest.raises(OrganisationsConflict) as conflict:
        review.accept(session, item_id=item.id, actor=SYSTEM)
    assert conflict.value.status == 409
    assert [e.field for e in conflict.value.errors] == ["uscc"]
    assert session.get(Organisation, other.id) is not None
    assert session.get(ReviewItem, item.id).status == "open"
    assert kept.aliases == []


def test_review_decisions_over_http(client, db):
    with db.transaction() as s:
        operator = factories.create_party(s, kind="operator")
        _, admin_token = factories.create_api_key(s, party=operator, roles=["admin"])
        _, member_token = factories.create_api_key(s, roles=["admin"])
        kept = create_obs_organisation(s, name="苏州安盾网络安全有限公司", province="32")
        other = create_obs_organisation(s, name="安盾安全", province="32", sector="security")
        item_id = _item(s, "安盾安全", other, kept).id
        other_id = other.id
    admin = {"Authorization": f"Bearer {admin_token}"}
    member = {"Authorization": f"Bearer {member_token}"}
    listed = client.get("/api/v1/observatory/review", headers=member).json()["items"]
    assert listed[0]["organisation"] == {
        "id": other_id, "name": "安盾安全", "province": "32", "sector": "security"
    }  # fmt: skip
    assert listed[0]["candidate"]["name"] == "苏州安盾网络安全有限公司"
    url = f"/api/v1/observatory/review/{item_id}/accept"
    refused = client.post(url, headers=member)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    answer = client.post(url, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "accepted"
    assert answer.json()["organisation_id"] == answer.json()["candidate_id"]
    twice = client.post(f"/api/v1/observatory/review/{item_id}/reject", headers=admin)
    assert twice.status_code == 409
    assert twice.json()["type"] == "urn:chanrong:problem:review-item-decided"
    missing = client.post("/api/v1/observatory/review/999999/reject", headers=admin)
    assert missing.status_code == 404
    assert client.get("/api/v1/observatory/review", headers=member).json() == {"items": []}
    with db.transaction() as s:  # committed by the request
        assert s.get(Organisation, other_id) is None


def test_review_page_names_and_decisions(client, db):
    with db.transaction() as s:
        operator = factories.create_party(s, kind="operator")
        factories.create_user(s, operator, username="ops")
        factories.create_user(s, username="supplier")
        kept = create_obs_organisation(s, name="深圳云联工业软件有限公司", province="44")
        other = create_obs_organisation(s, name="云联软件", province="44")
        third = create_obs_organisation(s, name="云联科技")
        accept_id = _item(s, "云联软件", other, kept).id
        reject_id = _item(s, "云联科技", third, kept).id
    log_in(client, "ops", lang="zh")
    html = client.get("/observatory/review", headers=HTML).text
    table = text_of(html.split('id="review-table"', 1)[1])
    assert "深圳云联工业软件有限公司" in table and "广东" in table and "确认同一企业" in table
    assert f'hx-post="/observatory/review/{reject_id}/reject"' in html
    row = client.post(f"/observatory/review/{reject_id}/reject", headers=HTMX)
    assert row.status_code == 200 and "已驳回" in text_of(row.text)
    again = client.post(f"/observatory/review/{reject_id}/accept", headers=HTMX)
    assert "已驳回" in text_of(again.text) and "rejected" in again.text  # the refusal, in the row
    done = client.post(f"/observatory/review/{accept_id}/accept", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/observatory/review"
    assert "没有待复核的名称匹配" in text_of(client.get("/observatory/review", headers=HTML).text)

    log_in(client, "supplier", lang="en")
    page = client.get("/observatory/review", headers=HTML).text
    assert "Accept" not in text_of(page) and "hx-post" not in page
    with db.transaction() as s:
        s.add(ReviewItem(name="云联", organisation_id=third.id, candidate_id=kept.id, score=0.7,
                         reason="short name"))  # fmt: skip
        s.flush()
        last = s.scalar(select(ReviewItem.id).where(ReviewItem.name == "云联"))
    answer = client.post(f"/observatory/review/{last}/reject", headers=HTML)
    assert answer.status_code == 403
