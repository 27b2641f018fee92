"""Briefings without a language model: the sentences on a topic across the corpus, each quoted and cited,
grouped into headline figures, measures and a timeline; near-duplicates merged into one bullet with all
their citations, and figures that two sources give differently flagged side by side. A topic that names a
place or body keeps the passages about it; the others' sentences follow under "Elsewhere", each with the
title of its document.

The answer selector scores the sentences (as if the topic were a question) and the quantity reader finds
their figures and dates; nothing here is a new word list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from assistant.models import BRIEF_SECTIONS, Briefing, BriefItem, Citation, Hit
from assistant.reasoning.answer import Answerer, cite
from assistant.reasoning.selection import Candidate, held_share, split_situation
from assistant.text.frames import quote_subject
from assistant.text.names import certain_runs
from assistant.text.numbers import Quantity, read_quantities

_FIGURE_KINDS = ("count", "percent", "pp", "money")  # money:CNY, money:USD, ...
_DATE_KINDS = ("year", "month")
_SAME_SENTENCE = 0.92  # cosine above which two sentences say the same thing (merged into one bullet)
_SAME_TOPIC = 0.75  # ... above which two figures of one kind are about the same thing (compared)
_MIN_COS = 0.35  # a sentence sharing no word with the topic must be at least this close in meaning


class Briefer:
    """Builds a Briefing from the passages a search found for the topic."""

    def __init__(self, answerer: Answerer, embed: Callable[[Sequence[str]], np.ndarray], max_items: int = 30,
                 per_document: int = 8, within: float = 4.0):  # fmt: skip
        if max_items < 1 or per_document < 1:
            raise ValueError("max_items and per_document must be at least 1")
        self.answerer, self.embed = answerer, embed
        self.max_items, self.per_document, self.within = max_items, per_document, within

    def brief(self, topic: str, hits: list[Hit]) -> Briefing:
        chosen = self._select(topic, hits)
        if not chosen:
            return Briefing(topic=topic, items=[], citations=[])
        texts = [c.text for c in chosen]
        vectors = self.embed(texts)
        citations: list[Citation] = []
        items: list[BriefItem] = []
        kept_vectors: list[np.ndarray] = []
        kept_figures: list[list[Quantity]] = []
        kept_values: list[list[tuple]] = []
        subject = certain_runs(topic)
        passage_of: dict[str, Citation] = {}  # each passage is cited once, whatever its bullets
        first_bullet: dict[str, int] = {}  # a passage's best bullet places its others, in reading order
        where: list[tuple[int, int]] = []  # per bullet: (its passage's first bullet, its offset)
        spans: dict[str, list[tuple[int, int]]] = {}  # per passage, its bullets' sentences
        hit_of: dict[str, Hit] = {}
        for cand, text, vec in zip(chosen, texts, vectors, strict=True):
            spans.setdefault(cand.hit.chunk_id, []).append((cand.start, cand.end))
            hit_of[cand.hit.chunk_id] = cand.hit
            citation = passage_of.get(cand.hit.chunk_id)
            if citation is None:
                citation = cite(len(citations) + 1, cand.hit, cand.start, cand.end)
                passage_of[cand.hit.chunk_id] = citation
                citations.append(citation)
            quantities = read_quantities(text)
            figures = [q for q in quantities if q.kind.startswith(_FIGURE_KINDS)]
            values = sorted((q.kind, q.low, q.high) for q in figures)
            same = next((k for k, v in enumerate(kept_vectors)
                         if float(v @ vec) >= _SAME_SENTENCE and kept_values[k] == values), None)  # fmt: skip
            if same is not None:  # the same statement, same figures, in another place: one bullet
                if citation.n not in items[same].citations:
                    items[same].citations.append(citation.n)
                continue
            where.append(
                (first_bullet.setdefault(cand.hit.chunk_id, len(items)), cand.hit.start + cand.start)
            )
            dates = [q for q in quantities if q.kind in _DATE_KINDS]
            kind = "figure" if figures else "event" if dates else "measure"
            about = "" if on_subject(subject, cand.hit) else cand.hit.title or cand.hit.doc_id
            whose = quote_subject(cand.hit, cand.start, cand.end)
            items.append(BriefItem(kind="elsewhere" if about else kind, quote=text, citations=[citation.n],
                                   when=_when(dates, cand.hit), about=about, subject=whose))  # fmt: skip
            kept_vectors.append(vec)
            kept_figures.append(figures)
            kept_values.append(values)
        citations = [_spanning(c, spans[c.chunk_id], hit_of[c.chunk_id]) for c in citations]
        order = {kind: k for k, kind in enumerate(BRIEF_SECTIONS)}
        ranked = sorted(
            range(len(items)), key=lambda k: (order[items[k].kind], _event_date(items[k]), where[k])
        )
        items, citations = _renumber([items[k] for k in ranked], citations)
        _flag_conflicts(
            items, [kept_vectors[k] for k in ranked], [kept_figures[k] for k in ranked], citations
        )
        return Briefing(topic=topic, items=items, citations=citations)

    def _select(self, topic: str, hits: list[Hit]) -> list[Candidate]:
        """The topic's sentences: scored by the answer selector over every passage found, kept within
        `within` of the best score, at most `per_document` per document and `max_items` in all."""
        model = self.answerer.model
        candidates = self.answerer.featurizer.candidates(split_situation(topic), hits)  # every passage found
        if not candidates:
            return []
        logits = model.logits(np.asarray([c.features for c in candidates], dtype=np.float64))
        for c, s in zip(candidates, logits, strict=True):
            c.score = float(s)
        best = max(c.score for c in candidates)
        chosen, per_doc, seen = [], {}, set()
        for c in sorted(candidates, key=lambda c: -c.score):
            key = (c.hit.doc_id, c.hit.start + c.start)  # overlapping chunks hold the same sentence
            full = per_doc.get(c.hit.doc_id, 0) >= self.per_document
            # shares a term, or is close in meaning
            on_topic = c.named["lex_sentence"] > 0 or c.named["cos_sentence"] >= _MIN_COS
            if c.score < best - self.within or key in seen or full or not on_topic:
                continue
            seen.add(key)
            per_doc[c.hit.doc_id] = per_doc.get(c.hit.doc_id, 0) + 1
            chosen.append(c)
            if len(chosen) >= self.max_items:
                break
        return chosen


def on_subject(subject: list[str], hit: Hit) -> bool:
    """Is the passage about the topic's subject: does it, with its title, write half the names the topic
    writes for certain (`certain_runs`: "foreign investment in Harbor City": Harbor City, not "the city")? A
    topic naming nothing keeps every one."""
    return held_share(subject, hit) >= 0.5


def _spanning(c: Citation, spans: list[tuple[int, int]], hit: Hit) -> Citation:
    """A passage's one citation, quoting the stretch that holds all its bullets' sentences (so the page
    marks them all, not the first bullet's alone); its subject only when that stretch needs one."""
    start, end = min(a for a, _ in spans), max(b for _, b in spans)
    return replace(cite(c.n, hit, start, end), subject=c.subject if len(spans) == 1 else "")


def _event_date(item: BriefItem) -> str:
    return item.when if item.kind == "event" else ""  # the timeline in date order; the rest by score


def _renumber(items: list[BriefItem], citations: list[Citation]) -> tuple[list[BriefItem], list[Citation]]:
    """Citation numbers in reading order: the first bullet cites [1], the next new source [2], ..."""
    by_n = {c.n: c for c in citations}
    new: dict[int, int] = {}
    for it in items:
        for n in it.citations:
            new.setdefault(n, len(new) + 1)
        it.citations = [new[n] for n in it.citations]
    return items, [replace(by_n[old], n=n) for old, n in sorted(new.items(), key=lambda kv: kv[1])]


def _when(dates: list[Quantity], hit: Hit) -> str:
    """The date a sentence names (YYYY-MM or YYYY), else its document's date."""
    for q in dates:
        if q.kind == "month":  # the quantity reader writes January 2025 as 2025.01
            return f"{int(q.value):04d}-{round((q.value - int(q.value)) * 100):02d}"
    return str(int(dates[0].value)) if dates else hit.date


def _flag_conflicts(items: list[BriefItem], vectors: list[np.ndarray], figures: list[list[Quantity]],
                    citations: list[Citation]) -> None:  # fmt: skip
    """Two figures of one kind, about the same thing (similar sentences, a shared counted noun), from two
    documents about one subject, whose values cannot both hold: each bullet names the other."""
    doc_of = {c.n: c.doc_id for c in citations}
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if not figures[i] or not figures[j] or float(vectors[i] @ vectors[j]) < _SAME_TOPIC:
                continue
            if (items[i].kind == "elsewhere") != (items[j].kind == "elsewhere"):
                continue  # the topic's subject and another: two figures that may both hold
            if {doc_of[n] for n in items[i].citations} & {doc_of[n] for n in items[j].citations}:
                continue
            for a in figures[i]:
                b = next((b for b in figures[j] if _comparable(a, b) and not _agree(a, b)), None)
                if b is not None:
                    items[i].conflict = f"another source gives {b.text} [{items[j].citations[0]}]"
                    items[j].conflict = f"another source gives {a.text} [{items[i].citations[0]}]"
                    break


def _comparable(a: Quantity, b: Quantity) -> bool:
    return a.kind == b.kind and bool(set(a.noun) & set(b.noun))


def _agree(a: Quantity, b: Quantity) -> bool:
    return a.low <= b.high and b.low <= a.high
