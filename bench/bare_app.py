"""The HTTP floor: a bare FastAPI app served exactly as ``chanrong serve`` serves chanrong.

``GET /bare`` is a plain ``def`` route returning a constant, so it runs on the same threadpool
that chanrong's (sync) endpoints use; ``GET /bare-async`` is the ``async def`` variant, which
never leaves the event loop. Run: ``.venv/bin/python bench/bare_app.py --port 8001``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

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
    """Serve with the options of ``chanrong serve`` (httptools, uvloop, no access log) and as many
    worker processes as asked."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "bare_app:app",  # by name, so that worker processes can import it
        app_dir=str(Path(__file__).parent),
        host=args.host,
        port=args.port,
        workers=args.workers,
        http="httptools",
        loop="uvloop",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
