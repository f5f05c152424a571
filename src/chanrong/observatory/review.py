"""Deciding the review list of uncertain name matches (platform administrators).

``accept`` says the item's name is the candidate company: the item's organisation (the one the
name was imported under meanwhile) is merged into the candidate. The candidate keeps its legal
name and gains the other's names as aliases (so the next import matches them exactly), its USCC,
province, city and sector when it has none; the other's rounds, listings and financials move to
the candidate; a moved round that reports a round the candidate already has is merged into it as
an import merges a duplicate (``importing.absorb_round``: every source kept, amounts narrowed),
its investors moving to the surviving round (lead when either said lead). The rollups of both
organisations are refreshed before the emptied organisation is deleted; other review items that
pointed at it now point at the candidate (and close when they would pair it with itself).
The accepted item itself then names the candidate on both sides.

``reject`` says they are different companies. The item stays in the table with status
``rejected``: the import lists a (name, candidate) pair only once, so the same pair is not listed
again by a re-import.

Statuses: ``open``, ``accepted``, ``rejected``, ``closed`` (settled by another item's merge).
Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, aliased, object_session

from chanrong import clock
from chanrong.errors import FieldError
from chanrong.observatory import rollups
from chanrong.observatory.errors import (
    OrganisationsConflict,
    ReviewItemDecided,
    ReviewItemNotFound,
)
from chanrong.observatory.importing import absorb_round
from chanrong.observatory.models import (
    Financials,
    Listing,
    Organisation,
    ReviewItem,
    Round,
    RoundInvestor,
)
from chanrong.parties.service import require_platform_admin
from chanrong.principal import Principal

STATUSES = ("open", "accepted", "rejected", "closed")
_LISTING_RANK = {"unlisted": 0, "delisted": 1, "listed": 2}


def _org(org: Organisation | None) -> dict[str, Any] | None:
    if org is None:
        return None
    return {"id": org.id, "name": org.name, "province": org.province, "sector": org.sector}


def listed(
    session: Session, *, status: str | None = "open", ids: Collection[int] | None = None
) -> list[dict[str, Any]]:
    """Review items (of ``status``; every status when None; only ``ids`` when given), highest
    score first, with the names, provinces and sectors of both organisations."""
    mine, candidate = aliased(Organisation), aliased(Organisation)
    query = (
        select(ReviewItem, mine, candidate)
        .outerjoin(mine, mine.id == ReviewItem.organisation_id)
        .join(candidate, candidate.id == ReviewItem.candidate_id)
        .order_by(ReviewItem.score.desc(), ReviewItem.id)
    )
    if status is not None:
        query = query.where(ReviewItem.status == status)
    if ids is not None:
        query = query.where(ReviewItem.id.in_(ids))
    return [
        {
            "id": r.id, "name": r.name, "organisation_id": r.organisation_id,
            "organisation": _org(o), "candidate_id": r.candidate_id, "candidate": _org(c),
            "score": r.score, "reason": r.reason, "status": r.status,
            "decided_at": r.decided_at.isoformat() if r.decided_at else None,
            "decided_by_user": r.decided_by_user,
        }
        for r, o, c in session.execute(query)
    ]  # fmt: skip


def _open_item(session: Session, item_id: int) -> ReviewItem:
    item = session.get(ReviewItem, item_id, with_for_update=True)
    if item is None:
        raise ReviewItemNotFound(f"There is no review item {item_id}.")
    if item.status != "open":
        raise ReviewItemDecided(f"Review item {item_id} is already {item.status}.")
    return item


def _decided(item: ReviewItem, status: str, actor: Principal) -> None:
    item.status, item.decided_at, item.decided_by_user = status, clock.now(), actor.user_id
    object_session(item).flush()  # type: ignore[union-attr]


def _add_aliases(kept: Organisation, names: list[str | None]) -> None:
    known = {kept.name, kept.short_name, *kept.former_names, *kept.aliases}
    new = [n for n in dict.fromkeys(names) if n and n not in known]
    if new:
        kept.aliases = [*kept.aliases, *new]


def _move_links(session: Session, gone: Round, survivor: Round) -> None:
    """Move the investors of ``gone`` to ``survivor``; a lead flag on either side stays."""
    for link in list(
        session.scalars(select(RoundInvestor).where(RoundInvestor.round_id == gone.id))
    ):
        there = session.get(RoundInvestor, (survivor.id, link.investor_id))
        if there is None:
            session.add(
                RoundInvestor(round_id=survivor.id, investor_id=link.investor_id, lead=link.lead)
            )
        elif link.lead and not there.lead:
            there.lead = True
        session.delete(link)


def _move_rounds(session: Session, kept: Organisation, other: Organisation) -> None:
    kept_rounds = list(session.scalars(select(Round).where(Round.organisation_id == kept.id)))
    others = session.scalars(
        select(Round).where(Round.organisation_id == other.id).order_by(Round.date_start, Round.id)
    )
    merged_away: list[Round] = []
    for r in list(others):
        survivor = absorb_round(kept_rounds, r)
        if survivor is None:
            r.organisation_id = kept.id
        else:
            _move_links(session, r, survivor)
            merged_away.append(r)
    session.flush()  # links gone before their rounds
    for r in merged_away:
        session.delete(r)
    session.flush()


def _move_financials(session: Session, kept: Organisation, other: Organisation) -> None:
    session.execute(
        update(Listing).where(Listing.organisation_id == other.id).values(organisation_id=kept.id)
    )
    years = {
        f.year: f
        for f in session.scalars(select(Financials).where(Financials.organisation_id == kept.id))
    }
    for f in list(
        session.scalars(select(Financials).where(Financials.organisation_id == other.id))
    ):
        mine = years.get(f.year)
        if mine is None:
            f.organisation_id = kept.id
            continue
        if mine.revenue_fen is None:
            mine.revenue_fen = f.revenue_fen
        if mine.net_profit_fen is None:
            mine.net_profit_fen = f.net_profit_fen
        session.delete(f)
    session.flush()


def _repoint_items(session: Session, item: ReviewItem, kept: int, other: int) -> None:
    """Other items naming the removed organisation name the kept one; an open item that would
    pair the kept organisation with itself is closed; a pair already listed is not listed twice."""
    items = session.scalars(
        select(ReviewItem).where(
            or_(ReviewItem.organisation_id == other, ReviewItem.candidate_id == other),
            ReviewItem.id != item.id,
        )
    )
    for it in list(items):
        if it.candidate_id == other:
            twin = session.scalar(
                select(ReviewItem.id).where(
                    ReviewItem.name == it.name, ReviewItem.candidate_id == kept
                )
            )
            if twin is not None:
                session.delete(it)
                continue
            it.candidate_id = kept
        if it.organisation_id == other:
            it.organisation_id = kept
        if it.status == "open" and it.organisation_id == it.candidate_id:
            it.status = "closed"
    item.organisation_id = kept
    session.flush()


def _merge(session: Session, item: ReviewItem, kept: Organisation, other: Organisation) -> None:
    if kept.uscc and other.uscc and kept.uscc != other.uscc:
        detail = (
            f"{other.name} ({other.uscc}) and {kept.name} ({kept.uscc}) have different USCCs: "
            "they cannot be one company."
        )
        raise OrganisationsConflict(detail, errors=[FieldError("uscc", "conflict", detail)])
    _add_aliases(
        kept, [other.name, item.name, other.short_name, *other.former_names, *other.aliases]
    )
    uscc, other.uscc = other.uscc, None
    session.flush()  # the USCC is unique: free it first
    kept.uscc = kept.uscc or uscc
    kept.province = kept.province or other.province
    kept.city = kept.city or other.city
    kept.sector = kept.sector or other.sector
    if _LISTING_RANK.get(other.listing_status, 0) > _LISTING_RANK.get(kept.listing_status, 0):
        kept.listing_status = other.listing_status
    # The rollups follow the rounds; the emptied organisation's rows go before it does.
    with rollups.tracking(session, [kept.id, other.id]):
        _move_rounds(session, kept, other)
    _move_financials(session, kept, other)
    _repoint_items(session, item, kept.id, other.id)
    session.delete(other)
    session.flush()


def accept(session: Session, *, item_id: int, actor: Principal) -> dict[str, Any]:
    """The name of the item is the candidate company: merge the item's organisation into the
    candidate (see the module). Raises ``ReviewItemNotFound``, ``ReviewItemDecided``,
    ``OrganisationsConflict`` (two USCCs) and ``RoleRequired``."""
    require_platform_admin(actor)
    item = _open_item(session, item_id)
    kept = session.get(Organisation, item.candidate_id)
    assert kept is not None
    other = session.get(Organisation, item.organisation_id) if item.organisation_id else None
    if other is None or other.id == kept.id:
        _add_aliases(kept, [item.name])
        item.organisation_id = kept.id
    else:
        _merge(session, item, kept, other)
    _decided(item, "accepted", actor)
    return listed(session, status=None, ids=[item.id])[0]


def reject(session: Session, *, item_id: int, actor: Principal) -> dict[str, Any]:
    """The name is not the candidate company: the item is kept as ``rejected``, so the pair is
    not listed again. Raises ``ReviewItemNotFound``, ``ReviewItemDecided``, ``RoleRequired``."""
    require_platform_admin(actor)
    item = _open_item(session, item_id)
    _decided(item, "rejected", actor)
    return listed(session, status=None, ids=[item.id])[0]
