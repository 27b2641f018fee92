"""The ONNX int8 backend: exported locally on first use, close to torch's vectors, usable end to end."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import SEED

from assistant import Assistant
from assistant.index.embeddings import OnnxInt8Embedder, make_embedder
from assistant.models import AssistantError

pytestmark = pytest.mark.slow


def test_onnx_int8_matches_torch_and_serves_search(tmp_path, real_embedder):
    onnx = OnnxInt8Embedder(cache_dir=tmp_path / "models")
    texts = ["In 2024, a total of 2,012 foreign-funded enterprises were established in Beijing.",
             "Hospitals must have at least 100 beds.", "A short one."]  # fmt: skip
    a, b = real_embedder.embed(texts), onnx.embed(texts)
    assert onnx.path.is_file() and a.shape == b.shape
    assert float((a * b).sum(axis=1).min()) > 0.97
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
    assistant = Assistant(index_dir=tmp_path / "index", embedder=onnx)
    assistant.ingest([SEED])
    answer = assistant.ask("How many foreign-funded enterprises were established in Beijing in 2024?")
    assert "2,012" in answer.text


def test_backend_names_are_checked(tmp_path):
    with pytest.raises(AssistantError, match="choose one of: torch, onnx-int8"):
        make_embedder("tpu", None, 8, None, tmp_path)
    with pytest.raises(ValueError, match="choose one of: torch, onnx-int8"):
        Assistant(index_dir=tmp_path, embed_backend="tpu")
