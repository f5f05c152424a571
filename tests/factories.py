"""Small factories: ``create_<thing>(session, **overrides)`` builds valid data for tests."""

from __future__ import annotations

import io
import itertools
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from chanrong.identifiers import service as identifiers
from chanrong.identifiers.models import Identifier, Prefix
from chanrong.parties import access, service, uscc
from chanrong.parties.models import ApiKey, Party, User
from chanrong.principal import Principal

_serial = itertools.count(1)
SYSTEM = Principal.system()
PASSWORD = "secret-pass"
"""The password of every user ``create_user`` makes (unless given)."""
DEVICE_HANDLE = "88.1001.12/SM-0001"
DEVICE_PRICE_FEN = 1_250_000_00
"""The protected purchase price of ``DEVICE_HANDLE`` (``create_device_owner``), in fen."""


def make_uscc(n: int | None = None, *, division: str = "330200") -> str:
    """A valid enterprise code (authority 9, type 1) with a serial number in it."""
    number = next(_serial) if n is None else n
    return uscc.complete(f"91{division}{number:09d}"[:17])


def create_party(session: Session, **overrides: Any) -> Party:
    """An enterprise (by default a small supplier in Ningbo)."""
    fields: dict[str, Any] = {
        "kind": "enterprise",
        "name": f"测试企业{next(_serial)}有限公司",
        "uscc_code": make_uscc(),
        "province": "33",
        "city": "宁波市",
        "industry": "C35",
        "size": "small",
        "roles": ["supplier", "sme"],
    }
    fields.update(overrides)
    if fields["kind"] == "institution" and "roles" not in overrides:
        fields["roles"] = ["bank"]
    if fields["kind"] == "operator" and "roles" not in overrides:
        fields["roles"] = ["operator"]
    if fields["kind"] != "enterprise" and "industry" not in overrides:
        fields["industry"] = "J66"
    draft = service.draft_or_raise(**fields)
    return service.create_party(session, actor=SYSTEM, draft=draft)


def principal_of(party: Party, *roles: str) -> Principal:
    """A principal acting for ``party`` with ``roles`` (admin when none are given)."""
    return Principal(party.id, party.kind, frozenset(roles or ("admin",)))


def create_user(session: Session, party: Party | None = None, **overrides: Any) -> User:
    """A user (admin by default) of ``party`` (a new enterprise by default); password ``PASSWORD``."""
    party = party or create_party(session)
    fields: dict[str, Any] = {
        "username": f"user{next(_serial)}",
        "display_name": "测试用户",
        "password": PASSWORD,
        "roles": ["admin"],
    }
    fields.update(overrides)
    return access.create_user(session, actor=SYSTEM, party_id=party.id, **fields)


def create_api_key(
    session: Session, party: Party | None = None, roles: list[str] | None = None
) -> tuple[ApiKey, str]:
    """An API key of ``party``; returns (key, token)."""
    party = party or create_party(session)
    return access.issue_api_key(
        session, actor=SYSTEM, party_id=party.id, name="test", roles=roles or ["admin"]
    )


def create_prefix(
    session: Session, party: Party | None = None, prefix: str | None = None
) -> Prefix:
    """A prefix for ``party``."""
    party = party or create_party(session)
    return identifiers.register_prefix(
        session, actor=SYSTEM, party_id=party.id, prefix=prefix or f"88.1001.{next(_serial)}"
    )


def create_identifier(
    session: Session, prefix: Prefix | None = None, **overrides: Any
) -> Identifier:
    """A device identifier with one public and one protected field."""
    prefix = prefix or create_prefix(session)
    fields: dict[str, Any] = {
        "handle": f"{prefix.prefix}/DEV-{next(_serial):05d}",
        "object_type": "device",
        "fields": [
            {"name": "model", "type": "string", "value": "JK-9000"},
            {
                "name": "purchase_price",
                "type": "money_fen",
                "value": 1_250_000_00,
                "protected": True,
            },
        ],
    }
    fields.update(overrides)
    owner = Principal(prefix.party_id, "enterprise", frozenset({"admin"}))
    return identifiers.register_identifier(session, actor=owner, **fields)


