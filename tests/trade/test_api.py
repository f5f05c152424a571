"""Trade end to end over HTTP: order → delivery → invoice → receivable → confirmation by the
buyer; mismatches and the wrong party refused as problem+json naming field and rule; a stranger
sees nothing; the statement downloads as XLSX and CSV."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from chanrong import clock
from tests.factories import create_api_key, create_party, create_prefix

API = "/api/v1/trade"
PROBLEM = "application/problem+json"


def _setup(db):
    with db.transaction() as session:
        supplier, buyer, stranger = (create_party(session) for _ in range(3))
        create_prefix(session, supplier)
        create_prefix(session, buyer)
        tokens = [create_api_key(session, party=p)[1] for p in (supplier, buyer, stranger)]
    ids = supplier.id, buyer.id
    return ids, [{"Authorization": f"Bearer {t}"} for t in tokens]


def test_trade_to_confirmed_receivable(client, db) -> None:
    (supplier_id, buyer_id), (as_supplier, as_buyer, as_stranger) = _setup(db)
    start = clock.today() - timedelta(days=10)
    order = client.post(f"{API}/orders", headers=as_buyer, json={
        "seller_party_id": supplier_id, "buyer_party_id": buyer_id,
        "order_date": start.isoformat(), "amount_fen": 500_000, "payment_terms_days": 60,
    })  # fmt: skip
    assert order.status_code == 201, order.text
    order_id = order.json()["id"]
    delivery = client.post(f"{API}/deliveries", headers=as_supplier, json={
        "order_id": order_id, "delivered_on": start.isoformat(), "amount_fen": 500_000,
    }).json()  # fmt: skip
    invoice = client.post(f"{API}/invoices", headers=as_supplier, json={
        "order_id": order_id, "delivery_id": delivery["id"], "invoice_number": "04400001",
        "issued_on": clock.today().isoformat(),
        "due_on": (clock.today() + timedelta(days=60)).isoformat(), "amount_fen": 500_000,
    }).json()  # fmt: skip
    body = {"debtor_party_id": buyer_id, "order": order.json()["handle"],
            "delivery": delivery["handle"], "invoice": invoice["handle"], "amount_fen": 499_999}  # fmt: skip

    wrong = client.post(f"{API}/receivables", headers=as_supplier, json=body)
    assert wrong.status_code == 422 and wrong.headers["content-type"] == PROBLEM
    problem = wrong.json()
    assert problem["type"] == "urn:chanrong:problem:documents-mismatch"
    assert problem["errors"] == [{"field": "amount_fen", "rule": "amount_matches_invoice",
                                  "message": "receivable of 499999 fen, invoice of 500000 fen"}]  # fmt: skip
    assert client.get(f"{API}/receivables", headers=as_supplier).json() == []

    created = client.post(
        f"{API}/receivables", headers=as_supplier, json=body | {"amount_fen": 500_000}
    )
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    assert client.get(f"{API}/receivables/{rid}", headers=as_stranger).status_code == 404
    assert client.get(f"{API}/orders", headers=as_stranger).json() == []
    assert client.get(f"{API}/receivables", headers=as_stranger,
                      params={"party_id": supplier_id}).status_code == 404  # fmt: skip

    by_supplier = client.post(f"{API}/receivables/{rid}/confirm", headers=as_supplier)
    assert by_supplier.status_code == 403
    assert by_supplier.json()["type"] == "urn:chanrong:problem:wrong-party"
    (payable,) = client.get(f"{API}/payables", headers=as_buyer).json()
    assert payable["id"] == rid and payable["status"] == "registered"
    confirmed = client.post(f"{API}/receivables/{rid}/confirm", headers=as_buyer)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    seq = confirmed.json()["decided_ledger_seq"]
    entry = client.get(f"/api/v1/ledger/entries/{seq}", headers=as_buyer).json()["entry"]
    assert entry["event"] == "receivable.confirmed"
    again = client.post(f"{API}/receivables/{rid}/confirm", headers=as_buyer)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:chanrong:problem:receivable-decided"

    sheet = client.get(f"{API}/receivables/statement", headers=as_supplier)
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == created.json()["handle"] and rows[1][6] == 500_000
    assert rows[1][8] == "confirmed"
    csv = client.get(f"{API}/receivables/statement", headers=as_buyer,
                     params={"format": "csv", "side": "debtor"})  # fmt: skip
    assert created.json()["handle"] in csv.content.decode("utf-8-sig")
