"""``chanrong ledger``: export the log, verify an export offline, check consistency of two heads."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import typer

from chanrong.shell import console

app = typer.Typer(help="The transparency log: export and verify.", no_args_is_help=True)


@app.command("export")
def export(out: Path = typer.Option(..., "--out", help="Directory to write (created).")) -> None:
    """Export entries, the signed head, the public key and an inclusion proof per entry."""
    from chanrong.ledger import export as exporter
    from chanrong.ledger import service
    from chanrong.shell import open_database, progress

    with open_database().transaction() as session, progress() as bar:
        task = bar.add_task("exporting log", total=service.tree_size(session))
        size = exporter.export_log(
            session, out, progress=lambda done: bar.update(task, completed=done)
        )
    console.print(f"exported {size} entries to {out}")


@app.command("verify")
def verify(directory: Path = typer.Argument(..., exists=True, file_okay=False)) -> None:
    """Verify an export with no database: head signature, checkpoint, every entry and proof."""
    from chanrong.ledger.verify import verify_export

    report = verify_export(directory)
    if report.ok:
        console.print(
            f"[green]OK[/green]: signed head of {report.tree_size} entries; "
            f"{report.entries_checked} entries hash correctly and are included"
        )
        return
    console.print(f"[red]FAILED[/red]: {len(report.failures)} problem(s)")
    for failure in report.failures:
        console.print(f"  - {failure}", markup=False)
    raise typer.Exit(1)


@app.command("consistency")
def consistency(
    old_sth: Path = typer.Argument(..., exists=True, dir_okay=False, help="Earlier head (JSON)."),
    new_sth: Path = typer.Argument(..., exists=True, dir_okay=False, help="Later head (JSON)."),
    key: Path | None = typer.Option(None, help="Public key PEM (default: this platform's key)."),
    proof: Path | None = typer.Option(
        None, help="JSON list of base64 proof hashes (default: ask this platform's log)."
    ),
) -> None:
    """Check that a later signed head extends an earlier one."""
    from chanrong.ledger.merkle import ProofError
    from chanrong.ledger.signing import SignatureError
    from chanrong.ledger.verify import verify_consistency_files

    old_head, new_head = json.loads(old_sth.read_text()), json.loads(new_sth.read_text())
    key_pem, hashes = _local_key_and_proof(old_head, new_head, key, proof)
    try:
        old, new = verify_consistency_files(key_pem, old_head, new_head, hashes)
    except (ProofError, SignatureError, ValueError) as exc:
        console.print(f"[red]FAILED[/red]: {exc}", markup=True)
        raise typer.Exit(1) from None
    console.print(
        f"[green]OK[/green]: the head of {new.tree_size} entries extends the head of {old.tree_size}"
    )


def _local_key_and_proof(
    old_head: dict, new_head: dict, key: Path | None, proof: Path | None
) -> tuple[bytes, list[str]]:
    if key is not None and proof is not None:
        return key.read_bytes(), json.loads(proof.read_text())
    from chanrong.ledger import service
    from chanrong.ledger.keys import signer
    from chanrong.shell import open_database

    key_pem = key.read_bytes() if key else signer().public_pem.encode()
    if proof is not None:
        return key_pem, json.loads(proof.read_text())
    old_size, new_size = int(old_head.get("tree_size", 0)), int(new_head.get("tree_size", 0))
    if not 0 < old_size <= new_size:
        return key_pem, []
    with open_database().transaction() as session:
        hashes = service.consistency_proof(session, old_size, new_size)
    return key_pem, [base64.b64encode(h).decode() for h in hashes]