def create_device_owner(
    session: Session, *, fields: list[dict[str, Any]] | None = None, **overrides: Any
) -> tuple[Party, Prefix]:
    """宁波精工模具有限公司 (``overrides`` for ``create_party``) with its console admin ``owner``
    (张经理) and prefix 88.1001.12, owning the device ``DEVICE_HANDLE``: by default a public model
    and the protected purchase price ``DEVICE_PRICE_FEN`` (else ``fields``)."""
    owner = create_party(session, name="宁波精工模具有限公司", **overrides)
    create_user(session, owner, username="owner", display_name="张经理")
    prefix = create_prefix(session, owner, prefix="88.1001.12")
    create_identifier(session, prefix, handle=DEVICE_HANDLE, fields=fields or [
        {"name": "model", "type": "string", "value": "JK-9000"},
        {"name": "purchase_price", "type": "money_fen", "value": DEVICE_PRICE_FEN,
         "protected": True},
    ])  # fmt: skip
    return owner, prefix


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    """An XLSX workbook of one sheet holding ``rows`` (``None`` is an empty cell), as a file's bytes."""
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def create_obs_organisation(session: Session, **overrides: Any) -> Any:
    """An observatory organisation (by default an intelligent-equipment firm in Shanghai)."""
    from chanrong.observatory.models import Organisation

    n = next(_serial)
    fields: dict[str, Any] = {
        "name": f"观测样本{n}科技有限公司",
        "province": "31",
        "sector": "intelligent_equipment",
        "former_names": [],
        "aliases": [],
    }
    org = Organisation(**(fields | overrides))
    session.add(org)
    session.flush()
    return org


def create_obs_round(session: Session, organisation: Any, **overrides: Any) -> Any:
    """A financing round of ``organisation``: by default an A round of exactly 1亿元 on
    2024-03-05. ``investors`` (list of (Investor, lead)) links investors."""
    from datetime import date, timedelta

    from chanrong.observatory import rollups
    from chanrong.observatory.models import Round, RoundInvestor

    investors = overrides.pop("investors", [])
    day = overrides.pop("on", date(2024, 3, 5))
    low = overrides.pop("low_fen", 10_000_000_000)
    fields: dict[str, Any] = {
        "organisation_id": organisation.id,
        "year": day.year,
        "date_start": day,
        "date_end": day + timedelta(days=1),
        "date_precision": "day",
        "round_label": "A轮",
        "stage": "a",
        "amount_kind": "exact" if low is not None else "undisclosed",
        "amount_low_fen": low,
        "amount_high_fen": None if low is None else low + 1,
        "amount_text": "",
        "sources": ["factory"],
    }
    with rollups.tracking(session, [organisation.id]):
        r = Round(**(fields | overrides))
        session.add(r)
        session.flush()
        for investor, lead in investors:
            session.add(RoundInvestor(round_id=r.id, investor_id=investor.id, lead=lead))
    return r


def create_obs_investor(session: Session, **overrides: Any) -> Any:
    """An investor (by default a financial VC)."""
    from chanrong.observatory.models import Investor

    investor = Investor(
        **({"name": f"投资机构{next(_serial)}", "kind": "financial_vc"} | overrides)
    )
    session.add(investor)
    session.flush()
    return investor


def create_obs_listing(session: Session, organisation: Any, **overrides: Any) -> Any:
    """A listing of ``organisation`` (by default STAR market, 2024-06-28, 10亿元 raised)."""
    from datetime import date

    from chanrong.observatory.models import Listing

    fields: dict[str, Any] = {
        "organisation_id": organisation.id,
        "exchange": "SSE",
        "board": "star",
        "listed_on": date(2024, 6, 28),
        "ipo_proceeds_fen": 100_000_000_000,
    }
    listing = Listing(**(fields | overrides))
    session.add(listing)
    session.flush()
    return listing


def create_obs_financials(session: Session, organisation: Any, **overrides: Any) -> Any:
    """A listed company's yearly results (by default 2024: revenue 10亿元, profit 1亿元)."""
    from chanrong.observatory.models import Financials

    fields: dict[str, Any] = {
        "organisation_id": organisation.id,
        "year": 2024,
        "revenue_fen": 100_000_000_000,
        "net_profit_fen": 10_000_000_000,
    }
    row = Financials(**(fields | overrides))
    session.add(row)
    session.flush()
    return row


