"""What the console page tests share: the headers a browser and htmx send, logging a user in on
the test client, and a page's visible text."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient

from tests.factories import PASSWORD

HTML = {"accept": "text/html,application/xhtml+xml"}
HTMX = {"hx-request": "true", "hx-current-url": "http://testserver/identifiers"}


def log_in(client: TestClient, username: str, *, lang: str | None = None) -> None:
    """Log ``username`` in on ``client`` (cookies kept), optionally switching the language."""
    client.cookies.clear()
    answer = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    if lang:
        assert client.get(f"/lang/{lang}", follow_redirects=False).status_code == 303


def text_of(html: str) -> str:
    """The visible text of a page, roughly: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
