"""Measuring, beside the product: benchmarks (quality, ingest, latency at scale), evaluation sets and the
answer selector's refit. Uses the facade and the public seams of the layers below, no private names."""

import sys
import time
from collections.abc import Callable


def stage_log(stage: str) -> Callable[[str], None]:
    """A progress printer for one lab command: "[stage HH:MM:SS] message" on stderr, flushed."""

    def log(msg: str) -> None:
        print(f"[{stage} {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    return log
