"""The process settings of the chanrong command, checked in a fresh interpreter (they are
process-wide)."""

from __future__ import annotations

import subprocess
import sys


def test_tune_freezes_the_imports_and_keeps_arrow_memory() -> None:
    code = (
        "import gc, pyarrow as pa; from chanrong.kit import runtime; runtime.tune(); "
        "print(gc.get_freeze_count() > 1000, pa.default_memory_pool().backend_name)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    frozen, backend = out.stdout.split()
    assert frozen == "True"
    assert backend == "jemalloc"
