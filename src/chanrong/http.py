"""Request edge helpers for FastAPI: one transaction per request, committed before the answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from chanrong.db import Database
from chanrong.settings import Settings


def database(request: Request) -> Database:
    """The app's database."""
    return request.app.state.database


def settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def _transaction(request: Request) -> Iterator[Session]:
    # scope="function": the commit runs when the endpoint returns, before the response is sent,
    # so an answered request is a committed one.
    with database(request).transaction() as session:
        yield session


Tx = Annotated[Session, Depends(_transaction, scope="function")]
"""The request's session; commits when the endpoint returns, rolls back if it raises."""
