"""Pure rules of payable certificates (云证): half-open fen ranges, terms, discount arithmetic, and
``Book``, the state of certificates and their pieces that every operation (and the replay of the
ledger log) goes through.

A certificate of face value F fen is the range [0, F). Each piece is a sub-range [start, end)
with a holder and a status; the pieces that are not retired partition [0, F) at every moment,
so splits sum exactly to their parent and no fen is in two live pieces by construction.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from chanrong.supplychain.errors import (
    InvalidCertificate,
    InvalidFinancing,
    InvalidSplit,
    InvalidTransfer,
    NotHolder,
    NotMatured,
    PastMaturity,
    PieceNotFound,
    PieceSpent,
)

HELD = "held"
PENDING = "pending_transfer"
FINANCED = "financed"
SETTLED = "settled"
RETIRED = "retired"
"""Piece statuses: a retired piece was split or transferred; its children carry its range."""
LIVE = frozenset({HELD, PENDING, FINANCED})
DAY_COUNTS = {"ACT/360": 360, "ACT/365": 365}
"""Day-count conventions: actual days over a year of 360 or 365 days."""
ROUNDING = "half_up"
MAX_RATE_BP = 10_000  # 100 % a year


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Aug + 6 = 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_term(issued_on: date, maturity_on: date) -> list[str]:
    """Check a certificate's term under the 2025 rules on supply-chain payment instruments:
    maturity after issue (rule ``after_issue``) and at most one year later (``max_term``).
    Returns warnings: ``over_six_months`` when the term exceeds six months."""
    if maturity_on <= issued_on:
        raise InvalidCertificate(
            "maturity must be after the issue date", field="maturity_on", rule="after_issue"
        )
    if maturity_on > add_months(issued_on, 12):
        raise InvalidCertificate(
            "the term of a payable certificate is at most one year",
            field="maturity_on",
            rule="max_term",
        )
    return ["over_six_months"] if maturity_on > add_months(issued_on, 6) else []


def partition(start: int, end: int, amounts: Sequence[int]) -> list[tuple[int, int]]:
    """Cut [start, end) into consecutive half-open ranges of ``amounts`` fen, in order.

    Every amount must be positive (rule ``positive``), there must be at least two
    (``min_parts``) and they must sum exactly to ``end - start`` (``sum``)."""
    if len(amounts) < 2:
        raise InvalidSplit("a split needs at least two amounts", field="amounts", rule="min_parts")
    for i, amount in enumerate(amounts):
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise InvalidSplit(
                "every amount is a positive number of fen", field=f"amounts.{i}", rule="positive"
            )
    if sum(amounts) != end - start:
        raise InvalidSplit(
            f"the amounts sum to {sum(amounts)} fen but the piece holds {end - start} fen",
            field="amounts",
            rule="sum",
        )
    ranges, at = [], start
    for amount in amounts:
        ranges.append((at, at + amount))
        at += amount
    return ranges


def discount_fen(amount_fen: int, annual_rate_bp: int, days: int, day_count: str) -> int:
    """The discount interest on ``amount_fen`` for ``days`` actual days at ``annual_rate_bp``
    basis points a year: amount × rate/10,000 × days / basis (basis 360 for ACT/360, 365 for
    ACT/365), rounded half-up to the fen (exact integer arithmetic, never floats)."""
    if day_count not in DAY_COUNTS:
        raise InvalidFinancing(
            f"day count must be one of {sorted(DAY_COUNTS)}", field="day_count", rule="day_count"
        )
    if not 0 <= annual_rate_bp <= MAX_RATE_BP:
        raise InvalidFinancing(
            "the annual rate is 0 to 10,000 basis points", field="annual_rate_bp", rule="rate_range"
        )
    numerator = amount_fen * annual_rate_bp * max(days, 0)
    denominator = 10_000 * DAY_COUNTS[day_count]
    quotient, remainder = divmod(numerator, denominator)
    return quotient + (1 if 2 * remainder >= denominator else 0)


@dataclass
class Piece:
    """A half-open range [start, end) of a certificate's fen, its holder and status; ``bank``
    is the financing bank, ``paid_to`` whom the issuer paid at settlement."""

    id: int
    certificate_id: int
    start: int
    end: int
    holder: int
    status: str
    parent_id: int | None = None
    pending_to: int | None = None
    bank: int | None = None
    paid_to: int | None = None

    @property
    def amount(self) -> int:
        """The piece's value in fen."""
        return self.end - self.start


