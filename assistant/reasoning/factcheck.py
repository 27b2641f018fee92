"""Fact-check claims with figures: each figure is compared with figures of the same kind and subject in
the best evidence sentence; one contradiction makes the claim contradicted."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from assistant.index.keyword import KeywordIndex
from assistant.models import (
    Citation,
    FigureCheck,
    Frame,
    Hit,
    OtherStatement,
    StatementRole,
    Verdict,
    VerdictKind,
)
from assistant.reader.edits import direction_flips, negation_toggles
from assistant.reader.model import Reader
from assistant.reasoning.answer import cite, coverage, key_terms, names_present, period_of
from assistant.reasoning.confidence import CONFIDENCE_PATH, FigureConfidence
from assistant.reasoning.selection import gather, named_in
from assistant.reasoning.verdicts import Pair, PairFeaturizer, VerdictModel, judge_figure, polarity
from assistant.text.changes import ISO_DAY, Change, day_words, effective_date, read_changes
from assistant.text.chunking import is_heading, sentence_spans, titled
from assistant.text.frames import frame_at, known_subjects, passage_frames, subject_of
from assistant.text.names import certain_runs, names, ordinary_opening, short_forms, subject_names
from assistant.text.normalise import CJK_CHAR, is_chinese, other_script, shares_romanised_name
from assistant.text.numbers import (
    CONTEXT_KINDS,
    Quantity,
    digit_step,
    in_part,
    in_period,
    parts_of_year,
    place_in_year,
    read_quantities,
    year_words,
)

VERDICTS = ("supported", "contradicted", "not_found", "out_of_date", "disputed")
# A change decides a figure only when its sentence is about as much about the claim as the best sentence
# stating a changed figure of the claim's kind (term cover; set by hand on the issue-29 fitting notices).
_CHANGE_COVER_GAP = 0.15
# Another document's figure disputes the best sentence's when its sentence is about as much about the
# claim (this share of the best's term cover: a quoted sentence checked as a claim covers itself whole) and
# about the same years.
_DISPUTE_COVER = 0.5
# Two words for what figures count are one thing when the embedder places them this close (set by hand:
# firms/enterprises 0.79, companies/enterprises 0.74; jobs/employees 0.62, firms/jobs 0.50).
_ALIKE_NOUNS = 0.7
# ... and only in a sentence this close in meaning to the claim (its statement, in other words).
_ALIKE_CONTEXT = 0.6
# Two sources' sentences state one thing with two figures when this close in meaning (a report and its
# reprint 0.98; a count and a planted count 0.87).
DISPUTE_SIMILAR = 0.8
_PLAIN_WORD = re.compile(r"[a-z][a-z-]{2,}")
_STATED = ("supported", "disputed", "out_of_date")  # a figure's status where its sentence states it
_CHINESE_MIN_COVER = 0.8
# A heading line of a Chinese notice: short, no clause or sentence punctuation (二、支持标准, (二)租房资助).
_HEADING = re.compile(r"[^,;。!?:]{2,24}")
_DATES = ("month", "day")
# Compared within the best sentence, whatever follows them.
_ANY_NOUN = ("percent", "pp", "ordinal", "month", "day")
# Reporting verbs say nothing about the subject of a claim.
_CLAIM_NOISE = {
    "saw",
    "see",
    "reach",
    "record",
    "report",
    "total",
    "new",
    "has",
    "had",
    "true",
    "claim",
    "said",
}


@dataclass
class _Sentence:
    hit: Hit
    start: int
    end: int
    text: str
    cover: float
    figures: list[Quantity]
    across: bool = False  # in the other script than the claim: no word in common, meaning only
    own: float = 1.0  # the claim's terms the sentence writes itself (not its passage's carried subject)
    effective: str = ""  # the date its rule applies from (its frame's), when it says or carries one
    years: tuple[str, ...] = ()  # the years it is about (its frame's)
    changes_only: bool = False  # a change read at a looser cover: evidence for its change alone
    sim: float = -math.inf  # its closeness in meaning to the claim (the embedder's cosine)


class FactChecker:
    """Rules a fact-checker would apply to figures: same subject and measure, qualifiers respected."""

    def __init__(self, keyword: KeywordIndex, embed: Callable[[Sequence[str]], np.ndarray] | None = None,
                 passages: int = 6, min_cover: float = 0.35, min_similarity: float = 0.7,
                 stored: Callable[[list[str]], dict] | None = None,
                 model: VerdictModel | Path | None = None, fitted_embedder: bool = True,
                 cross_lingual: bool = False, reader: Reader | None = None, as_of: str = ""):  # fmt: skip
        if as_of and not ISO_DAY.fullmatch(as_of):
            raise ValueError(f"as_of must be a date as YYYY-MM-DD, got {as_of!r}")
        if not 0 <= min_cover <= 1 or not 0 <= min_similarity <= 1:
            raise ValueError(f"min_cover and min_similarity must lie between 0 and 1, got {min_cover}, "
                             f"{min_similarity}")  # fmt: skip
        self.keyword, self.embed, self.passages, self.stored = keyword, embed, passages, stored
        self.min_cover, self.min_similarity = min_cover, min_similarity
        self.featurizer = PairFeaturizer(keyword, embed, stored, passages, _same_subject)
        self._model = model  # a Path is read on the first check, so a refit can run without a model file
        self.fitted_embedder = fitted_embedder  # the embedder the verdict model's similarities came from
        self.cross_lingual = cross_lingual  # the embedder places Chinese and English sentences in one space
        self.reader = reader
        self.as_of = as_of  # the day claims that give no date are judged at: the rules in force then
        self._word_vectors: dict[str, np.ndarray] = {}
        self._confidence: FigureConfidence | bool | None = None  # read on the first figure verdict

    def same(self, claim_fig: Quantity, evidence: Quantity) -> bool:
        """`_same_subject`, with the things two figures count also the same when the embedder places two of
        their words close ("2,012 firms" and "2,012 foreign-funded enterprises")."""
        if _same_subject(claim_fig, evidence):
            return True
        counted = claim_fig.kind not in _ANY_NOUN and claim_fig.noun and evidence.noun
        return bool(counted) and self._nouns_alike(claim_fig.noun, evidence.noun)

    def similarity(self, a: _Sentence, b: _Sentence) -> float:
        """How close in meaning two sentences of the passages are (the embedder's cosine)."""
        _head, vectors = gather(
            self.embed, self.stored, [], [(a.hit, a.start, a.end), (b.hit, b.start, b.end)]
        )
        return float(vectors[0] @ vectors[1])

    def _completed(self, change: Change, sentence: _Sentence, sentences: list[_Sentence]) -> Change | None:
        """A change that sets only the new value ("上限调整为800万元"), with the old one: the value of its
        measure in an earlier document of the same issuer (its source, else its subject) about the claim;
        None when there is none."""
        if change.old is not None:
            return change
        hit, best = sentence.hit, (0.0, None)
        # the earlier statement most about what the change sets: most of the change sentence's terms
        terms = key_terms(self.keyword, re.sub(r"[\d.,]+", " ", sentence.text), _CLAIM_NOISE)
        for s in sentences:
            earlier = s.hit.doc_id != hit.doc_id and s.hit.date and hit.date and s.hit.date < hit.date
            issuer = (s.hit.source and s.hit.source == hit.source) or (
                subject_of(s.hit) and subject_of(s.hit) == subject_of(hit)
            )
            if not earlier or not issuer or s.changes_only or read_changes(s.text):
                continue
            share = coverage(terms, self.keyword.tokenize(s.text))
            for e in s.figures:
                if e.kind == change.new.kind and self.same(change.new, e) and not _level(e, change.new):
                    if share >= max(best[0], self.min_cover) and (best[1] is None or share > best[0]):
                        best = share, Change(e, change.new)
        return best[1]

    def _same_in(self, sentence: _Sentence):
        """The rule for "the same thing counted" in a sentence: other words for it only in a sentence close
        in meaning to the claim (genes are not genomes, whatever their words' vectors say)."""
        return self.same if sentence.sim >= _ALIKE_CONTEXT else _same_subject

    def _counted_alike(self, counted: list[list[str]], figures: list[Quantity]) -> str:
        """The words for what a claim's figures count, where a sentence's figures count the same thing in
        other words (firms: foreign-funded enterprises), so the sentence is read as writing them."""
        out = []
        for noun in counted:
            if any(q.noun and q.kind not in _ANY_NOUN and self._nouns_alike(noun, q.noun) for q in figures):
                out.extend(noun)
        return " ".join(out)

    def _nouns_alike(self, a: list[str], b: list[str]) -> bool:
        a, b = [w for w in a if _PLAIN_WORD.fullmatch(w)], [w for w in b if _PLAIN_WORD.fullmatch(w)]
        if self.embed is None or not a or not b:
            return False
        new = [w for w in dict.fromkeys(a + b) if w not in self._word_vectors]
        if new:
            self._word_vectors.update(zip(new, self.embed(new), strict=True))
        return max(float(self._word_vectors[x] @ self._word_vectors[y]) for x in a for y in b) >= _ALIKE_NOUNS

    def today(self) -> str:
        """The day (YYYY-MM-DD) a claim that gives no date is judged at: `as_of`, else today."""
        return self.as_of or date.today().isoformat()

    def check(self, claim: str, hits: list[Hit], subject: Sequence[str] = ()) -> Verdict:
        """The figure rules' verdict and the learned model's, combined (see `combine`), then read. `subject`:
        names the claim is about without writing them (a draft's sentence saying "the city")."""
        rule = self.by_figures(claim, hits, subject)
        if rule.verdict != "not_found":
            rule.decided_by = "figures"
            self.rate(rule)
        if self.model is None or not self.fitted_embedder or is_chinese(claim):
            return _with_elsewhere(self.read(self.turn(rule), hits), rule)  # the model: another embedder's
        pairs = self.featurizer.pairs(claim, hits, claim_names(claim) + list(subject), subject)
        self.model.score(pairs)
        verdict = self.read(self.turn(self.combine(rule, self._learned(claim, pairs, hits), pairs)), hits)
        return _with_elsewhere(verdict, rule)

    def rate(self, verdict: Verdict) -> None:
        """A figure verdict's confidence and its basis: the fitted figure-verdict confidence over how its
        figures matched; without that file, the figure rules' precision on SciFact's training claims."""
        if self._confidence is None:
            self._confidence = FigureConfidence.load() if CONFIDENCE_PATH.exists() else False
        if self._confidence and verdict.signals:
            p = self._confidence.probability(verdict.verdict, verdict.signals)
            basis = self._confidence.basis[self._confidence.kind(verdict.verdict)]
            if verdict.verdict in ("out_of_date", "disputed"):
                basis += f"; {verdict.verdict.replace('_', ' ')} verdicts are read with the supported model"
            if verdict.verdict == "disputed":  # which source is right is not known: each as likely
                stating = 1 + sum(len(part.also) for part in verdict.parts if part.status == "disputed")
                p, basis = p / stating, f"{basis}; divided among the {stating} sources that differ"
            verdict.confidence, verdict.basis = round(p, 3), basis
            return
        kind = "supported" if verdict.verdict in ("out_of_date", "disputed") else verdict.verdict
        verdict.confidence = self.model.rule_precision.get(kind, 0.0) if self.model else 0.0
        verdict.basis = "the figure rules' precision on SciFact's training claims" if self.model else ""

    def turn(self, verdict: Verdict) -> Verdict:
        """A support whose sentence says it the other way round (`verdicts.polarity`: one negated and the
        other not, or a shared word going up in one and down in the other) is a contradiction: figures and
        meaning matched, so the sentence is about the claim, and it states the opposite."""
        if verdict.verdict != "supported":
            return verdict
        for c in verdict.citations:
            if self._polarity(verdict.claim, c.quote, titled(c.title, c.passage)) == "reversed":
                c = replace(c, n=1)
                text = f"The corpus states otherwise [1]: {c.shown} ({_ref(c)})."
                # a support's confidence, at most the figure rules' precision for a contradiction
                sure = (
                    self.model.rule_precision.get("contradicted", 0.0) if self.model else verdict.confidence
                )
                return Verdict(verdict.claim, "contradicted", text, [c], decided_by="polarity",
                               confidence=round(min(verdict.confidence, sure), 3))  # fmt: skip
        return verdict

    def read(self, verdict: Verdict, hits: list[Hit]) -> Verdict:
        """A support is read by the reader, the claim beside its turned versions (a direction word swapped
        for its opposite, a negation added or removed): figures and names can agree while the sentence goes
        the other way ("cut" / "stepped up"). The sentence says the opposite when the claim reads as
        contradicted and a turned claim fits it clearly better (by `TURN_MARGIN`): then, if the reader is
        sure, the verdict is contradicted, else the support is withdrawn. A claim that cannot be turned
        loses its support only when the reader is sure and the figure rules did not decide it: "more than
        100" against "over 140" is theirs to compare (the reader reads any other number as a conflict)."""
        if self.reader is None or verdict.verdict != "supported" or not verdict.citations:
            return verdict
        claim, quotes = verdict.claim, [c.quote for c in verdict.citations]
        if all(self._polarity(claim, c.quote, titled(c.title, c.passage), 1.0) == "same"
               for c in verdict.citations):  # fmt: skip
            return verdict  # every word of the claim there, negation and direction alike: nothing to turn
        turned = list(dict.fromkeys(direction_flips(claim) + negation_toggles(claim)))[:6]
        texts = [claim, *turned]
        reading = self.reader.read_pairs([t for t in texts for _ in quotes], quotes * len(texts))
        against = reading.of("contradicts").reshape(len(texts), len(quotes))
        worst = int(np.argmax(against[0]))
        p = float(against[0, worst])
        gap = p - float(against[1:, worst].min()) if turned else None
        sure, leans = self.reader.thresholds["contradicts"], self.reader.thresholds["doubt"]
        opposite = gap is not None and gap >= TURN_MARGIN
        alone = p >= sure and (turned or verdict.decided_by != "figures")
        if not (alone or (opposite and p >= leans)):
            return verdict
        c = replace(verdict.citations[worst], n=1)
        if opposite and p >= sure:
            text = f"The corpus states otherwise [1]: {c.shown} ({_ref(c)})."
            return Verdict(claim, "contradicted", text, [c], confidence=round(p, 3), decided_by="reader")
        text = f"{_RELATED} The closest sentence may say the opposite: {c.shown} ({_ref(c)})."
        return Verdict(
            claim, "not_found", text, related=hits[:3], confidence=round(p, 3), decided_by="reader"
        )

    def combine(self, rule: Verdict, learned: Verdict, pairs: list[Pair]) -> Verdict:
        """A figure verdict stands (it names the conflicting or matching figure), unless it says supported
        from a sentence that reverses the claim's polarity or direction ("type 2 diabetes" matches, "lower
        risk" does not); then, and when the figures settle nothing, the model's verdict. A figure verdict's
        confidence is the figure rules' precision on the fitting claims. A figure support whose sentence
        reads the other way round (`turn`) is a contradiction."""
        turned = self.turn(rule)
        if turned is not rule:  # the figures agree, the sentence says it the other way round
            return turned
        return rule if self.rule_stands(rule, pairs) else learned

    @staticmethod
    def rule_stands(rule: Verdict, pairs: list[Pair]) -> bool:
        turned = rule.verdict == "supported" and reverses_claim(rule.citations, pairs)
        return rule.verdict != "not_found" and not turned

    def _polarity(self, claim: str, sentence: str, context: str, cover: float = 0.5):
        """`verdicts.polarity`, the sentence's short names written out as its passage defines them, and the
        claim's names that its passage holds taken as said."""
        stem = self.keyword.tokenize.stem if self.keyword is not None else str.lower
        for short, long in short_forms(context).items():
            sentence = _short_name(short).sub(long, sentence)
        carried = [n for n in claim_names(claim) if named_in(n, context)]
        return polarity(claim, sentence, stem, cover, carried)

    @property
    def model(self) -> VerdictModel | None:
        if isinstance(self._model, Path):
            self._model = VerdictModel.load(self._model)
        return self._model

    def _learned(self, claim: str, pairs: list[Pair], hits: list[Hit]) -> Verdict:
        """The model's verdict: the sentence most likely to state the claim (or its opposite), given only
        when its calibrated confidence reaches the threshold chosen for precision."""
        m = self.model
        pairs = [p for p in pairs if p.eligible]
        if not pairs:
            return Verdict(claim, "not_found", _NOTHING, related=hits[:3], confidence=1.0, decided_by="model")
        stating = [p for p in pairs if p.states_figures]
        best_s = max(stating, key=lambda p: p.support) if stating else None
        best_c = max(pairs, key=lambda p: p.contradict)
        conf_s = m.confidence("supported", best_s.support) if best_s else 0.0
        conf_c = m.confidence("contradicted", best_c.contradict)
        if conf_c >= m.thresholds["contradicted"] and conf_c >= conf_s:
            c = cite(1, best_c.hit, best_c.start, best_c.end)
            text = f"The corpus states otherwise [1]: {c.shown} ({_ref(c)})."
            return Verdict(claim, "contradicted", text, [c], confidence=round(conf_c, 3), decided_by="model")
        if best_s is not None and conf_s >= m.thresholds["supported"]:
            c = cite(1, best_s.hit, best_s.start, best_s.end)
            text = f"The corpus states this [1]: {c.shown} ({_ref(c)})."
            return Verdict(claim, "supported", text, [c], confidence=round(conf_s, 3), decided_by="model")
        # A sentence as much about the claim as a support must be, that says it the other way round.
        about = max(stating or pairs, key=lambda p: p.support + p.contradict)
        conf_r = m.confidence("supported", about.support + about.contradict)
        context = titled(about.hit.title, about.hit.passage)
        turned = self._polarity(claim, about.text, context, _REVERSED_COVER) == "reversed"
        if conf_r >= m.thresholds["supported"] and turned:
            c = cite(1, about.hit, about.start, about.end)
            text = f"The corpus states otherwise [1]: {c.shown} ({_ref(c)})."
            return Verdict(claim, "contradicted", text, [c], confidence=round(conf_r, 3),
                           decided_by="polarity")  # fmt: skip
        related = {}
        for p in sorted(pairs, key=lambda p: -max(p.support, p.contradict)):
            related.setdefault(p.hit.chunk_id, p.hit)
        related = list(related.values())
        return Verdict(claim, "not_found", _RELATED, related=related[:3],
                       confidence=round(1 - max(conf_s, conf_c), 3), decided_by="model")  # fmt: skip

    def by_figures(self, claim: str, hits: list[Hit], subject: Sequence[str] = (),
                   at: tuple[Hit, int, int] | None = None) -> Verdict:  # fmt: skip
        """The figure rules alone: each figure of the claim against the same kind of figure about the same
        subject in the best sentence. Without a figure the rules say nothing: shared words alone cannot tell
        "X raises Y" from "X does not raise Y", so the verdict model decides. `at`: where the claim is a
        sentence of a passage (an answer's quote), whose vector was stored at ingest."""
        figures = read_quantities(claim)
        checkable = [f for f in figures if f.kind not in CONTEXT_KINDS]
        if not checkable:
            return Verdict(claim, "not_found", _NOTHING, related=hits[:3])
        years = year_words(figures)
        periods = parts_of_year(figures)
        # a common word opening the claim ("Employers in Oakridge …") is no name its evidence must write,
        # unless the passages write it capitalised mid-sentence ("… at Harlow", "in Beijing")
        names = list(dict.fromkeys([*claim_names(claim), *subject]))
        opening = ordinary_opening(claim)
        written = _mid_sentence(opening) if opening else None
        if written is not None and any(written.search(titled(h.title, h.passage)) for h in hits):
            opening = ""
        loose = [n for n in names if n != opening] if opening else None
        # The claim's terms are read with its figures cut out, so no Chinese bigram joins a figure to a word
        # (海南前8个月: 南前); 同比增长 before a Chinese figure is its direction, judged with it, not a term.
        chinese = is_chinese(claim)
        cut = [(max(0, f.start - 4) if f.direction and chinese else f.start, f.end) for f in figures]
        terms_text = "".join(" " if any(a <= i < b for a, b in cut) else ch for i, ch in enumerate(claim))
        weights = key_terms(self.keyword, " ".join([terms_text, *subject]), _CLAIM_NOISE)
        elsewhere: list = []  # sentences about another subject: (hit, subject, figures, term cover)
        sentences = self._sentences(
            claim, hits[: self.passages], names, years, weights, periods, subject, elsewhere, at, loose
        )
        # A date beside other figures says when they held ("815 by the end of June"): it is judged in the
        # sentences that state them, not against any other date about the place.
        amounts = [f for f in checkable if f.kind not in _DATES]
        unnamed = not names and not chinese  # a Chinese claim names its place in words, not as names
        when = self._when(figures)
        judged, others = {}, {}
        for f in amounts:
            ruled = self._by_change(f, sentences, when)
            if ruled is None:
                judged[id(f)] = self._judge(f, sentences, unnamed)
                differs = None if unnamed else _disputing(f, *judged[id(f)], sentences, self)
                if differs is not None:
                    judged[id(f)] = ("disputed", *judged[id(f)][1:])
                    others[id(f)] = [differs]
            else:
                status, evidence, sentence, also = ruled
                judged[id(f)] = status, evidence, sentence
                others[id(f)] = also
        stating = [s for status, _e, s in judged.values() if status in _STATED]
        dated = when[2] and bool(others) and any(o.role != "differs" for os in others.values() for o in os)
        for f in checkable:
            if f.kind in _DATES:
                if dated:  # the claim's date chose the rule in force then: it was judged with that rule
                    continue
                status, evidence, sentence = self._judge(f, stating if amounts else sentences, unnamed)
                if status == "contradicted" and evidence.as_of:  # a total at another moment: neither
                    status, evidence, sentence = "not_found", None, None
                judged[id(f)] = status, evidence, sentence
        parts, citations, ways = [], [], {}
        missing = any(s == "not_found" for s, *_ in judged.values())
        elsewhere = _given_elsewhere(amounts, elsewhere, self.same) if missing else []
        for figure in checkable:
            if id(figure) not in judged:
                continue
            status, evidence, sentence = judged[id(figure)]
            said = _as_said(evidence, sentence.text) if evidence else ""
            part = FigureCheck(_as_said(figure, claim), status, said)
            if evidence is not None and figure.direction * evidence.direction < 0:
                ways[id(part)] = _with_direction(figure), _with_direction(evidence)
            if sentence is not None:
                part.n = _cite_once(citations, sentence).n
            for other in others.get(id(figure), []):
                said_there = _as_said(other.figure, other.sentence.text)
                n = _cite_once(citations, other.sentence).n
                part.also.append(OtherStatement(said_there, n, other.role, other.since))
            parts.append(part)
        verdict = _overall([p.status for p in parts])
        deciding = [(f, *judged[id(f)][1:]) for f in amounts if judged[id(f)][0] != "not_found"]
        signals = _signals(deciding, sentences, checkable, parts, bool(names), chinese)
        return Verdict(
            claim=claim,
            verdict=verdict,
            explanation=_explain(verdict, parts, citations, ways),
            citations=citations if verdict != "not_found" else [],
            related=hits[:3] if verdict == "not_found" else [],
            parts=parts,
            elsewhere=elsewhere if verdict == "not_found" else [],
            signals=signals,
        )

    def _when(self, figures: list[Quantity]) -> tuple[str, str, bool]:
        """The days (first, last; YYYY-MM-DD) a claim is about, from its years and months, and whether it
        said them; a claim that says none is about the day it is checked (`as_of`, else today)."""
        spans = [_days(q) for q in figures if q.kind in ("year", "month") and q.value >= 1900]
        spans = [d for d in spans if d]
        if not spans:
            return self.today(), self.today(), False
        return min(a for a, _ in spans), max(b for _, b in spans), True

    def _by_change(self, figure: Quantity, sentences: list[_Sentence], when: tuple[str, str, bool]):
        """A figure judged by a rule's change (`text.changes`) in a sentence about the claim: (status,
        evidence, sentence, other statements) or None when no change moves a figure of its kind. The value
        in force on the claim's days counts: the new one from the change's effective date, the old one
        before; the old value after it is out of date, the new one before it not yet in force."""
        found = [
            (s, self._completed(c, s, sentences))
            for s in sentences
            if s.effective and not s.across
            for c in read_changes(s.text)
            if c.new.kind == figure.kind and self.same(figure, c.new)
        ]
        found = [(s, c) for s, c in found if c is not None]  # fmt: skip
        matching = [(s, c, which) for s, c in found for which in ("new", "old") if _states(figure, c, which)]
        if not matching or matching[0][0].cover < found[0][0].cover - _CHANGE_COVER_GAP:
            return None  # its measure is not one a change moved (640 million of approvals, not the minimum)
        sentence, change, which = matching[0]
        first, last, _said = when
        since = sentence.effective
        before, after = last < since, first >= since
        old_said = next((s for s in sentences if s is not sentence and not s.changes_only
                         and not read_changes(s.text) and any(_level(e, change.old) for e in s.figures)),
                        None)  # fmt: skip
        new = _Other(change.new, sentence, "current" if since <= self.today() else "later", since)
        old = change.old if old_said is None else next(e for e in old_said.figures if _level(e, change.old))
        if which == "new":
            if before:  # not yet in force on the claim's days: the old value was
                return "contradicted", old, old_said or sentence, [_Other(change.new, sentence, "later",
                                                                                 since)]  # fmt: skip
            return "supported", change.new, sentence, [_Other(old, old_said or sentence, "replaced", since)]
        if after:
            return "out_of_date", old, old_said or sentence, [new]
        return "supported", old, old_said or sentence, [new]

    def _sentences(self, claim: str, hits: list[Hit], names: list[str], years: set[str], weights,
                   periods: list[Quantity], subject: Sequence[str] = (),
                   elsewhere: list | None = None, at: tuple[Hit, int, int] | None = None,
                   loose: list[str] | None = None):  # fmt: skip
        """Sentences about the claim's subject: enough of its rare terms, or (other words for the same
        thing) close in meaning by the embedder; best term coverage first, then closest. A Chinese claim has
        no names we can read, so a Chinese sentence must hold most of its terms (北京 is not 云岭, however
        close in meaning); an English one, which can hold none of them, must be in a passage that writes a
        name of the claim in pinyin (北京: Beijing) and be close in meaning by a cross-lingual embedder. A
        sentence whose frame is about another subject is left out, and listed in `elsewhere` (hit, subject,
        figures, cover) when it holds enough of the claim's other terms."""
        chinese = is_chinese(claim)
        min_cover = _CHINESE_MIN_COVER if chinese else self.min_cover
        counted = [q.noun for q in read_quantities(claim) if q.noun and q.kind not in _ANY_NOUN]
        carried_terms = set(self.keyword.tokenize(" ".join(subject)))
        own_terms = {t: w for t, w in weights.items() if t not in carried_terms}  # the claim's own words
        found, elsewhere = [], elsewhere if elsewhere is not None else []
        whose = subject_names(claim)  # not a draft's carried names: by position, they may be a plan's
        name_terms = set(self.keyword.tokenize(" ".join(whose)))
        known = known_subjects(hits)
        competes = any(named_in(n, k) for n in whose for k in known)  # the claim names one of them
        for hit in hits:
            context = titled(hit.title, hit.passage)
            present = names_present(names, context)
            # a passage that writes the claim's names but for a common word opening it ("Employers in …")
            # is read for its rules' changes alone
            changes_only = not present and loose is not None and names_present(loose, context)
            present = present or changes_only
            if not present and not whose:
                continue
            across = other_script(claim, hit.passage)
            if chinese and across and not (self.cross_lingual and shares_romanised_name(claim, context)):
                continue
            title_parts = parts_of_year(read_quantities(hit.title)) if periods else []
            heading, lead, table_head = "", "", ""
            defined = short_forms(context)
            # only names no sentence start made (not "Leakage rose …"), and only those the passage writes
            passage_names = [n for n in certain_runs(claim) + list(subject) if named_in(n, context)]
            # a subject (a place, a zone) is carried to every sentence; a firm or a person only to its own
            subjects = [n for n in passage_names if any(named_in(n, k) or named_in(k, n) for k in known)]
            framed = passage_frames(hit)
            for a, b in sentence_spans(hit.passage):
                text = hit.passage[a:b]
                frame = frame_at(hit, a, b, framed)
                other = _about_another(frame, whose, claim, subject, text, known)
                if not present or (other and competes):  # its figures are another subject's
                    if other and not is_heading(text):
                        terms = {t: w for t, w in own_terms.items() if t not in name_terms}
                        share = coverage(terms, self.keyword.tokenize(text))
                        if share >= min_cover:
                            elsewhere.append((hit, frame.subject, read_quantities(text), share))
                    continue
                if _HEADING.fullmatch(text.strip()):
                    heading = text.strip()
                if is_heading(text):  # a Markdown heading is the title of what follows, never evidence
                    lead = table_head = ""
                    continue
                row = text.lstrip().startswith("|")
                if row and not table_head:
                    table_head = text
                elif not row:
                    lead, table_head = text, ""
                figures = read_quantities(text)
                if any(q.kind == "month_of_year" for q in figures):  # 截至6月底: the year of its period
                    said, _parts = period_of(hit, a, text)
                    if len(said) == 1:
                        figures = place_in_year(figures, int(next(iter(said))))
                if all(in_period(y, text, hit.title, hit.date) or y in frame.years for y in years) and all(
                    in_part(p, text, figures, title_parts) for p in periods
                ):
                    # a Chinese notice names its place in its title and rarely again (全年…, 区内…), and
                    # its subject in the heading above (（二）租房资助, then 对…给予…)
                    read = f"{hit.title} {heading} {text}" if chinese and not across else text
                    if row:  # a table line is read under its table's lead-in sentence and header row
                        read = f"{hit.title} {lead} {table_head} {text}"
                    elif not chinese:  # the passage's subject, which the sentence need not repeat
                        carried = subjects + [n for n in passage_names if named_in(n, frame.subject)]
                        read = f"{text} {' '.join(carried)} {_other_forms(text, defined)}"
                    cover = coverage(weights, self.keyword.tokenize(read))
                    # across languages no word is shared: the sentence's meaning chose it, not its words
                    own = (
                        1.0
                        if across
                        else cover
                        if chinese or row
                        else coverage(own_terms, self.keyword.tokenize(text))
                    )
                    found.append((hit, a, b, text, figures, cover, across, own, frame, read, changes_only))
        similarity = np.full(len(found), -np.inf)  # not compared: never close
        if self.embed is not None and found and (not chinese or self.cross_lingual):
            spans = [(h, a, b) for h, a, b, *_ in found]
            if at is None:
                head, vectors = gather(self.embed, self.stored, [claim], spans)
            else:  # a quoted sentence: its stored vector
                _none, vectors = gather(self.embed, self.stored, [], [at, *spans])
                head, vectors = vectors[:1], vectors[1:]
            similarity = vectors @ head[0]
        out = []
        for (hit, a, b, text, figures, cover, across, own, frame, read, changes_only), sim in zip(
            found, similarity, strict=True
        ):
            close = sim >= self.min_similarity and (across or not chinese)
            if counted and not chinese and sim >= _ALIKE_CONTEXT:  # "firms", said "enterprises"
                alike = self._counted_alike(counted, figures)
                cover = coverage(weights, self.keyword.tokenize(f"{read} {alike}")) if alike else cover
            effective = frame.effective or effective_date(text, hit.date)
            # a notice's change names its measure more briefly than the rule it amends (租房补贴标准由…):
            # it is read for the change alone at the looser cover
            moves = bool(effective) and not across and cover >= self.min_cover and bool(read_changes(text))
            if changes_only and not moves:
                continue
            if close or (cover >= min_cover and not (chinese and across)) or moves:
                # across languages no term is shared: the closest sentence comes first
                years = frame.years or tuple(sorted(year_words(figures)))
                weak = changes_only or (not close and cover < min_cover)
                s = _Sentence(
                    hit, a, b, text, cover, figures, across, own, effective, years, weak, float(sim)
                )
                out.append((s, -sim if across else 0.0))
        return [s for s, _rank in sorted(out, key=lambda x: (-x[0].cover, x[1]))]

    def _judge(self, figure: Quantity, sentences: list[_Sentence], unnamed: bool = False):
        """(status, evidence figure, sentence) for one claim figure, from the best sentence with a match. A
        claim that names no subject ("in the city") is about whichever document states its figure: another
        document's different figure is another subject's, not a contradiction. In
        the other language the subject of a figure cannot be read (its nouns share no word), so a sentence
        there that states the figure is taken before one that states another, and only a figure near the
        claim's counts there: 'over 200' is not borne out by 超4.6万家, nor 2,012 refuted by 73家 (a tenfold
        gap is another thing counted; 3.6亿 against 3.6 billion is one step)."""
        for sentence in (s for s in sentences if s.across):
            status, same = judge_figure(figure, sentence.figures, self.same)
            if status == "supported" and _near_bound(figure, same[0]):
                return status, same[0], sentence
        sentences = [s for s in sentences if not s.changes_only]
        for k, sentence in enumerate(sentences):
            status, same = judge_figure(figure, sentence.figures, self._same_in(sentence))
            if status == "supported" and (not sentence.across or _near_bound(figure, same[0])):
                return status, same[0], sentence
            if status == "contradicted" and unnamed:
                doc = sentence.hit.doc_id
                for other in sentences[k + 1 :]:
                    found, alike = judge_figure(figure, other.figures, self._same_in(other))
                    if found == "supported" and other.hit.doc_id != doc and not other.across:
                        return found, alike[0], other
            if status == "contradicted" and sentence.across:
                same = [e for e in same if _size_gap(figure, e) <= 1.0 or figure.direction * e.direction < 0]
            if status == "contradicted" and figure.kind in _ANY_NOUN and not sentence.own:
                continue  # a share or rate of what? the sentence writes none of the claim's own words
            if (
                status == "contradicted" and same
            ):  # the figure it is most likely about: same noun, nearest size
                nearest = max(same, key=lambda e: (_noun_overlap(figure, e), -_size_gap(figure, e)))
                return status, nearest, sentence
        return "not_found", None, None


def _about_another(frame: Frame, whose: list[str], claim: str, subject: Sequence[str], text: str,
                   known: set[str]) -> bool:  # fmt: skip
    """Is a sentence about another subject than the claim's: its frame's subject (a name opening it only
    when that is a document's or a heading's, one of `known`; else, for a speaker or a firm, the subject of
    its part of the document) is none the claim names, and the sentence writes none of the claim's names?
    Its figures are that subject's: neither support nor contradiction."""
    own = frame.origin == "own" and frame.subject not in known
    whom = frame.scope if own else frame.subject  # a speaker or a firm: the subject of its part
    if not whose or not whom:
        return False
    about = f"{claim} {' '.join(subject)}"
    if named_in(whom, about) or any(named_in(n, whom) for n in whose):
        return False  # the claim's subject, or a part of its name (Lakeshore: Lakeshore New Area)
    return not any(named_in(n, text) for n in whose)


def _given_elsewhere(figures: list[Quantity], elsewhere: list, same_subject=None) -> list[tuple[str, Hit]]:
    """The claim's measure as stated for another subject ("Harbor City: 3,480"), from the sentences
    `_sentences` set aside, the same figure first, then the closest in words; where both name what they
    count, only with a noun in common. Shown as related, never as evidence."""
    found = []
    for hit, whose, stated, cover in elsewhere:
        for f in figures:
            status, same = judge_figure(f, stated, same_subject or _same_subject)
            same = [e for e in same if f.kind in _ANY_NOUN or not (f.noun and e.noun) or _noun_overlap(f, e)]
            if status != "not_found" and same:
                found.append((status != "supported", -cover, f"{whose}: {same[0].text}", hit))
    out: dict[str, Hit] = {}
    for *_rank, said, hit in sorted(found, key=lambda x: x[:2]):
        out.setdefault(said, hit)
    return list(out.items())[:2]


@dataclass
class _Other:
    """Another statement bearing on a claim's figure, before it is cited (see `OtherStatement`)."""

    figure: Quantity
    sentence: _Sentence
    role: StatementRole
    since: str = ""


def _states(figure: Quantity, change: Change, which: str) -> bool:
    """Does a change's old or new value state the claim's figure as a level (its bound and direction aside:
    "at least 80 million yuan" is the rule's 80 million yuan; its sentence was chosen for the measure)?"""
    value = change.new if which == "new" else change.old
    return value is not None and _level(figure, value)


def _level(a: Quantity, b: Quantity) -> bool:
    """Do two figures state one level, whatever bound each sets ("at least 80 million" and 80 million)?"""
    return a.kind == b.kind and math.isclose(a.value, b.value, rel_tol=1e-9)


def _days(q: Quantity) -> tuple[str, str] | None:
    """The first and last day (YYYY-MM-DD) a year or month figure covers: 2024 → 2024-01-01, 2024-12-31."""
    if q.kind == "year":
        return f"{int(q.value)}-01-01", f"{int(q.value)}-12-31"
    low, high = round(q.low * 10000), round(q.high * 10000)  # 2025.0301 → 20250301
    if not 1900_01_01 <= low <= high <= 2199_12_31:
        return None
    return (f"{low // 10000}-{low // 100 % 100:02d}-{low % 100:02d}",
            f"{high // 10000}-{high // 100 % 100:02d}-{high % 100:02d}")  # fmt: skip


def _disputing(figure: Quantity, status: str, evidence: Quantity | None, sentence: _Sentence | None,
               sentences: list[_Sentence], checker: FactChecker) -> _Other | None:  # fmt: skip
    """Another document's statement of the same frame that cannot hold with the one a figure was judged by:
    about as much about the claim, about the same years, a figure of the same measure, and a verdict the
    other way (one source bears the claim out, the other refutes it). No change joins them (`_by_change`
    came first): two sources simply differ."""
    if status not in ("supported", "contradicted") or sentence is None or sentence.across:
        return None
    for other in sentences:
        if other.hit.doc_id == sentence.hit.doc_id or other.across or other.changes_only:
            continue
        if read_changes(other.text):
            continue
        if other.cover < sentence.cover * _DISPUTE_COVER or set(other.years) != set(sentence.years):
            continue
        found, same = judge_figure(figure, other.figures, checker._same_in(other))
        if found not in ("supported", "contradicted") or found == status:
            continue
        meaning = checker.embed is not None and (checker.cross_lingual or not is_chinese(sentence.text))
        if meaning and checker.similarity(sentence, other) < DISPUTE_SIMILAR:
            continue  # another statement, not the same one with another figure
        same = [e for e in same if e.kind == evidence.kind and not e.overlaps(evidence)
                and (not (e.noun and evidence.noun) or _noun_overlap(e, evidence))]  # fmt: skip
        if same:
            return _Other(same[0], other, "differs")
    return None


def _signals(deciding: list, sentences: list[_Sentence], checkable: list[Quantity], parts: list[FigureCheck],
             named: bool, chinese: bool) -> dict[str, float]:  # fmt: skip
    """How the figures matched, for the verdict's confidence (`confidence.FIGURE_FEATURES`): `deciding` is
    (claim figure, evidence figure, sentence) for each amount the rules settled."""
    if not deciding:
        return {}
    stated = [s for _f, _e, s in deciding]
    figure, evidence, sentence = deciding[0]
    agree = {s.hit.doc_id for s in sentences if not s.changes_only and s.hit.doc_id != sentence.hit.doc_id
             and any(_level(e, evidence) for e in s.figures)}  # fmt: skip
    closeness = [s.sim for s in stated if math.isfinite(s.sim)]
    return {
        "exact": float(all(_level(f, e) for f, e, _s in deciding)),
        "cover": min(s.cover for s in stated),
        "own": min(s.own for s in stated),
        "sim": max(0.0, max(closeness)) if closeness else 0.0,
        "agree": float(min(3, len(agree))),
        "other": float(any(p.also for p in parts)),
        "named": float(named),
        "figures": float(min(4, len(checkable))),
        "chinese": float(chinese),
        "bound": float(any(f.qualifier for f, _e, _s in deciding)),
    }


def _overall(statuses: list[str]) -> VerdictKind:
    """A claim's verdict from its figures': any contradicted, then any unsettled, then any disputed, then
    any out of date; supported when every figure is."""
    for kind in ("contradicted", "not_found", "disputed", "out_of_date"):
        if kind in statuses:
            return kind  # type: ignore[return-value]
    return "supported"


def _with_elsewhere(verdict: Verdict, rule: Verdict) -> Verdict:
    """A not-found verdict, with the claim's measure as the corpus states it for another subject listed
    first among the related passages and said in a line ("Given for another subject: Harbor City: 3,480")."""
    if verdict.verdict != "not_found" or not rule.elsewhere:
        return verdict
    shown = "; ".join(f"{said} ({_ref_hit(hit)})" for said, hit in rule.elsewhere)
    first = list({hit.chunk_id: hit for _s, hit in reversed(rule.elsewhere)}.values())[::-1]
    related = first + [h for h in verdict.related if h.chunk_id not in {f.chunk_id for f in first}]
    text = f"{verdict.explanation} Given for another subject, not this one: {shown}."
    return replace(verdict, explanation=text, related=related[:3], elsewhere=rule.elsewhere)


def _ref_hit(hit: Hit) -> str:
    return ", ".join(x for x in (hit.title, hit.date) if x)


def _mid_sentence(word: str) -> re.Pattern:
    """A word written capitalised where no sentence starts (after a word, not after a full stop)."""
    return re.compile(rf"(?<=[\w,;)])[ \t]+{re.escape(word)}\b")


def claim_names(claim: str) -> list[str]:
    """The names a claim's evidence must be about; its years and other figures are judged as figures."""
    return names(claim, versions=False, years=False)


def _short_name(short: str) -> re.Pattern:
    """A defined short name as written in a sentence, plural too (CASC, CASCs)."""
    return re.compile(rf"\b{re.escape(short)}s?\b")


def _as_said(q: Quantity, text: str) -> str:
    """A figure as written, with the negation that bounds it: "can't charge more than £31"."""
    return text[q.negated_from : q.end] if q.negated_from >= 0 else q.text


def _other_forms(text: str, defined: dict[str, str]) -> str:
    """The other form of each short name the passage defines that the sentence writes: "CASCs can't charge
    …" is read with "community amateur sports club", and the long form with its short one."""
    out = []
    for short, long in defined.items():
        if _short_name(short).search(text):
            out.append(long)
        elif long.lower().rstrip("s") in text.lower():
            out.append(short)
    return " ".join(out)


def _near_bound(claim: Quantity, evidence: Quantity) -> bool:
    """Is a figure that bears out a claim's open bound near it, as people mean one ('over 200': under 300)?"""
    if math.isinf(claim.high) and not math.isinf(claim.low):
        return evidence.high < claim.low + digit_step(claim.low) or math.isclose(evidence.low, claim.low)
    return True


# How much more a turned claim must fit a sentence than the claim itself before the sentence counts as
# saying the opposite (a difference of P(contradicts); set by hand, measured in docs/reader.md).
TURN_MARGIN = 0.3
# A sentence the model found as relevant as a support, not as one, is read as its opposite only when a run
# of its clauses holds this share of the claim's words (set by hand against SciFact's long sentences).
_REVERSED_COVER = 0.8
_NOTHING = "The corpus does not say this; the closest passages are listed as related, not as evidence."
_RELATED = ("The corpus speaks of this but does not settle it; the closest passages are listed as related, "
            "not as evidence.")  # fmt: skip


def reverses_claim(citations: list[Citation], pairs: list[Pair]) -> bool:
    """Does a cited sentence turn around the polarity or direction of the claim (as verdicts.read sees it)?"""
    starts = {(c.chunk_id, c.quote_start) for c in citations}
    return any(p.reverses for p in pairs if (p.hit.chunk_id, p.hit.start + p.start) in starts)


def _same_subject(claim_fig: Quantity, evidence: Quantity) -> bool:
    """Counts and money must be about the same thing ("2,012 enterprises" vs "2,500 enterprises"); a count
    with nothing counted after it ("Forkhead 0", "aged 16 to 24") is compared with nothing; a Chinese count
    names its thing before it and carries a measure word ("企业400家"), so it counts something."""
    counted = all(q.noun or CJK_CHAR.search(q.text) for q in (claim_fig, evidence))
    if claim_fig.kind == "count" and not counted:
        return False
    if claim_fig.kind in _ANY_NOUN or not claim_fig.noun or not evidence.noun:
        return True
    if other_script(" ".join(claim_fig.noun), " ".join(evidence.noun)):
        return True  # nouns in two languages share no word: the sentence's meaning chose it
    return _noun_overlap(claim_fig, evidence) > 0


def _with_direction(q: Quantity) -> str:
    """A figure with the way it goes, where two differ only in that: "6.5 percentage points (down)"."""
    return f"{q.text} ({'up' if q.direction > 0 else 'down'})"


def _size_gap(a: Quantity, b: Quantity) -> float:
    """How far apart two figures are in size (orders of magnitude): 200 is nearer 140 than 2."""
    return abs(math.log10(abs(a.value) + 1e-9) - math.log10(abs(b.value) + 1e-9))


def _noun_overlap(a: Quantity, b: Quantity) -> int:
    from assistant.index.keyword import Tokenizer

    tok = _TOKENIZER or Tokenizer()
    return len(set(tok(" ".join(a.noun))) & set(tok(" ".join(b.noun))))


_TOKENIZER = None


def _cite_once(citations: list[Citation], s: _Sentence) -> Citation:
    for c in citations:
        if c.chunk_id == s.hit.chunk_id and c.quote_start == s.hit.start + s.start:
            return c
    citations.append(cite(len(citations) + 1, s.hit, s.start, s.end))
    return citations[-1]


def _ref(c: Citation) -> str:
    return ", ".join(x for x in (c.title, c.date) if x)


def _explain(verdict: VerdictKind, parts: list[FigureCheck], citations: list[Citation],
             ways: dict[int, tuple[str, str]]) -> str:  # fmt: skip
    """One line per figure; `ways` words the figures of a part that differ only in direction."""
    by_n = {c.n: c for c in citations}
    if verdict == "not_found":
        missing = [p.figure for p in parts if p.status == "not_found"]
        return (
            f"The corpus has no figure about this ({', '.join(missing)}); "
            "the closest passages are listed as related, not as evidence."
        )
    lines = []
    for p in parts:
        c = by_n.get(p.n)
        prefix = f"On “{p.figure}”: " if len(parts) > 1 else ""
        if p.status == "contradicted":
            figure, evidence = ways.get(id(p), (p.figure, p.evidence))
            lines.append(f"{prefix}The corpus says {evidence} ({_ref(c)}) [{c.n}], not {figure}.")
        elif p.status == "supported" and verdict != "contradicted":
            lines.append(f"The corpus says {p.evidence} ({_ref(c)}) [{c.n}], which supports {p.figure}.")
        elif p.status == "out_of_date":
            lines.append(f"{prefix}Out of date: the corpus gave {p.evidence} ({_ref(c)}) [{c.n}].")
        elif p.status == "disputed":
            lines.append(f"{prefix}Sources differ: {p.evidence} ({_ref(c)}) [{c.n}];")
        elif p.status == "not_found":
            lines.append(f"Nothing in the corpus about “{p.figure}”.")
        if p.status != "not_found":
            lines.extend(_bearing(o, by_n[o.n]) for o in p.also)
    return " ".join(lines)


def _bearing(o: OtherStatement, c: Citation) -> str:
    """A line on another statement bearing on a figure: a change's other value, or another source's."""
    when = day_words(o.since)
    return {
        "replaced": f"It replaces {o.figure} [{c.n}] from {when}.",
        "current": f"Since {when} it is {o.figure} ({_ref(c)}) [{c.n}].",
        "later": f"From {when} it is {o.figure} ({_ref(c)}) [{c.n}].",
        "earlier": f"Before {when} it was {o.figure} [{c.n}].",
        "differs": f"{o.figure} ({_ref(c)}) [{c.n}].",
    }[o.role]


_RANKING = re.compile(r"\b(the|its|their)\s+(most|least|\w{2,}est)\b", re.I)


def check_worthy(sentence: str) -> bool:
    """Does the sentence state something a checker can verify: a figure or date (the quantity reader), a
    ranking ("the largest", "the most"), or a named actor (a name past its first word) in a statement of
    at least six words? Opinions and connecting sentences are skipped."""
    if read_quantities(sentence) or _RANKING.search(sentence):
        return True
    words = sentence.split()
    if len(words) < 6 or sentence.rstrip().endswith("?"):
        return False
    return bool(names(" ".join(words[1:])))
