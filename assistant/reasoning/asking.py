"""One question's walk: the text checked, a follow-up rewritten against the conversation, the asker's
situation split from the question, the index searched, the answer chosen."""

from __future__ import annotations

import re

from assistant.index.search import Search
from assistant.models import Answer, AssistantError, Filters, Hit
from assistant.reasoning.answer import Answerer
from assistant.reasoning.questions import rewrite
from assistant.reasoning.selection import Query, split_situation
from assistant.reasoning.standing import Standing

MAX_QUERY_CHARS = 4000
_WORDLIKE = re.compile(r"\w", re.UNICODE)


def clean_query(query: str, what: str = "question") -> str:
    """Reject empty, punctuation-only and overlong text (a question, claim or topic) with a message a
    user understands."""
    if not isinstance(query, str):
        raise AssistantError(f"the {what} must be text")
    query = query.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate cannot be tokenized
    query = " ".join(query.split())
    if not query:
        raise AssistantError(f"the {what} is empty")
    if not _WORDLIKE.search(query):
        raise AssistantError(f"the {what} has no words, only punctuation")
    if len(query) > MAX_QUERY_CHARS:
        raise AssistantError(f"the {what} is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}")
    return query


class Asker:
    """Questions in, cited answers (or abstentions) out, with the passages they were chosen from."""

    def __init__(self, search: Search, answerer: Answerer, standing: Standing | None = None):
        self.search, self.answerer, self.standing = search, answerer, standing

    def retrieve(
        self, text: str, filters: Filters | dict | None = None, k: int = 10
    ) -> tuple[Query, list[Hit]]:
        """The question split from the asker's situation, and the passages found for both."""
        query = split_situation(text)
        return query, self.search.search(query.question, k, filters, situation=query.situation)

    def ask(
        self,
        question: str,
        history: list[tuple[str, str]] | None = None,
        filters: Filters | dict | None = None,
    ) -> tuple[Answer, list[Hit]]:
        """The answer to a question (a follow-up read with `history`), and the passages it read."""
        question = clean_query(question)
        rewritten = rewrite(question, [(str(q), str(a)) for q, a in (history or [])])
        query, hits = self.retrieve(rewritten, filters)
        answer = self.answerer.answer(query, hits)
        if self.standing is not None:  # a later notice changed a quoted figure, or a source differs
            answer = self.standing.note(answer, hits)
        answer.question = question
        answer.rewritten_question = rewritten if rewritten != question else ""
        return answer, hits
