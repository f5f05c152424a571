"""What the park's enterprises register (pure): product batches, devices, trade documents.

Each part draws from its own stream: ``product_batches`` (two batches per device model, by its
maker), ``devices`` (each enterprise's equipment, linked to a maker's batch), ``trade_links``
(who sells what to whom, hospitals outside the park included) and ``documents`` (per link the
purchase order, contract, delivery notes and invoices). Amounts are integer fen in protected
fields; a contract's amount equals the sum of its invoices' totals.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from chanrong.demo.catalogue import (
    CITIES,
    DEVICE_KINDS,
    HOSPITAL_NAMES,
    PARK_YEAR,
    SEGMENTS,
    SITES,
    WORKSHOPS,
    Goods,
)
from chanrong.demo.codes import part_rng, unique_uscc
from chanrong.demo.roster import PartySpec, index_by_code


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


def _f(name: str, value: Any, kind: str = "string", *, protected: bool = False) -> dict[str, Any]:
    return {"name": name, "type": kind, "value": value, "protected": protected}


def _value(spec: IdentifierSpec, name: str) -> Any:
    return next(f["value"] for f in spec.fields if f["name"] == name)


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
    by_code = index_by_code(all_parties)
    batches_of: dict[str, list[IdentifierSpec]] = {}
    for batch in batches:
        model_code = batch.handle.split("/PB.", 1)[1].rsplit(".", 1)[0]
        batches_of.setdefault(model_code, []).append(batch)
    specs = []
    for owner in all_parties:
        segment = SEGMENTS.get(owner.segment)
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
    by_segment: dict[str, list[PartySpec]] = {}
    for spec in all_parties:
        by_segment.setdefault(spec.segment, []).append(spec)
    hospital_codes: set[str] = set()
    links = []
    for seller in all_parties:
        segment = SEGMENTS.get(seller.segment)
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
            # a public hospital outside the park (事业单位: authority 1, type 2)
            code = unique_uscc(rng, city.division, hospital_codes, authority="12")
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
    by_code = index_by_code(all_parties)
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
