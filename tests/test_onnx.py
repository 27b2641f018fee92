"""The ONNX exports: the int8 backend (exported locally on first use, close to torch's vectors, usable end to
end) and the fp32 twin the torch backend answers with when torch is not loaded (the same vectors)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from helpers import SEED, run_cli

from assistant import Assistant
from assistant.index.embeddings import (
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    bundled_model_dir,
    make_embedder,
    mean_pooled,
)
from assistant.models import AssistantError

pytestmark = pytest.mark.slow


def test_onnx_int8_matches_torch_and_serves_search(tmp_path, real_embedder):
    onnx = OnnxEmbedder(cache_dir=tmp_path / "models")
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


_ASK_IN_A_FRESH_PROCESS = """
import json, sys
from assistant import Assistant
answer = Assistant().ask("How many foreign-funded enterprises were established in Beijing in 2024?")
print(json.dumps({"text": answer.text, "torch": "torch" in sys.modules}))
"""


def test_the_torch_backend_answers_without_torch_once_its_twin_is_exported(tmp_path, real_embedder):
    cache = tmp_path / "cache"
    env = os.environ | {"POLICY_ASSISTANT_MODEL_CACHE": str(cache)}
    assert run_cli("ingest", str(SEED), env=env).returncode == 0
    twin = OnnxEmbedder(cache_dir=cache, int8=False)
    assert twin.path.is_file()  # exported by the ingest, which had the model loaded
    texts = ["Hospitals must have at least 100 beds.", "去年北京新设外资企业2012家。", "word " * 400]
    assert np.abs(twin.embed(texts) - real_embedder.embed(texts)).max() < 1e-4
    out = subprocess.run([sys.executable, "-c", _ASK_IN_A_FRESH_PROCESS], env=env, capture_output=True,
                         text=True, timeout=300, check=True)  # fmt: skip
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert "2,012" in got["text"] and got["torch"] is False
    twin.path.write_bytes(b"not a model")  # damaged: the same answer, through torch
    out = subprocess.run([sys.executable, "-c", _ASK_IN_A_FRESH_PROCESS], env=env, capture_output=True,
                         text=True, timeout=300, check=True)  # fmt: skip
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert "2,012" in got["text"] and got["torch"] is True and "embedding with torch" in out.stderr


def test_a_cache_that_cannot_be_written_costs_only_the_twin(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    embedder = SentenceTransformerEmbedder(cache_dir=tmp_path / "a-file" / "models")
    vector = embedder.embed_query(["A short one."])  # loads torch; the export fails, is logged and skipped
    assert vector.shape == (1, 384) and np.allclose(vector, embedder.embed(["A short one."]), atol=1e-6)
    assert embedder._twin is None


def test_only_a_mean_pooled_model_gets_a_twin(tmp_path):
    assert mean_pooled(bundled_model_dir())
    other = tmp_path / "model"
    shutil.copytree(bundled_model_dir(), other)
    modules = json.loads((other / "modules.json").read_text())
    (other / "modules.json").write_text(json.dumps([*modules, {"path": "3_Dense", "type": "x.models.Dense"}]))
    assert not mean_pooled(other)
    (other / "modules.json").write_text(json.dumps(modules))
    pooling = other / "1_Pooling" / "config.json"
    pooling.write_text(json.dumps(json.loads(pooling.read_text()) | {"pooling_mode_cls_token": True}))
    assert not mean_pooled(other) and SentenceTransformerEmbedder(other, cache_dir=tmp_path)._twin is None
