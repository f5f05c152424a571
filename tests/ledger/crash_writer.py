"""Appends to the log until killed: each transaction registers a party and its log entry, and
prints the entry's sequence number only after the commit returned (the acknowledgement)."""

from __future__ import annotations

import sys

from chanrong.db import Database
from chanrong.parties import service as parties
from chanrong.parties import uscc
from chanrong.principal import Principal


def main(url: str) -> None:
    database = Database(url)
    actor = Principal.system()
    for n in range(1_000_000):
        draft = parties.draft_or_raise(
            kind="enterprise", name=f"崩溃测试企业{n}", uscc_code=uscc.complete(f"91330200{n:09d}"),
            province="33", city="宁波市", industry="C35", roles=["supplier"],
        )  # fmt: skip
        with database.transaction() as session:
            parties.create_party(session, actor=actor, draft=draft)
        print(n, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