@dataclass
class Certificate:
    """A certificate: issuer, face value in fen, issue and maturity dates (settled_on once paid)."""

    id: int
    issuer: int
    face_fen: int
    issued_on: date
    maturity_on: date
    settled_on: date | None = None


@dataclass
class Book:
    """Certificates and pieces in memory; every operation checks its rules and changes nothing
    when it refuses. ``on`` is the business date of the operation."""

    certificates: dict[int, Certificate] = field(default_factory=dict)
    pieces: dict[int, Piece] = field(default_factory=dict)

    def piece(self, piece_id: int) -> Piece:
        """A piece by id (PieceNotFound otherwise)."""
        found = self.pieces.get(piece_id)
        if found is None:
            raise PieceNotFound(f"no piece {piece_id}")
        return found

    def acting(self, piece_id: int, actor: int, on: date, status: str = HELD) -> Piece:
        """The piece, if ``actor`` may act on it on ``on``: before maturity, in ``status``, and
        its holder (its recipient for a pending transfer). Raises otherwise."""
        piece = self.piece(piece_id)
        if on >= self.certificates[piece.certificate_id].maturity_on:
            raise PastMaturity("the certificate has matured: only settlement is possible")
        if piece.status != status:
            raise PieceSpent(f"piece {piece_id} is {piece.status}, not {status}")
        if actor != (piece.pending_to if status == PENDING else piece.holder):
            raise NotHolder(f"party {actor} does not hold piece {piece_id}")
        return piece

    def issue(self, *, certificate_id: int, piece_id: int, issuer: int, holder: int,
              face_fen: int, issued_on: date, maturity_on: date) -> Piece:  # fmt: skip
        """A new certificate of ``face_fen`` held whole by ``holder`` as piece [0, face)."""
        if face_fen <= 0:
            raise InvalidCertificate("face value is positive", field="face_fen", rule="positive")
        if holder == issuer:
            raise InvalidCertificate("issued to another party", field="holder", rule="other_party")
        check_term(issued_on, maturity_on)
        self.certificates[certificate_id] = Certificate(
            certificate_id, issuer, face_fen, issued_on, maturity_on
        )
        piece = Piece(piece_id, certificate_id, 0, face_fen, holder, HELD)
        self.pieces[piece_id] = piece
        return piece

    def split(self, piece_id: int, *, actor: int, amounts: Sequence[int],
              new_ids: Sequence[int], on: date) -> list[Piece]:  # fmt: skip
        """Retire a held piece and give its holder children of ``amounts`` fen (in order)."""
        parent = self.acting(piece_id, actor, on)
        ranges = partition(parent.start, parent.end, amounts)
        parent.status = RETIRED
        children = [
            Piece(new_id, parent.certificate_id, start, end, parent.holder, HELD, parent.id)
            for new_id, (start, end) in zip(new_ids, ranges, strict=True)
        ]
        self.pieces.update((child.id, child) for child in children)
        return children

    def offer(self, piece_id: int, *, actor: int, to: int, on: date) -> Piece:
        """The holder offers a held piece to ``to``: pending until accepted or cancelled."""
        if to == actor:
            raise InvalidTransfer("transfer to another party", field="to", rule="other_party")
        piece = self.acting(piece_id, actor, on)
        piece.status, piece.pending_to = PENDING, to
        return piece

    def accept(self, piece_id: int, *, actor: int, new_id: int, on: date) -> Piece:
        """The recipient accepts: the piece retires and a child with its range is the
        recipient's."""
        piece = self.acting(piece_id, actor, on, status=PENDING)
        piece.status = RETIRED
        child = Piece(new_id, piece.certificate_id, piece.start, piece.end, actor, HELD, piece.id)
        self.pieces[new_id] = child
        return child

    def cancel(self, piece_id: int, *, actor: int, on: date) -> Piece:
        """The holder withdraws (or the recipient declines) a pending transfer."""
        piece = self.piece(piece_id)
        if piece.status == PENDING and actor == piece.holder:
            actor = piece.pending_to or actor
        self.acting(piece_id, actor, on, status=PENDING)
        piece.status, piece.pending_to = HELD, None
        return piece

    def finance(self, piece_id: int, *, actor: int, bank: int, on: date) -> Piece:
        """The holder discounts the whole piece at ``bank``; the issuer will pay the bank."""
        if bank == actor:
            raise InvalidFinancing("finance at a bank", field="bank_party_id", rule="bank")
        piece = self.acting(piece_id, actor, on)
        piece.status, piece.bank = FINANCED, bank
        return piece

    def settle(self, certificate_id: int, *, actor: int, on: date) -> list[Piece]:
        """On or after maturity the issuer pays each live piece's holder (the bank for a
        financed piece; a pending transfer is paid to its holder)."""
        certificate = self.certificates.get(certificate_id)
        if certificate is None:
            raise PieceNotFound(f"no certificate {certificate_id}")
        if actor != certificate.issuer:
            raise NotHolder("only the issuer settles its certificate")
        if certificate.settled_on is not None or on < certificate.maturity_on:
            raise NotMatured(f"certificate {certificate_id} is not due for settlement")
        certificate.settled_on = on
        paid = []
        for piece in self.live(certificate_id):
            piece.paid_to = piece.bank if piece.status == FINANCED else piece.holder
            piece.status, piece.pending_to = SETTLED, None
            paid.append(piece)
        return paid

    def live(self, certificate_id: int) -> list[Piece]:
        """The certificate's live pieces (held, pending transfer, financed) by start."""
        return sorted(
            (p for p in self.pieces.values()
             if p.certificate_id == certificate_id and p.status in LIVE),
            key=lambda p: p.start,
        )  # fmt: skip

    def snapshot(self) -> dict[str, Any]:
        """The whole state as plain values (for comparing a replay with the database)."""
        return {
            "certificates": {k: asdict(v) for k, v in sorted(self.certificates.items())},
            "pieces": {k: asdict(v) for k, v in sorted(self.pieces.items())},
        }


