"""Faults against a private Mosquitto: a worker killed with SIGKILL mid-stream, a broker
restart mid-stream, and two workers sharing one subscription. Each time every reading the
broker acknowledged is stored exactly once (the store's rows, its distinct keys and the series
counts all equal the readings sent)."""

from __future__ import annotations

import time

from chanrong import clock
from tests.telemetry.conftest import (
    Broker,
    Publisher,
    Site,
    messages_taken,
    stream,
    wait_for,
)

MESSAGES = 300
PER_MESSAGE = 10


def _start_ms() -> int:
    return int(clock.now().timestamp() * 1000) - 3_600_000


def _all_stored(site: Site, sent: int) -> bool:
    return site.counts() == (sent, sent, sent)


def test_worker_killed_mid_stream_loses_nothing_and_counts_nothing_twice(
    site: Site, private_broker: Broker
) -> None:
    worker = site.start_worker(1, private_broker.port)
    publisher = Publisher(private_broker.port)
    try:
        thread = stream(publisher, site.handles, messages=MESSAGES, per_message=PER_MESSAGE,
                        start_ms=_start_ms(), pause=0.01)  # fmt: skip
        assert wait_for(lambda: site.counts()[0] > 0), "the worker stored nothing"
        worker.kill()
        stored_at_kill = site.counts()[0]
        thread.join()
        sent = publisher.wait_all()
        assert stored_at_kill < sent  # killed mid-stream
        site.start_worker(1, private_broker.port)
        assert wait_for(lambda: _all_stored(site, sent)), site.counts()
    finally:
        publisher.close()


def test_broker_restart_mid_stream_loses_nothing_and_counts_nothing_twice(
    site: Site, private_broker: Broker
) -> None:
    worker = site.start_worker(1, private_broker.port)
    publisher = Publisher(private_broker.port)
    try:
        thread = stream(publisher, site.handles, messages=MESSAGES, per_message=PER_MESSAGE,
                        start_ms=_start_ms(), pause=0.01)  # fmt: skip
        assert wait_for(lambda: site.counts()[0] > 0), "the worker stored nothing"
        private_broker.stop()
        time.sleep(0.5)  # the publisher keeps publishing into its own queue meanwhile
        private_broker.start()
        thread.join()
        sent = publisher.wait_all()
        assert wait_for(lambda: _all_stored(site, sent)), (site.counts(), worker.output()[-4000:])
    finally:
        publisher.close()


def test_two_workers_share_one_subscription(site: Site, private_broker: Broker) -> None:
    workers = [site.start_worker(n, private_broker.port) for n in (1, 2)]
    publisher = Publisher(private_broker.port)
    try:
        thread = stream(publisher, site.handles, messages=MESSAGES, per_message=PER_MESSAGE,
                        start_ms=_start_ms(), pause=0.002)  # fmt: skip
        thread.join()
        sent = publisher.wait_all()
        assert wait_for(lambda: _all_stored(site, sent)), site.counts()
    finally:
        publisher.close()
    taken = [messages_taken(w.stop()) for w in workers]
    assert all(n > 0 for n in taken), taken
    assert sum(taken) >= MESSAGES
