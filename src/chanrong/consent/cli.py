"""``chanrong consent``: make a sealing key pair, open a sealed package offline."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from chanrong.consent import sealing
from chanrong.shell import console

app = typer.Typer(help="Consent: sealing keys and sealed packages.", no_args_is_help=True)


@app.command("keygen")
def keygen(
    out: Path = typer.Option(Path("."), help="Directory for sealing-key.pem and .pub.pem"),
) -> None:
    """Make an X25519 key pair: keep the private key, register the public one with the platform."""
    out.mkdir(parents=True, exist_ok=True)
    key = X25519PrivateKey.generate()
    private = out / "sealing-key.pem"
    private.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))  # fmt: skip
    private.chmod(0o600)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (out / "sealing-key.pub.pem").write_bytes(public)
    console.print(f"private key: {private} (keep it; the platform never sees it)")
    console.print(public.decode(), markup=False)


@app.command("open")
def open_package(
    package: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="Package JSON from the API."
    ),
    key: Path = typer.Option(..., exists=True, dir_okay=False, help="Your sealing-key.pem."),
    out: Path = typer.Option(..., help="Where to write the opened data."),
) -> None:
    """Open a package sealed to you, with your private key, offline."""
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    if not isinstance(private, X25519PrivateKey):
        console.print("[red]not an X25519 private key[/red]")
        raise typer.Exit(1)
    try:
        plaintext = sealing.open_document(json.loads(package.read_text()), private)
    except Exception as exc:  # any failure to open is reported, never a traceback
        console.print(f"[red]cannot open[/red]: {type(exc).__name__}: {exc}")
        raise typer.Exit(1) from None
    out.write_bytes(plaintext)
    console.print(f"opened {len(plaintext)} bytes to {out}")