def violations(book: Book) -> list[str]:
    """Broken invariants: per certificate, the non-retired pieces must partition [0, face) (no
    fen missing, none in two pieces); settled certificates have only settled pieces."""
    found = []
    for cert in book.certificates.values():
        pieces = sorted(
            (p for p in book.pieces.values()
             if p.certificate_id == cert.id and p.status != RETIRED),
            key=lambda p: p.start,
        )  # fmt: skip
        at = 0
        for piece in pieces:
            if piece.start != at or piece.end <= piece.start:
                found.append(f"certificate {cert.id}: piece {piece.id} starts at {piece.start}")
            at = piece.end
        if at != cert.face_fen:
            found.append(f"certificate {cert.id}: pieces end at {at}, face is {cert.face_fen}")
        if cert.settled_on is not None and any(p.status != SETTLED for p in pieces):
            found.append(f"certificate {cert.id}: settled with unsettled pieces")
    return found


def _day(value: str) -> date:
    return date.fromisoformat(value)


def apply(book: Book, event: str, payload: dict[str, Any]) -> None:
    """Apply one logged certificate operation (ledger event name and payload) to ``book``."""
    p, on = payload, _day(payload["on"])
    if event == "supplychain.certificate.issued":
        book.issue(certificate_id=p["certificate_id"], piece_id=p["piece_id"],
                   issuer=p["issuer"], holder=p["holder"], face_fen=p["face_fen"],
                   issued_on=on, maturity_on=_day(p["maturity_on"]))  # fmt: skip
    elif event == "supplychain.piece.split":
        book.split(
            p["piece_id"], actor=p["actor"], amounts=p["amounts"], new_ids=p["new_ids"], on=on
        )
    elif event == "supplychain.transfer.offered":
        book.offer(p["piece_id"], actor=p["actor"], to=p["to"], on=on)
    elif event == "supplychain.transfer.accepted":
        book.accept(p["piece_id"], actor=p["actor"], new_id=p["new_id"], on=on)
    elif event == "supplychain.transfer.cancelled":
        book.cancel(p["piece_id"], actor=p["actor"], on=on)
    elif event == "supplychain.piece.financed":
        book.finance(p["piece_id"], actor=p["actor"], bank=p["bank"], on=on)
    elif event == "supplychain.certificate.settled":
        book.settle(p["certificate_id"], actor=p["actor"], on=on)


def replay(events: Iterable[tuple[str, dict[str, Any]]]) -> Book:
    """Rebuild the state from the logged operations, in log order."""
    book = Book()
    for event, payload in events:
        apply(book, event, payload)
    return book
