"""The HTTP floor: a bare FastAPI app served exactly as ``chanrong serve`` serves chanrong.

``GET /bare`` is a plain ``def`` route returning a constant, so it runs on the same threadpool
that chanrong's (sync) endpoints use; ``GET /bare-async`` is the ``async def`` variant, which
never leaves the event loop. Run: ``.venv/bin/python bench/bare_app.py --port 8001``.
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI

app = FastAPI()
CONSTANT = {"status": "ok"}


@app.get("/bare")
def bare() -> dict[str, str]:
    """A constant, from the threadpool (like every chanrong endpoint)."""
    return CONSTANT


@app.get("/bare-async")
async def bare_async() -> dict[str, str]:
    """A constant, from the event loop."""
    return CONSTANT


def main() -> None:
    """Serve with the options of ``chanrong serve`` (httptools, uvloop, 1 worker, no access log)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        workers=1,
        http="httptools",
        loop="uvloop",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
