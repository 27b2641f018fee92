"""Extractive answers: pick the source sentence(s) that answer the question, cite them, or abstain.

No language model: every word of the lead answer is quoted from a cited passage, so every figure in it
is verbatim in a citation. One general rule decides abstention: the best sentence must carry the
question's key terms (weighted by rarity), its passage must name the question's entities, and it must
hold the kind of fact the question asks for (a count, a share, a date, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chunking import sentence_spans
from .keyword import KeywordIndex
from .models import Answer, Citation, Hit
from .questions import Question, analyse

NOT_ANSWERED = "The corpus does not answer this."

_NUMBER_WORDS = (r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                 r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|dozen|dozens|hundreds?|thousands?")  # fmt: skip  # noqa: E501
_MONTHS = r"January|February|March|April|May|June|July|August|September|October|November|December"
_PERCENT = re.compile(r"\d(?:[\d,.]*\d)?\s?(?:%|percent\b|per cent\b|percentage points?\b)", re.I)
_COUNT = re.compile(rf"\b\d{{1,3}}(?:,\d{{3}})+\b|\b\d+(?:\.\d+)?\b(?!\s?(?:%|percent|per cent))|\b({_NUMBER_WORDS})\b",  # noqa: E501
                    re.I)  # fmt: skip
_YEAR_ONLY = re.compile(r"^(19|20)\d{2}$")
_DATE = re.compile(rf"\b({_MONTHS})\b|\b(19|20)\d{{2}}\b")
_WHO = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\b|\b(Director|Minister|Mayor|Bureau|Ministry|Council|"
                  r"Commission|Committee|Office|Department|Authority|Bank|Exchange)\b")  # fmt: skip
_ELIGIBILITY = re.compile(r"\b(must|at least|no less than|not less than|no fewer than|required?|eligible|"
                          r"qualify|may hold|may be|up to|minimum|shall|only if|if the)\b", re.I)  # fmt: skip
_NOISE = {"how", "mani", "much", "number", "whether", "total", "is", "doe", "dure", "last", "ago", "recent",
          "current", "far", "up"}  # fmt: skip
# Words a question and a policy text use for the same thing (Snowball stems); one group counts as one term.
_SYNONYM_GROUPS = [
    {"enterpris", "compani", "firm", "busi", "entiti"},
    {"establish", "set", "found", "regist", "creat", "incorpor"},
    {"fund", "invest"},
    {"grow", "growth", "increas", "rise", "rose"},
    {"approv", "author", "permit", "licens"},
    {"nation", "nationwid", "countri"},
    {"replic", "copi", "extend"},
]
_CANONICAL = {stem: sorted(group)[0] for group in _SYNONYM_GROUPS for stem in group}
_GROUP_MEMBERS = {sorted(group)[0]: sorted(group) for group in _SYNONYM_GROUPS}
# Words that name the kind of fact asked for; the kind check covers them, so term coverage ignores them.
_KIND_WORDS = {
    "share": {"grow", "growth", "increas", "rise", "rose", "chang", "compar", "rate", "percentag", "share",
              "proport", "declin", "decreas", "fall", "fell", "much"},
    "count": {"total", "amount", "minimum", "maximum", "long", "take"},
    "when": {"date", "year", "time", "month"},
}  # fmt: skip
_SUBJECT = re.compile(r"\b(?:how many|number of|how much)\s+((?:[\w-]+\s*){1,3})", re.I)
_PRONOUN_START = re.compile(r"^(It|They|This|These|That|Those|He|She|Its|Their)\b")
_VOLATILE = {"count", "share"}  # figures that change over time: say as of when


def has_kind(sentence: str, kind: str) -> bool:
    """Does the sentence hold the kind of fact the question asks for?"""
    if kind == "share":
        return bool(_PERCENT.search(sentence))
    if kind == "count":
        return any(not _YEAR_ONLY.match(m.group(0)) for m in _COUNT.finditer(sentence))
    if kind == "when":
        return bool(_DATE.search(sentence))
    if kind == "who":
        return bool(_WHO.search(sentence))
    if kind == "eligibility":
        return bool(_ELIGIBILITY.search(sentence))
    return True


@dataclass
class _Candidate:
    hit: Hit
    rank: int
    start: int  # offsets in the passage
    end: int
    sentence_cover: float
    passage_cover: float
    kind_ok: bool
    score: float


class Answerer:
    """Scores the sentences of the top passages and composes an answer with [n] citations."""

    def __init__(self, keyword: KeywordIndex, passages: int = 5, min_sentence_cover: float = 0.25,
                 min_passage_cover: float = 0.7):  # fmt: skip
        if not 0 <= min_sentence_cover <= 1 or not 0 <= min_passage_cover <= 1:
            raise ValueError("coverage thresholds must lie between 0 and 1")
        self.keyword = keyword
        self.passages = passages
        self.min_sentence_cover = min_sentence_cover
        self.min_passage_cover = min_passage_cover

    def answer(self, question: str, hits: list[Hit]) -> Answer:
        q = analyse(question)
        candidates = self._candidates(q, hits[: self.passages])
        usable = [c for c in candidates if c.kind_ok]
        best = max(usable, key=lambda c: c.score, default=None)
        if (
            best is None
            or best.sentence_cover < self.min_sentence_cover
            or best.passage_cover < self.min_passage_cover
        ):
            return Answer(question=question, text=NOT_ANSWERED, abstained=True, related=hits[:3], kind=q.kind)
        chosen = [best]
        if q.kind == "eligibility":
            more = [
                c
                for c in usable
                if c is not best and c.hit.chunk_id == best.hit.chunk_id and c.score >= 0.8 * best.score
            ]
            chosen += sorted(more, key=lambda c: -c.score)[:2]
            chosen.sort(key=lambda c: c.start)
        return self._compose(q, chosen)

    def _candidates(self, q: Question, hits: list[Hit]) -> list[_Candidate]:
        tokenize = self.keyword.tokenize
        weights = key_terms(self.keyword, q.text, _NOISE | _KIND_WORDS.get(q.kind, set()))
        subject = _count_subject(q, tokenize)
        out = []
        for rank, hit in enumerate(hits):
            context = f"{hit.title}\n{hit.passage}"
            if not names_present(q.entities, context):
                continue
            passage_cover = coverage(weights, tokenize(context))
            for a, b in sentence_spans(hit.passage):
                sentence = hit.passage[a:b]
                cover = coverage(weights, tokenize(sentence))
                kind_ok = has_kind(sentence, q.kind)
                about = bool(subject) and _counts_subject(sentence, subject, tokenize)
                score = 0.55 * cover + 0.25 * passage_cover + 0.15 * kind_ok + 0.3 * about + 0.05 / (1 + rank)
                out.append(_Candidate(hit, rank, a, b, cover, passage_cover, kind_ok, score))
        return out

    def _compose(self, q: Question, chosen: list[_Candidate]) -> Answer:
        citations, parts = [], []
        for n, c in enumerate(chosen, start=1):
            citations.append(cite(n, c.hit, _with_antecedent(c.hit.passage, c.start), c.end))
            parts.append(f"{citations[-1].quote} [{n}]")
        text = " ".join(parts)
        first = citations[0]
        if q.kind in _VOLATILE and first.date:
            text += f"\n\n(As of {first.date}, per “{first.title}”, {first.source or first.doc_id}.)"
        return Answer(question=q.text, text=text, abstained=False, citations=citations, kind=q.kind)


def key_terms(keyword: KeywordIndex, text: str, ignore: set[str]) -> dict[str, float]:
    """Content terms of a question or claim (synonyms merged) weighted by rarity in the corpus."""
    raw = [t for t in dict.fromkeys(keyword.tokenize(text)) if t not in ignore]
    weights: dict[str, float] = {}
    for term, weight in zip(raw, keyword.idf(raw), strict=True):
        group = _CANONICAL.get(term, term)
        if group in _GROUP_MEMBERS:  # a group is as common as its most common member
            weight = min(keyword.idf(_GROUP_MEMBERS[group]))
        weights[group] = weight
    return weights


def coverage(weights: dict[str, float], tokens: list[str]) -> float:
    """Share of the weighted key terms found among `tokens`."""
    present = {_CANONICAL.get(t, t) for t in tokens}
    return sum(w for t, w in weights.items() if t in present) / (sum(weights.values()) or 1.0)


def cite(n: int, hit: Hit, start: int, end: int) -> Citation:
    """Citation [n] quoting hit.passage[start:end]."""
    return Citation(
        n=n,
        doc_id=hit.doc_id,
        chunk_id=hit.chunk_id,
        title=hit.title,
        date=hit.date,
        source=hit.source,
        passage=hit.passage,
        start=hit.start,
        end=hit.end,
        quote=hit.passage[start:end],
        quote_start=hit.start + start,
        quote_end=hit.start + end,
        page=hit.page_start,
    )


def names_present(names: list[str], context: str) -> bool:
    """Every name of the question (place, organisation, year) appears in the passage or its title."""
    lowered = context.lower()
    return all(re.search(rf"(?<!\w){re.escape(n.lower())}(?!\w)", lowered) for n in names)


def _count_subject(q: Question, tokenize) -> list[str]:
    """Stems of what a 'how many / number of' question counts ("how many foreign-funded enterprises")."""
    if q.kind != "count":
        return []
    m = _SUBJECT.search(q.text)
    return tokenize(m.group(1))[:2] if m else []


def _counts_subject(sentence: str, subject: list[str], tokenize) -> bool:
    """A number followed within a few words by the counted thing ("2,012 foreign-funded enterprises")."""
    for m in _COUNT.finditer(sentence):
        if _YEAR_ONLY.match(m.group(0)):
            continue
        following = tokenize(sentence[m.end() : m.end() + 60])[:4]
        if subject[0] in following:
            return True
    return False


def _with_antecedent(passage: str, start: int) -> int:
    """A sentence opening with a pronoun ("It replaced ...") is quoted with the sentence before it."""
    if not _PRONOUN_START.match(passage[start:]):
        return start
    previous = [a for a, b in sentence_spans(passage, 0, start) if b <= start]
    return previous[-1] if previous else start


def canonical(words: list[str]) -> set[str]:
    return {_CANONICAL.get(t, t) for t in words}
