"""The log's Ed25519 signing key: generated on first use, kept in a PEM file, published as PEM."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chanrong.ledger import signing
from chanrong.settings import get_settings


@dataclass(frozen=True)
class Signer:
    """The signing key with the name and origin its checkpoints carry."""

    key: Ed25519PrivateKey
    name: str
    origin: str

    @property
    def public_pem(self) -> str:
        """The public key, PEM."""
        return signing.public_pem(self.key.public_key()).decode()

    @property
    def verifier_key(self) -> str:
        """The signed-note verifier key string for checkpoint verifiers."""
        return signing.verifier_key(self.name, self.key.public_key())


def load_or_create(path: Path) -> Ed25519PrivateKey:
    """The key in ``path``; when absent, create it atomically (the first creator wins)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Write aside, then link into place: link fails if another process won the race,
        # and readers never see a half-written file.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


@lru_cache(maxsize=8)
def _signer(path: Path, cwd: str, origin: str) -> Signer:
    return Signer(load_or_create(Path(cwd) / path), origin, origin)


def signer() -> Signer:
    """The platform's signer per the settings (cached per key file; every append signs)."""
    settings = get_settings()
    return _signer(settings.resolved_ledger_key_file(), os.getcwd(), settings.ledger_origin)
