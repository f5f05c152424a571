"""A live console for browser tests: a seeded SQLite file database served by uvicorn in a
background thread, and headless Debian Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn
from fastapi import FastAPI

from chanrong import db as db_module
from chanrong.app import create_app
from chanrong.settings import Settings
from tests import factories

T = TypeVar("T")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HANDLE = factories.DEVICE_HANDLE
PRICE_FEN = factories.DEVICE_PRICE_FEN


@dataclass(frozen=True)
class Seeded:
    """What the live server's database holds, for assertions."""

    owner_party_id: int
    owner_party_name: str
    other_party_id: int
    handle: str
    price_fen: int


@dataclass(frozen=True)
class LiveServer:
    """A running console: its base URL and seeded data."""

    url: str
    data: Seeded


def seed(database: db_module.Database) -> Seeded:
    """Parties in several provinces and industries, one user per kind of party, and an identifier
    with a public and a protected field owned by the first enterprise."""
    with database.transaction() as s:
        operator = factories.create_party(
            s,
            kind="operator",
            name="产融平台运营中心",
            province="11",
            city="北京市",
            industry="I65",
        )
        factories.create_user(s, operator, username="ops", display_name="王运营")
        owner, prefix = factories.create_device_owner(s, size="medium", fields=[
            {"name": "model", "type": "string", "value": "JK-9000 精密注塑机"},
            {"name": "in_service", "type": "boolean", "value": True},
            {"name": "purchase_price", "type": "money_fen", "value": PRICE_FEN, "protected": True},
        ])  # fmt: skip
        factories.create_identifier(s, prefix, handle="88.1001.12/SM-0002")
        factories.create_identifier(
            s,
            prefix,
            handle="88.1001.12/INV-2024-001",
            object_type="invoice",
            fields=[{"name": "amount", "type": "money_fen", "value": 86_000_00}],
        )
        other = factories.create_party(
            s, name="苏州华纺织造有限公司", province="32", city="苏州市", industry="C17"
        )
        factories.create_user(s, other, username="other", display_name="李采购")
        for name, province, city, industry in (
            ("东莞智联电子有限公司", "44", "东莞市", "C39"),
            ("杭州恒力通用机械有限公司", "33", "杭州市", "C34"),
            ("淄博鲁化化工有限公司", "37", "淄博市", "C26"),
        ):
            factories.create_party(s, name=name, province=province, city=city, industry=industry)
        bank = factories.create_party(
            s, kind="institution", name="宁波通商银行", license_code="B0000H233020001"
        )
        factories.create_user(s, bank, username="banker", display_name="陈客户经理")
        seed_observatory(s)
        return Seeded(owner.id, owner.name, other.id, HANDLE, PRICE_FEN)


def seed_observatory(s: Any) -> None:
    """A few financing rounds, 2020-2024, in three provinces and sectors, with a state-owned
    and a financial investor (the observatory's console)."""
    state = factories.create_obs_investor(s, name="上海国投先导基金", kind="state_owned")
    vc = factories.create_obs_investor(s, name="红杉中国", kind="financial_vc")
    wan = 1_000_000  # fen
    orgs = {
        key: factories.create_obs_organisation(s, name=name, province=province, sector=sector)
        for key, name, province, sector in (
            ("sh", "上海智造装备有限公司", "31", "intelligent_equipment"),
            ("gd", "深圳云联工业软件有限公司", "44", "platform"),
            ("js", "苏州安盾网络安全有限公司", "32", "security"),
        )
    }
    for org, day, stage, label, low, investors in (
        ("sh", date(2024, 3, 5), "a", "A轮", 10_000 * wan, [(state, True), (vc, False)]),
        ("gd", date(2024, 5, 1), "angel", "天使轮", None, [(vc, True)]),
        ("js", date(2024, 9, 9), "b", "B轮", 5_000 * wan, [(vc, False)]),
        ("gd", date(2024, 11, 2), "pre_a", "Pre-A轮", 3_000 * wan, [(state, True)]),
        ("sh", date(2023, 4, 1), "seed", "种子轮", 2_000 * wan, [(vc, True)]),
        ("gd", date(2023, 8, 1), "a", "A轮", 8_000 * wan, [(vc, True)]),
        ("gd", date(2022, 6, 1), "a", "A轮", 3_000 * wan, [(state, True)]),
        ("js", date(2021, 2, 1), "angel", "天使轮", 1_500 * wan, []),
        ("js", date(2020, 2, 1), "seed", "种子轮", 1_000 * wan, []),
    ):
        factories.create_obs_round(
            s, orgs[org], on=day, stage=stage, round_label=label, low_fen=low,
            investors=investors,
        )  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn in a thread until the block ends; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="live-console", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("the live console did not answer /healthz within 20 s")
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def console(data_dir: Path, seeding: Callable[[db_module.Database], T]) -> Iterator[tuple[str, T]]:
    """The console on a new SQLite file under ``data_dir``, seeded by ``seeding``, served on a
    free local port: its URL and what ``seeding`` returned."""
    database = db_module.Database(f"sqlite:///{data_dir / 'chanrong.db'}")
    db_module.upgrade(database)
    seeded = seeding(database)
    settings = Settings(data_dir=data_dir, database_url=str(database.engine.url))
    try:
        with serve(create_app(settings, database=database)) as url:
            yield url, seeded
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The console on a seeded temporary SQLite file, served on a free local port."""
    with console(tmp_path_factory.mktemp("live"), seed) as (url, seeded):
        yield LiveServer(url, seeded)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium under Playwright; the browser tests skip without it."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def browser_tab(chromium: Any, base_url: str) -> Iterator[Any]:
    """A fresh browser context (no cookies) on ``base_url``; fails on any script error."""
    context = chromium.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    script_errors: list[str] = []
    tab.on("pageerror", lambda error: script_errors.append(str(error)))
    try:
        yield tab
    finally:
        context.close()
    assert not script_errors, f"script errors in the page: {script_errors}"


@pytest.fixture
def page(chromium: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh browser context (no cookies) on the live console; fails on any script error."""
    with browser_tab(chromium, live_server.url) as tab:
        yield tab
