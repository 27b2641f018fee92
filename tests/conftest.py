"""Shared fixtures: a private index dir per test, loopback network only, the real model once."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest
from helpers import stop

os.environ.setdefault("HF_HUB_OFFLINE", "1")


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


@pytest.fixture(scope="session")
def _model_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch, request, _model_cache):
    """Each test gets its own index dir (through the environment, as a user would) and no outside network;
    Chroma keeps it in memory unless the test is marked slow or disk. The model's ONNX export is shared
    by the session's tests (made once, not once per index)."""
    monkeypatch.setenv("POLICY_ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("POLICY_ASSISTANT_MODEL_CACHE", str(_model_cache))
    if not any(request.node.get_closest_marker(m) for m in ("slow", "disk")):
        monkeypatch.setenv("POLICY_ASSISTANT_IN_MEMORY", "1")
    else:
        monkeypatch.delenv("POLICY_ASSISTANT_IN_MEMORY", raising=False)
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


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on a free loopback port, stopped at the end of the session."""
    from assistant.measuring.bench import chroma_server as start

    proc, host, port = start(tmp_path_factory.mktemp("chroma-server") / "data")
    yield (host, port)
    stop(proc)
