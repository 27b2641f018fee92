"""The writers' protocol of a shared index: a lock file that makes writes to an embedded index take turns,
and leases (heartbeats in the store's state collection) that tell a sweep which writers are still at work
on a `chroma run` server. Leases of writers that died are swept, so they do not stay for good."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from assistant.models import AssistantError

log = logging.getLogger(__name__)

LEASE_SECONDS = 120.0  # a writer whose heartbeat is older than this is gone; its leftovers may be swept
BEAT_EVERY = 15.0


class Leases:
    """Heartbeat records `lease:<token>` ({pid, host, beat}) in a state collection, read through `state`
    (the collection may be reopened) and called through `call` (which turns failures into AssistantError)."""

    def __init__(self, state: Callable[[], Any], call: Callable[..., Any], beat_every: float = BEAT_EVERY):
        self._state, self._call, self.beat_every = state, call, beat_every

    @contextlib.contextmanager
    def held(self) -> Iterator[str]:
        """A lease for one write, kept alive by a heartbeat thread; yields its token."""
        self.sweep()
        token = uuid.uuid4().hex[:16]
        self.beat(token)
        stop = threading.Event()
        thread = threading.Thread(target=self._keep_beating, args=(token, stop), daemon=True)
        thread.start()
        try:
            yield token
        finally:
            stop.set()
            thread.join(5)
            with contextlib.suppress(AssistantError):
                self._call(self._state().delete, ids=[f"lease:{token}"])

    def beat(self, token: str) -> None:
        meta = {"pid": os.getpid(), "host": socket.gethostname(), "beat": time.time()}
        self._call(self._state().upsert, ids=[f"lease:{token}"], embeddings=[[1.0]], metadatas=[meta])

    def _keep_beating(self, token: str, stop: threading.Event) -> None:
        while not stop.wait(self.beat_every):
            try:
                self.beat(token)
            except AssistantError as exc:
                log.debug("writer heartbeat failed: %s", exc)

    def live(self) -> set[str]:
        """Tokens of writers still at work (a recent heartbeat, and alive if on this machine); the leases
        of the others are deleted."""
        got = self._call(self._state().get, where={"beat": {"$gt": 0}}, include=["metadatas"])
        cutoff, host = time.time() - LEASE_SECONDS, socket.gethostname()
        live, dead = set(), []
        for lease_id, meta in zip(got["ids"], got["metadatas"], strict=True):
            gone = meta.get("beat", 0) <= cutoff
            gone = gone or (meta.get("host") == host and not process_alive(int(meta.get("pid", 0))))
            if gone:
                dead.append(lease_id)
            else:
                live.add(lease_id.removeprefix("lease:"))
        if dead:
            log.info("swept %d lease(s) of writers that stopped", len(dead))
            self._call(self._state().delete, ids=dead)
        return live

    def sweep(self) -> None:
        """Delete the leases of writers that died (killed, or silent for LEASE_SECONDS)."""
        self.live()


class LockFile:
    """An exclusive lock on a file across processes (flock), held for one write to an embedded index;
    waits up to `wait` seconds for another process's write, saying which process holds it."""

    def __init__(self, path: Path, wait: float):
        self.path, self.wait, self._fd = Path(path), wait, -1

    def __enter__(self):
        import fcntl

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise AssistantError(f"cannot write to the index at {self.path.parent}: {exc.strerror}") from None
        deadline, told = time.monotonic() + self.wait, False
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = self._holder()
                if time.monotonic() >= deadline:
                    os.close(self._fd)
                    raise AssistantError(
                        f"the index at {self.path.parent} is being written by process {holder}; try again "
                        "when it has finished (POLICY_ASSISTANT_WRITE_WAIT sets how long to wait)"
                    ) from None
                if not told:
                    log.warning("the index is being written by process %s; waiting for it to finish", holder)
                    told = True
                time.sleep(0.2)
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)
        return self

    def _holder(self) -> str:
        try:
            return self.path.read_text().strip() or "?"
        except OSError:
            return "?"

    def __exit__(self, *exc):
        import fcntl

        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        return False


def process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
