"""Sealed packages: only ciphertext is stored and its hash logged; only the recipient opens it."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chanrong import clock
from chanrong.consent import sealing
from chanrong.consent import service as consent
from chanrong.consent.errors import InvalidGrant, NoGrant, NoSealingKey, PackageNotFound
from chanrong.ledger import service as ledger
from chanrong.principal import Principal
from tests.factories import create_party

SECRET = "2025年财务报表：营业收入 12,345,678.90 元".encode()


def _actor(party) -> Principal:
    return Principal(party.id, party.kind, frozenset({"admin"}))


def _raw(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@pytest.fixture
def parties(session):
    owner = _actor(create_party(session))
    bank = _actor(create_party(session, kind="institution", roles=["bank"]))
    return owner, bank


def _grant(session, owner, bank, **overrides):
    return consent.give_grant(
        session, actor=owner, recipient_party_id=bank.party_id, scope="financials",
        purpose="credit_assessment", expires_at=clock.now() + timedelta(days=7), **overrides,
    )  # fmt: skip


def test_seal_store_log_and_open(session, parties) -> None:
    owner, bank = parties
    key = X25519PrivateKey.generate()
    sealing.register_key(session, actor=bank, public_key=_raw(key))
    grant = _grant(session, owner, bank)
    package = sealing.seal_package(session, actor=owner, grant_id=grant.id, label="2025 财报",
                                   content_type="text/plain", plaintext=SECRET)  # fmt: skip
    assert SECRET not in package.ciphertext
    assert package.sha256 == hashlib.sha256(package.ciphertext).hexdigest()
    entry = json.loads(ledger.entry(session, package.ledger_seq).body)
    assert (
        entry["event"] == "package.sealed"
        and entry["payload"]["ciphertext_sha256"] == package.sha256
    )
    document = sealing.package_document(session, actor=bank, package_id=package.id)
    assert sealing.open_document(document, key) == SECRET
    with pytest.raises(PackageNotFound):
        sealing.package_document(session, actor=owner, package_id=package.id)


def test_wrong_key_or_tampering_fails(session, parties) -> None:
    owner, bank = parties
    key = X25519PrivateKey.generate()
    sealing.register_key(session, actor=bank, public_key=_raw(key))
    package = sealing.seal_package(session, actor=owner, grant_id=_grant(session, owner, bank).id,
                                   label="x", content_type="text/plain", plaintext=SECRET)  # fmt: skip
    document = sealing.package_document(session, actor=bank, package_id=package.id)
    with pytest.raises(Exception):  # noqa: B017 - any failure to open is a refusal
        sealing.open_document(document, X25519PrivateKey.generate())
    tampered = bytearray(base64.b64decode(document["ciphertext"]))
    tampered[-1] ^= 1
    forged = {**document, "ciphertext": base64.b64encode(bytes(tampered)).decode(),
              "sha256": hashlib.sha256(bytes(tampered)).hexdigest()}  # fmt: skip
    with pytest.raises(Exception):  # noqa: B017
        sealing.open_document(forged, key)
    with pytest.raises(ValueError, match="SHA-256"):
        sealing.open_document({**document, "sha256": "0" * 64}, key)


def test_sealing_needs_live_raw_grant_and_a_key(session, parties) -> None:
    owner, bank = parties
    grant = _grant(session, owner, bank)
    with pytest.raises(NoSealingKey):
        sealing.seal_package(
            session, actor=owner, grant_id=grant.id, label="x", content_type="t", plaintext=b"x"
        )
    sealing.register_key(session, actor=bank, public_key=_raw(X25519PrivateKey.generate()))
    derived = _grant(session, owner, bank, derived_only=True)
    with pytest.raises(InvalidGrant):
        sealing.seal_package(
            session, actor=owner, grant_id=derived.id, label="x", content_type="t", plaintext=b"x"
        )
    consent.revoke_grant(session, actor=owner, grant_id=grant.id)
    with pytest.raises(NoGrant):
        sealing.seal_package(
            session, actor=owner, grant_id=grant.id, label="x", content_type="t", plaintext=b"x"
        )
    with pytest.raises(NoGrant):
        sealing.seal_package(
            session, actor=bank, grant_id=derived.id, label="x", content_type="t", plaintext=b"x"
        )


def test_public_key_parsing() -> None:
    key = X25519PrivateKey.generate()
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert sealing.parse_public_key(pem.decode()) == _raw(key)
    assert sealing.parse_public_key(base64.b64encode(_raw(key)).decode()) == _raw(key)
    with pytest.raises(Exception, match="32 bytes"):
        sealing.parse_public_key(base64.b64encode(b"short").decode())
