"""The reader's seam and its one implementation: the shipped ONNX int8 cross-encoder run by onnxruntime."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.models import AssistantError
from assistant.reader.pairs import LABELS, encode_pairs, load_tokenizer

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "data" / "reader"
FILES = ("reader.onnx", "tokenizer.json", "reader.json")


@dataclass(frozen=True)
class Reading:
    """What the reader makes of each (query, sentence) pair: relevance in [0, 1], and the probabilities of
    neither / supports / contradicts (rows sum to 1)."""

    relevance: np.ndarray  # (n,)
    entail: np.ndarray  # (n, 3), columns in pairs.LABELS order

    def of(self, label: str) -> np.ndarray:
        return self.entail[:, LABELS.index(label)]


class Reader(Protocol):
    thresholds: dict[str, float]  # fitted with it: the probabilities its users act on

    def read(self, query: str, sentences: Sequence[str]) -> Reading: ...

    def read_pairs(self, queries: Sequence[str], sentences: Sequence[str]) -> Reading: ...

    def reread(self, selector: str) -> dict | None: ...


class OnnxReader:
    """Reads pairs with the fitted cross-encoder; loads the model on first use, once per process."""

    def __init__(self, model_dir: Path | None = None, batch_size: int = 32, threads: int = 0):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.model_dir = Path(model_dir or DEFAULT_DIR)
        self.batch_size, self.threads = batch_size, threads
        self._session = self._tokenizer = None
        self._lock = threading.Lock()

    @property
    def thresholds(self) -> dict[str, float]:
        """From reader.json: "contradicts" (held-out precision ≥ 0.9), "doubt" (leans that way)."""
        self._load()
        got = self._meta.get("thresholds") if isinstance(self._meta, dict) else None
        if not isinstance(got, dict) or not {"contradicts", "doubt"} <= got.keys():
            raise AssistantError(
                f"reader model {self.model_dir}: reader.json has no thresholds (fit it again: "
                "make train-reader)"
            )
        return got

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            missing = [f for f in FILES if not (self.model_dir / f).is_file()]
            if missing:
                raise AssistantError(
                    f"reader model {self.model_dir}: missing {', '.join(missing)} "
                    "(restore it with git checkout, or fit it again with make train-reader)"
                )
            import onnxruntime as ort

            options = ort.SessionOptions()
            if self.threads:
                options.intra_op_num_threads = self.threads
            try:
                session = ort.InferenceSession(
                    str(self.model_dir / "reader.onnx"), options, providers=["CPUExecutionProvider"]
                )
                tokenizer = load_tokenizer(self.model_dir / "tokenizer.json")
                meta = json.loads((self.model_dir / "reader.json").read_text(encoding="utf-8"))
            except Exception as exc:  # a truncated or foreign file: one line, not onnxruntime's traceback
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
                raise AssistantError(
                    f"reader model {self.model_dir}: damaged ({first[:160]}); restore it with git checkout"
                ) from None
            self._tokenizer, self._meta, self._session = tokenizer, meta, session

    def logits(self, queries: Sequence[str], sentences: Sequence[str]) -> np.ndarray:
        """Raw [relevance, neither, supports, contradicts] logits, one row per pair."""
        self._load()
        out = []
        for k in range(0, len(queries), self.batch_size):
            ids, mask, types = encode_pairs(
                self._tokenizer, queries[k : k + self.batch_size], sentences[k : k + self.batch_size]
            )
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            out.append(self._session.run(None, feed)[0])
        return np.vstack(out).astype(np.float32) if out else np.zeros((0, 1 + len(LABELS)), np.float32)

    def read(self, query: str, sentences: Sequence[str]) -> Reading:
        return self.read_pairs([query] * len(sentences), sentences)

    def reread(self, selector: str) -> dict | None:
        """The answer selector's second stage fitted with this reader for the selector file `selector`
        (selection.selector_key), from reader.json; None when it was fitted for no such file."""
        self._load()
        stages = self._meta.get("reread") if isinstance(self._meta, dict) else None
        return stages.get(selector) if isinstance(stages, dict) else None

    def read_pairs(self, queries: Sequence[str], sentences: Sequence[str]) -> Reading:
        logits = self.logits(list(queries), list(sentences))
        relevance = 1.0 / (1.0 + np.exp(-logits[:, 0]))
        e = np.exp(logits[:, 1:] - logits[:, 1:].max(axis=1, keepdims=True))
        return Reading(relevance, e / e.sum(axis=1, keepdims=True))
