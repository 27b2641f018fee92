"""Claims and drafts checked against the corpus: each check-worthy sentence of a draft (a figure, a date,
a ranking or a named actor) gets a verdict; the others are kept in place, unchecked."""

from __future__ import annotations

from collections.abc import Callable

from assistant.index.search import Search
from assistant.models import AssistantError, DraftCheck, DraftSentence, Filters, Verdict
from assistant.reasoning.asking import MAX_QUERY_CHARS, clean_query
from assistant.reasoning.factcheck import FactChecker, check_worthy
from assistant.text.chunking import sentence_spans
from assistant.text.names import certain_names, chinese_places, names


class DraftChecker:
    """Verdicts for one claim or for every check-worthy sentence of a draft, within size limits."""

    def __init__(
        self, checker: FactChecker, search: Search, embed: Callable, max_chars: int, max_sentences: int
    ):
        self.checker, self.search, self.embed = checker, search, embed
        self.max_chars, self.max_sentences = max_chars, max_sentences

    def claim(self, claim: str, filters: Filters | dict | None = None) -> Verdict:
        """Supported, contradicted or not_found, with evidence."""
        claim = clean_query(claim, "claim")
        return self.checker.check(claim, self.search.search(claim, k=10, filters=filters))

    def draft(self, text: str, filters: Filters | dict | None = None) -> DraftCheck:
        """Every sentence of the draft, in place, the check-worthy ones with a verdict."""
        spans = self.sentences(text)
        worthy = {s for _, _, s in spans if check_worthy(s) and len(s) <= MAX_QUERY_CHARS}
        self.embed(list(worthy))  # one batched pass instead of one model call per sentence
        out = []
        for (a, b, sentence), subject in zip(spans, carried_subjects([s for *_, s in spans]), strict=True):
            verdict = None
            if sentence in worthy:
                query = " ".join([*subject, sentence])
                hits = self.search.search(query, k=10, filters=filters)
                verdict = self.checker.check(sentence, hits, subject)
            out.append(DraftSentence(sentence, a, b, verdict))
        return DraftCheck(text, out)

    def sentences(self, text: str) -> list[tuple[int, int, str]]:
        """The draft's sentences (start, end, text with spaces squeezed); an empty or oversized draft is
        refused."""
        if not text or not text.strip():
            raise AssistantError("the draft is empty")
        if len(text) > self.max_chars:
            raise AssistantError(
                f"the draft has {len(text):,} characters, more than the {self.max_chars:,} a check reads "
                "(limit: POLICY_ASSISTANT_MAX_DRAFT_CHARS); check it in parts"
            )
        spans = [(a, b, " ".join(text[a:b].split())) for a, b in sentence_spans(text)]
        if len(spans) > self.max_sentences:
            raise AssistantError(
                f"the draft has {len(spans):,} sentences, more than the {self.max_sentences:,} a check takes "
                "(limit: POLICY_ASSISTANT_MAX_DRAFT_SENTENCES); check it in parts"
            )
        return spans


def carried_subjects(sentences: list[str]) -> list[list[str]]:
    """Per sentence of a draft, the names it is about without writing them: a sentence that names nothing
    ("In 2024, … were set up in the city") is about what the nearest earlier sentence or heading named; one
    that names something carries nothing. A word that opens a sentence is a name when the draft writes it
    capitalised inside a sentence too ("Foreign investment in Beijing", then "Beijing opened …"); a Chinese
    sentence names the places `chinese_places` reads (青岚综合保税区, then 区内从业人员…)."""
    known = {n for s in sentences for n in certain_names(s)}
    out, last = [], []
    for sentence in sentences:
        own = [n for n in names(sentence, versions=False, years=False) if n in known] or chinese_places(
            sentence
        )
        out.append([] if own else list(last))
        last = own or last
    return out
