"""Process-wide settings for the ``chanrong`` command, applied once everything is imported.

Both were measured on the telemetry rollups (docs/telemetry-rollups.md, this 2-core machine):

- ``gc.freeze()`` sets the imported libraries' ~160,000 objects aside from the cyclic
  collector, whose full collections otherwise paused a ``roll_up`` for 0.1 s;
- Arrow's memory pool becomes jemalloc with a 10 s decay: a rebuild decodes ~200 MB of columns
  per day, and mimalloc (pyarrow's default) handed freed pages back to the kernel at once, so
  every day paid its page faults again (a week's rebuild: 1.6 s and 2.4 CPU-s, against 1.1 s
  and 1.7 CPU-s).
"""

from __future__ import annotations

import gc

import pyarrow as pa

ARROW_DECAY_MS = 10_000


def tune() -> None:
    """Freeze the objects created so far out of the cyclic collector's work and keep Arrow's
    freed memory for ``ARROW_DECAY_MS`` (where pyarrow was built with jemalloc)."""
    gc.freeze()
    if "jemalloc" in pa.supported_memory_backends():
        pa.set_memory_pool(pa.jemalloc_memory_pool())
        pa.jemalloc_set_decay_ms(ARROW_DECAY_MS)
