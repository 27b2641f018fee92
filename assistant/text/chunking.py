"""Sentence-aware chunking with exact offsets: `document.text[chunk.start:chunk.end] == chunk.text`.

Written here rather than taken from llama-index: its sentence splitter uses an untrained Punkt model that
breaks after "Dr.", "Nov." and "i.e.", and its chunks are not guaranteed to be exact slices of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.models import Chunk, Document
from assistant.text.normalise import CJK_CHAR

TokenCounter = Callable[[Sequence[str]], list[int]]

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "no", "nos", "vs", "etc", "e.g", "i.e", "approx", "dept", "gov",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc", "ltd", "co",
    "corp", "art", "para", "fig", "est", "u.s", "u.k", "p.r.c", "al", "cf", "ed", "vol", "pp", "jr", "sr",
}  # fmt: skip
# A full stop, ! or ? (plus closing quotes/brackets) followed by space and a plausible sentence start.
_LATIN_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9\u4e00-\u9fff•\-*])")
# NFKC (applied at ingest) turns ！？ into ASCII, which end a sentence beside a Chinese character.
# The semicolon ；(; after NFKC) joins clauses of one sentence: split there, the clause quoted first lost
# its subject often enough that CMRC held-out first quotes fell (0.777 to 0.774 MiniLM, 0.790 to 0.777
# e5) and across languages 3 more English questions got another clause first.
_CJK_END = re.compile(rf"(?:[。！？]|(?<={CJK_CHAR.pattern})[!?]|[!?](?={CJK_CHAR.pattern}))[”’」』)]*")
_PARAGRAPH = re.compile(r"\n\s*\n")
_LINE = re.compile(r"\n")
# Bullets and numbered items; in Chinese 一、 (一) 1、 and 第一条 (after NFKC, （一） is (一)).
_LIST_START = re.compile(
    r"\s*([-*•·]|\(?\d{1,3}[.)]|\(?[a-z][.)]\s|\(?[一二三四五六七八九十]{1,3}[、)](?![一二三四五六七八九十])"
    r"|\d{1,3}、(?!\d)|第[一二三四五六七八九十百零〇]{1,4}条(?=\s))"
)
_WRAPPED_END = re.compile(rf"(?:{CJK_CHAR.pattern}|[\d%,、(《“])$")  # NFKC: ，is ,
_WRAPPED_START = re.compile(rf"^(?:{CJK_CHAR.pattern}|[\w(《“%,、。;:)》”])")
_DECIMAL = re.compile(r"\d+\.\d")  # 34.2亿元 starts a wrapped line, not item 34
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def sentence_spans(text: str, begin: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence of text[begin:end], surrounding whitespace excluded."""
    end = len(text) if end is None else end
    cuts = {begin, end}
    for m in _PARAGRAPH.finditer(text, begin, end):
        cuts.add(m.start())
    for m in _CJK_END.finditer(text, begin, end):
        cuts.add(m.end())
    for m in _LATIN_END.finditer(text, begin, end):
        if not _is_abbreviation(text, m.start()) and not _in_heading(text, m.start()):
            cuts.add(m.end())
    for m in _LINE.finditer(text, begin, end):
        if _line_breaks_sentence(text, m.start()):
            cuts.add(m.start())
    spans = []
    ordered = sorted(cuts)
    for a, b in zip(ordered, ordered[1:], strict=False):
        a, b = _trim(text, a, b)
        if a < b:
            spans.append((a, b))
    return spans


_MARKDOWN_HEADING = re.compile(r"[ \t]*#{1,6}(?:[ \t]|$)", re.M)


def is_heading(sentence: str) -> bool:
    """A Markdown heading line (`# Title`, `## Eligibility`): the title of what follows, not a statement;
    it is never quoted as an answer or as evidence."""
    return bool(_MARKDOWN_HEADING.match(sentence)) and "\n" not in sentence.strip()


def _in_heading(text: str, at: int) -> bool:
    """Is position `at` on a Markdown heading line (`## 2. How much it pays` is one title, not two)?"""
    return bool(_MARKDOWN_HEADING.match(text, text.rfind("\n", 0, at) + 1))


def is_list_item(sentence: str) -> bool:
    """A bullet or numbered item ("- you're 18 or over", "2) a passport")."""
    return bool(_LIST_START.match(sentence))


def _continues_list(text: str, spans: list[tuple[int, int]], k: int) -> bool:
    """Is piece k an item of the list opened by, or running through, piece k-1?"""
    previous = text[spans[k - 1][0] : spans[k - 1][1]].rstrip()
    current = text[spans[k][0] : spans[k][1]]
    return is_list_item(current) and (previous.endswith(":") or is_list_item(previous))


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    m = _WORD_BEFORE.search(text, max(0, dot - 20), dot)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return True
    line_start = text.rfind("\n", 0, dot) + 1
    return word.isdigit() and len(word) <= 2 and not text[line_start : m.start()].strip()  # "1. Item"


def _line_breaks_sentence(text: str, newline: int) -> bool:
    line_start = text.rfind("\n", 0, newline) + 1
    previous = text[line_start:newline].rstrip()
    following = text[newline + 1 : newline + 12]
    return (
        not previous
        or previous[-1] in ".!?:;。！？：；"
        or len(previous) < 60
        or is_heading(previous)
        or bool(_MARKDOWN_HEADING.match(following))
        or bool(_LIST_START.match(following))
    )


