"""Shared fixtures: a private index dir per test, loopback network only, the real model once."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED = next(CORPUS.glob("beijing_*.txt"))
EVAL_EXTRA = ROOT.parent / "shared" / "eval" / "corpus_extra"


def _loopback(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Each test gets its own index dir (through the environment, as a user would) and no outside network."""
    monkeypatch.setenv("POLICY_ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    for var in ("POLICY_ASSISTANT_CHROMA_HOST", "POLICY_ASSISTANT_CHROMA_PORT"):
        monkeypatch.delenv(var, raising=False)
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        if not _loopback(address):
            raise OSError(f"network blocked in tests: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    yield


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled all-MiniLM-L6-v2, loaded once for the whole session."""
    from assistant.index.embeddings import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture
def fake_embedder():
    from assistant.index.embeddings import HashEmbedder

    return HashEmbedder(64)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on a free loopback port, stopped at the end of the session."""
    from assistant.measuring.bench import chroma_server as start

    proc, host, port = start(tmp_path_factory.mktemp("chroma-server") / "data")
    yield (host, port)
    stop(proc)


def stop(proc) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_http(url: str, proc, seconds: float = 120, log: Path | None = None) -> None:
    """Wait until `url` answers; fail with the log's tail if the process dies or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc)
                tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
                pytest.fail(f"{url} did not come up: {tail}")
            time.sleep(0.3)


def run_cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The installed command line, in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
