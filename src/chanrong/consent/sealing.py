"""Sealed packages: data encrypted with HPKE (RFC 9180) to one recipient's X25519 key.

Suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode, from ``cryptography``.
The platform stores only ciphertext (``enc || ct``) and logs its SHA-256; the recipient opens it
with its private key, which never reaches the platform (``chanrong consent open``).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong import clock
from chanrong.consent.errors import InvalidGrant, NoGrant, NoSealingKey, PackageNotFound
from chanrong.consent.models import Grant, SealedPackage, SealingKey
from chanrong.errors import Invalid, RoleRequired
from chanrong.ledger import service as ledger
from chanrong.principal import Principal

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_128_GCM)
SUITE_NAME = "DHKEM(X25519,HKDF-SHA256)/HKDF-SHA256/AES-128-GCM"
FORMAT = "chanrong-sealed/1"
MAX_PLAINTEXT = 50 * 1024 * 1024


def info_for(package_id: int, sender: int, recipient: int) -> bytes:
    """The HPKE info string binding a ciphertext to its package, sender and recipient."""
    return f"chanrong sealed package v1|{package_id}|{sender}|{recipient}".encode()


def seal(public_key: bytes, plaintext: bytes, info: bytes) -> bytes:
    """HPKE-seal ``plaintext`` to a raw X25519 public key; returns ``enc || ct``."""
    return SUITE.encrypt(plaintext, X25519PublicKey.from_public_bytes(public_key), info)


def open_sealed(private_key: X25519PrivateKey, ciphertext: bytes, info: bytes) -> bytes:
    """Open ``enc || ct`` with the recipient's private key (raises on any tampering)."""
    return SUITE.decrypt(ciphertext, private_key, info)


def parse_public_key(text: str) -> bytes:
    """A raw 32-byte X25519 public key from PEM or base64, or ``Invalid``."""
    raw = text.strip()
    try:
        if raw.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(raw.encode())
            if not isinstance(key, X25519PublicKey):
                raise ValueError("not an X25519 key")
            return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        data = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise Invalid(
            f"not an X25519 public key: {exc}", field="public_key", rule="x25519"
        ) from None
    if len(data) != 32:
        raise Invalid("an X25519 public key is 32 bytes", field="public_key", rule="x25519")
    return data


def register_key(session: Session, *, actor: Principal, public_key: bytes) -> SealingKey:
    """Register the actor's party's sealing key; earlier keys are retired."""
    if actor.is_system or "admin" not in actor.roles:
        raise RoleRequired("Registering a sealing key needs the party's admin role.")
    now = clock.now()
    for old in session.scalars(
        select(SealingKey).where(
            SealingKey.party_id == actor.party_id, SealingKey.retired_at.is_(None)
        )
    ):
        old.retired_at = now
    key = SealingKey(party_id=actor.party_id, public_key=public_key, created_at=now)
    session.add(key)
    session.flush()
    ledger.record(session, ledger.Event(
        actor=actor, event="sealing_key.registered", subject=f"party:{actor.party_id}",
        payload={"key_id": key.id, "public_key": base64.b64encode(public_key).decode()},
    ))  # fmt: skip
    return key


def seal_package(session: Session, *, actor: Principal, grant_id: int, label: str,
                 content_type: str, plaintext: bytes) -> SealedPackage:  # fmt: skip
    """Seal the actor's data to the recipient of one of its live, raw-data grants."""
    if len(plaintext) > MAX_PLAINTEXT:
        raise Invalid("a package holds at most 50 MiB", field="file", rule="max_size")
    grant = session.get(Grant, grant_id)
    now = clock.now()
    if grant is None or grant.owner_party_id != actor.party_id:
        raise NoGrant(f"Grant {grant_id} is not one your party gave.")
    if grant.revoked_at is not None or grant.expires_at <= now:
        raise NoGrant(f"Grant {grant_id} is no longer live.")
    if grant.derived_only:
        raise InvalidGrant("A derived-only grant cannot carry raw data in a package.",
                           field="grant_id", rule="derived_only")  # fmt: skip
    key = session.scalars(
        select(SealingKey)
        .where(SealingKey.party_id == grant.recipient_party_id, SealingKey.retired_at.is_(None))
        .order_by(SealingKey.id.desc())
    ).first()
    if key is None:
        raise NoSealingKey(f"Party {grant.recipient_party_id} has registered no sealing key.")
    package = SealedPackage(
        sender_party_id=actor.party_id, recipient_party_id=grant.recipient_party_id, grant_id=grant.id,
        sealing_key_id=key.id, label=label, content_type=content_type, ciphertext=b"", sha256="",
        created_at=now, ledger_seq=-1,
    )  # fmt: skip
    session.add(package)
    session.flush()
    package.ciphertext = seal(
        key.public_key, plaintext, info_for(package.id, actor.party_id, grant.recipient_party_id)
    )
    package.sha256 = hashlib.sha256(package.ciphertext).hexdigest()
    receipt = ledger.record(session, ledger.Event(
        actor=actor, event="package.sealed", subject=f"package:{package.id}",
        payload={"recipient_party_id": grant.recipient_party_id, "grant_id": grant.id,
                 "sealing_key_id": key.id, "ciphertext_sha256": package.sha256, "label": label},
    ))  # fmt: skip
    package.ledger_seq = receipt.seq
    return package


def packages(session: Session, *, actor: Principal) -> list[SealedPackage]:
    """Packages the actor's party sent or received, newest first."""
    return list(session.scalars(
        select(SealedPackage).where(
            (SealedPackage.recipient_party_id == actor.party_id) | (SealedPackage.sender_party_id == actor.party_id)
        ).order_by(SealedPackage.id.desc())
    ))  # fmt: skip


def package_document(session: Session, *, actor: Principal, package_id: int) -> dict[str, Any]:
    """The sealed package as a JSON document the recipient opens offline (recipient only)."""
    package = session.get(SealedPackage, package_id)
    if package is None or package.recipient_party_id != actor.party_id:
        raise PackageNotFound(f"No package {package_id} addressed to you.")
    return {
        "format": FORMAT, "suite": SUITE_NAME, "id": package.id,
        "sender_party_id": package.sender_party_id, "recipient_party_id": package.recipient_party_id,
        "label": package.label, "content_type": package.content_type,
        "info": base64.b64encode(info_for(package.id, package.sender_party_id, package.recipient_party_id)).decode(),
        "ciphertext": base64.b64encode(package.ciphertext).decode(), "sha256": package.sha256,
        "ledger_seq": package.ledger_seq,
    }  # fmt: skip


def open_document(document: dict[str, Any], private_key: X25519PrivateKey) -> bytes:
    """Open a package document (as served by the API) with the recipient's private key."""
    if document.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} document")
    ciphertext = base64.b64decode(document["ciphertext"])
    if hashlib.sha256(ciphertext).hexdigest() != document["sha256"]:
        raise ValueError("ciphertext does not match its SHA-256")
    return open_sealed(private_key, ciphertext, base64.b64decode(document["info"]))