def create_device(
    session: Session,
    owner: Party,
    prefix: Prefix,
    *,
    device_type: str = "sewing_machine",
    suffix: str | None = None,
    **overrides: Any,
) -> Any:
    """A telemetry device of ``owner``: an identifier ``<prefix>/<suffix>`` of object type device
    (by default ``SM-<n>``) bound to a ``Device`` of ``device_type``."""
    from chanrong import clock
    from chanrong.telemetry.models import Device

    handle = f"{prefix.prefix}/{suffix or f'SM-{next(_serial):04d}'}"
    identifier = create_identifier(session, prefix, handle=handle, fields=[
        {"name": "model", "type": "string", "value": "JK-9000"},
    ])  # fmt: skip
    fields: dict[str, Any] = {
        "handle": handle,
        "identifier_id": identifier.id,
        "owner_party_id": owner.id,
        "device_type": device_type,
        "name": handle.rsplit("/", 1)[-1],
        "created_at": clock.now(),
    }
    device = Device(**(fields | overrides))
    session.add(device)
    session.flush()
    return device


def raw_batch(
    readings: list[dict[str, Any]], *, channel: str = "file", source: str = "test.csv"
) -> Any:
    """A telemetry ``RawBatch`` of ``readings`` (dicts with device, metric, ts_ms, value and
    optionally unit; line numbers from 1 in list order)."""
    import pyarrow as pa

    from chanrong.telemetry.batch import RAW_SCHEMA, RawBatch

    rows = [{"unit": None, **r, "line": i} for i, r in enumerate(readings, start=1)]
    return RawBatch(pa.Table.from_pylist(rows, schema=RAW_SCHEMA), channel, source)


def create_trade(
    session: Session, *, supplier: Party | None = None, buyer: Party | None = None,
    amount_fen: int = 100_000_00, terms_days: int = 90, age_days: int = 30,
) -> Any:  # fmt: skip
    """A supplier and a buyer (each with a prefix) and one order of ``amount_fen`` fen placed
    ``age_days`` ago, delivered in full a day later and invoiced the day after that, due
    ``terms_days`` after the invoice. Returns a namespace: supplier, buyer, order, delivery,
    invoice, and ``register(**overrides)`` registering the matching receivable."""
    from datetime import timedelta
    from types import SimpleNamespace

    from chanrong import clock
    from chanrong.trade import documents, receivables

    supplier = supplier or create_party(session)
    buyer = buyer or create_party(session, roles=["core_enterprise"], size="large")
    for party in (supplier, buyer):
        if not identifiers.list_prefixes(session, actor=SYSTEM, party_id=party.id):
            create_prefix(session, party)
    seller_actor, buyer_actor = principal_of(supplier), principal_of(buyer)
    start = clock.today() - timedelta(days=age_days)
    order = documents.create_order(
        session, actor=buyer_actor, seller_party_id=supplier.id, buyer_party_id=buyer.id,
        order_date=start, amount_fen=amount_fen, payment_terms_days=terms_days,
    )  # fmt: skip
    delivery = documents.create_delivery(
        session, actor=seller_actor, order_id=order.id, delivered_on=start + timedelta(days=1),
        amount_fen=amount_fen,
    )  # fmt: skip
    issued = start + timedelta(days=2)
    invoice = documents.create_invoice(
        session, actor=seller_actor, order_id=order.id, delivery_id=delivery.id,
        invoice_number=f"0{next(_serial):07d}", issued_on=issued,
        due_on=issued + timedelta(days=terms_days), amount_fen=amount_fen,
    )  # fmt: skip

    def register(**overrides: Any) -> Any:
        fields: dict[str, Any] = {
            "debtor_party_id": buyer.id, "order_handle": order.handle,
            "delivery_handle": delivery.handle, "invoice_handle": invoice.handle,
            "amount_fen": amount_fen,
        }  # fmt: skip
        fields.update(overrides)
        actor = fields.pop("actor", seller_actor)
        return receivables.register_receivable(session, actor=actor, **fields)

    return SimpleNamespace(supplier=supplier, buyer=buyer, order=order, delivery=delivery,
                           invoice=invoice, seller_actor=seller_actor, buyer_actor=buyer_actor,
                           register=register)  # fmt: skip
