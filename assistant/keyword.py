"""BM25 side index (bm25s) over the same chunk ids as Chroma, persisted with the fingerprint of its source.

Chroma stays the source of truth: when the store's fingerprint moves (this process or another one wrote
to it, e.g. a shared `chroma run` server), the side index is rebuilt from the collection.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .store import Store

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)

_STOPWORDS = frozenset(
    "a an and are as at be been but by for from has have had he her his i if in into is it its of on or "
    "our she so such than that the their them then there these they this those to was we were what when "
    "where which while who whom why will with would you your do does did can could should may might shall "
    "about over under more most less also any all each other some own same not no nor only very just".split()
)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|[\u3400-\u4dbf\u4e00-\u9fff]", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


class Tokenizer:
    """Lower-case words, English Snowball stems, numbers without separators, CJK character bigrams."""

    def __init__(self):
        import Stemmer

        self._stem = Stemmer.Stemmer("english").stemWord

    def __call__(self, text: str) -> list[str]:
        tokens: list[str] = []
        previous_cjk = ""
        for m in _TOKEN.finditer(text.lower()):
            tok = m.group(0)
            if _CJK.fullmatch(tok):
                tokens.append(tok if not previous_cjk else previous_cjk + tok)
                previous_cjk = tok
                continue
            previous_cjk = ""
            if tok[0].isdigit():
                tokens.append(tok.replace(",", ""))
            elif tok not in _STOPWORDS and len(tok) > 1:
                tokens.append(self._stem(tok))
        return tokens


class KeywordIndex:
    """bm25s index plus, per chunk, the metadata that filters need (doc_id, date_int, source)."""

    def __init__(self, store: Store, directory: Path, check_every: float = 2.0):
        self.store = store
        self.directory = Path(directory)
        self.check_every = check_every
        self.tokenize = Tokenizer()
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._fingerprint = ""
        self._retriever = None
        self.ids: list[str] = []
        self.metas: list[dict] = []

    def ensure(self, force: bool = False) -> None:
        """Load or rebuild the index when the store changed since it was built (checked every few seconds)."""
        with self._lock:
            now = time.monotonic()
            if not force and self._retriever is not None and now - self._checked_at < self.check_every:
                return
            current = self.store.fingerprint()
            self._checked_at = now
            if current == self._fingerprint and (self._retriever is not None or not self.ids):
                return
            if not self._load(current):
                self._rebuild(current)

    def mark_stale(self) -> None:
        self._checked_at = 0.0

    def _load(self, fingerprint: str) -> bool:
        meta_path = self.directory / "meta.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("fingerprint") != fingerprint:
                return False
            retriever = None
            if meta["ids"]:
                import bm25s

                retriever = bm25s.BM25.load(str(self.directory / "bm25"), load_corpus=False)
        except (OSError, ValueError, KeyError) as exc:
            log.debug("BM25 side index not loaded: %s", exc)
            return False
        self.ids, self.metas = meta["ids"], meta["metas"]
        self._retriever, self._fingerprint = retriever, fingerprint
        log.debug("loaded BM25 side index of %d chunks", len(self.ids))
        return True

    def _rebuild(self, fingerprint: str) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        started = time.perf_counter()
        ids, texts, metas = [], [], []
        for page_ids, page_texts, page_metas in self.store.iter_chunks():
            ids.extend(page_ids)
            texts.extend(page_texts)
            metas.extend(
                {
                    "doc_id": m.get("doc_id", ""),
                    "date_int": m.get("date_int", 0),
                    "source": m.get("source", ""),
                }
                | {"title": m.get("title", "")}
                for m in page_metas
            )
        retriever = None
        if ids:
            corpus = [self.tokenize(f"{m['title']}\n{t}") or [""] for t, m in zip(texts, metas, strict=True)]
            retriever = bm25s.BM25()
            retriever.index(corpus, show_progress=False)
        self.ids, self.metas = ids, metas
        self._retriever, self._fingerprint = retriever, fingerprint
        self._save(fingerprint)
        log.info("rebuilt BM25 side index: %d chunks in %.2fs", len(ids), time.perf_counter() - started)

    def _save(self, fingerprint: str) -> None:
        tmp = self.directory.with_name(self.directory.name + ".tmp")
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            if self._retriever is not None:
                self._retriever.save(str(tmp / "bm25"))
            payload = {"fingerprint": fingerprint, "ids": self.ids, "metas": self.metas}
            (tmp / "meta.json").write_text(json.dumps(payload), encoding="utf-8")
            shutil.rmtree(self.directory, ignore_errors=True)
            tmp.rename(self.directory)
        except OSError as exc:
            log.warning("could not save the BM25 side index to %s: %s", self.directory, exc)

    def idf(self, tokens: list[str]) -> list[float]:
        """BM25-style inverse document frequency; a token the corpus never uses gets the highest weight."""
        import math

        self.ensure()
        n = len(self.ids)
        if self._retriever is None or not n:
            return [1.0] * len(tokens)
        vocab, indptr = self._retriever.vocab_dict, self._retriever.scores["indptr"]
        out = []
        for tok in tokens:
            tid = vocab.get(tok)
            df = int(indptr[tid + 1] - indptr[tid]) if tid is not None and tid + 1 < len(indptr) else 0
            out.append(math.log(1 + (n - df + 0.5) / (df + 0.5)))
        return out

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    def search(
        self, query: str, k: int, keep: Callable[[dict], bool] | None = None
    ) -> list[tuple[int, float]]:
        """Top-k (position, score) among chunks that `keep` accepts; positions index `ids` and `metas`."""
        self.ensure()
        if self._retriever is None:
            return []
        token_ids = self._retriever.get_tokens_ids(self.tokenize(query))
        if not token_ids:
            return []
        scores = np.asarray(self._retriever.get_scores_from_ids(token_ids), dtype=np.float32)
        if keep is not None:
            mask = np.fromiter((keep(m) for m in self.metas), dtype=bool, count=len(self.metas))
            scores = np.where(mask, scores, 0.0)
        k = min(k, int((scores > 0).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top]