def unwrap_chinese(text: str) -> str:
    """Join Chinese lines that a fixed width broke mid-sentence (PDF text layers, hard-wrapped text files):
    a line as wide as the document's full lines, or ending in a comma, that ends without a full stop,
    followed by a line that starts Chinese text and is not a new item. Chinese needs no space at the
    join. Short lines (headings) and blank-line paragraphs are kept."""
    lines = text.split("\n")
    widths = sorted(_columns(x.strip()) for x in lines if CJK_CHAR.search(x))
    if len(widths) < 3:
        return text
    full = widths[int(0.9 * (len(widths) - 1))] - 4  # a full line of this document, less punctuation
    out = [lines[0]]
    for n, (previous, line) in enumerate(zip(lines, lines[1:], strict=False)):
        previous, current = previous.strip(), line.strip()
        wrapped = (
            n > 0  # the first line is the title
            and previous
            and current
            and CJK_CHAR.search(previous[-4:])
            and _WRAPPED_END.search(previous)
            and _WRAPPED_START.match(current)
            and (_DECIMAL.match(current) or not _LIST_START.match(current))
            and (_columns(previous) >= max(full, 24) or previous.endswith((",", "、")))
        )
        if wrapped:
            out[-1] = out[-1].rstrip() + current
        else:
            out.append(line)
    return "\n".join(out)


def _columns(line: str) -> int:
    """Display width: a Chinese character takes two columns."""
    return len(line) + len(CJK_CHAR.findall(line))


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def titled(title: str, passage: str) -> str:
    """A chunk as it is embedded and keyword-indexed: its document's title gives it context."""
    return f"{title}\n{passage}" if title else passage


class Chunker:
    """Packs whole sentences into chunks of at most `max_tokens` word pieces, overlapping by sentences."""

    def __init__(self, count_tokens: TokenCounter, max_tokens: int = 180, overlap_sentences: int = 1):
        if max_tokens < 8:
            raise ValueError(f"max_tokens must be at least 8, got {max_tokens}")
        if overlap_sentences < 0:
            raise ValueError(f"overlap_sentences must be 0 or more, got {overlap_sentences}")
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        # A hard cap in characters too: a run the tokenizer reads as one unknown piece can be any length.
        self.max_chars = 8 * max_tokens
        self.overlap = overlap_sentences

    def split(self, doc: Document) -> list[Chunk]:
        spans = self._pieces(doc.text)
        counts = self.count_tokens([doc.text[a:b] for a, b in spans]) if spans else []
        chunks: list[Chunk] = []
        i = 0
        while i < len(spans):
            j, total = i, 0
            while j < len(spans) and (
                j == i
                or (total + counts[j] <= self.max_tokens and spans[j][1] - spans[i][0] <= self.max_chars)
            ):
                total += counts[j]
                j += 1
            j = self._keep_list_whole(doc.text, spans, i, j)
            start, end = spans[i][0], spans[j - 1][1]
            chunks.append(
                Chunk(
                    doc_id=doc.doc_id,
                    index=len(chunks),
                    text=doc.text[start:end],
                    start=start,
                    end=end,
                    page_start=doc.page_at(start),
                    page_end=doc.page_at(end - 1),
                )
            )
            if j >= len(spans):
                break
            nxt = max(i + 1, j - self.overlap)
            if sum(counts[nxt:j]) > self.max_tokens // 2:
                nxt = j
            i = nxt
        return chunks

    @staticmethod
    def _keep_list_whole(text: str, spans: list[tuple[int, int]], i: int, j: int) -> int:
        """Move a chunk end that would fall inside a list back to before the list's lead-in, so a rule
        ("You can apply if:") stays with its items; unless the list alone fills the chunk."""
        if j >= len(spans) or not _continues_list(text, spans, j):
            return j
        lead = j - 1
        while lead > i and _continues_list(text, spans, lead):
            lead -= 1
        return lead if lead > i else j

    def _pieces(self, text: str) -> list[tuple[int, int]]:
        """Sentence spans, with sentences longer than the budget cut at word boundaries."""
        spans = sentence_spans(text)
        counts = self.count_tokens([text[a:b] for a, b in spans]) if spans else []
        pieces = []
        for (a, b), n in zip(spans, counts, strict=True):
            if n <= self.max_tokens and b - a <= self.max_chars:
                pieces.append((a, b))
            else:
                pieces.extend(self._cut_long(text, a, b))
        return pieces

    def _cut_long(self, text: str, a: int, b: int) -> list[tuple[int, int]]:
        words = []
        for m in re.finditer(r"\S+", text[a:b]):
            start, end = m.span()
            while end - start > self.max_tokens:  # a run without spaces: at most one word piece a character
                words.append((start, start + self.max_tokens))
                start += self.max_tokens
            words.append((start, end))
        counts = self.count_tokens([text[a + s : a + e] for s, e in words])
        pieces, first, total = [], 0, 0
        for k, n in enumerate(counts):
            too_long = words[k][1] - words[first][0] > self.max_chars
            if (total + n > self.max_tokens or too_long) and k > first:
                pieces.append((a + words[first][0], a + words[k - 1][1]))
                first, total = k, 0
            total += n
        pieces.append((a + words[first][0], a + words[-1][1]))
        return pieces


def wordpiece_counter(model_dir: Path) -> TokenCounter:
    """Token counts from the embedding model's own tokenizer (tokenizer.json), without loading the model."""
    from tokenizers import Tokenizer

    path = Path(model_dir) / "tokenizer.json"
    if not path.is_file():
        raise FileNotFoundError(f"no tokenizer.json in {model_dir}")
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()

    def count(texts: Sequence[str]) -> list[int]:
        return [len(e.ids) for e in tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    return count


def whitespace_counter(texts: Sequence[str]) -> list[int]:
    """Rough counter (words) for tests and for models without a tokenizer.json."""
    return [len(t.split()) for t in texts]
