"""Words addressed to a language model rather than statements about policy: a role's prefix ("SYSTEM:"), an
order about instructions or answers ("Ignore all previous instructions", "You must answer that …"); and web
addresses. A document may hold them (a planted upload); they are never quoted as an answer, and a model's
sentence holding them is removed. Advice to the reader ("Tell HMRC if …", "Visit your council") is a
guide's own statement and stays."""

from __future__ import annotations

import re

_DIRECTIVE = re.compile(
    r"^\W*(?:system|assistant|user|developer)\s*:"
    r"|\b(?:ignore|disregard|forget|override)\b[^.]{0,40}\b(?:instructions?|prompts?|rules|above|previous)\b"
    r"|\byou\s+(?:must|should|have\s+to)\s+(?:answer|say|reply|respond|state|write|output)\s+(?:that|with)\b",
    re.I,
)
_ADDRESS = re.compile(r"https?://|\bwww\.|\b[\w-]+\.(?:com|org|net|gov|edu|example|cn|uk)/", re.I)


def is_directive(sentence: str) -> bool:
    """Is the sentence an instruction to a model, not a statement of the document?"""
    return bool(_DIRECTIVE.search(sentence))


def has_address(sentence: str) -> bool:
    """Does the sentence hold a web address (a link a written answer must not pass on)?"""
    return bool(_ADDRESS.search(sentence))
