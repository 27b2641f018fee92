"""ConditionalQA as both `lab eval` and `lab train-answerer` read it: JSON lines, guides split by a hash of
their url, the two question modes, and the text comparison of quotes with evidences. Here so that
evaluation and training share it without importing each other."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Literal

from assistant.models import AssistantError

Split = Literal["fit", "tune", "test"]
MODES = ("question", "situation + question")


def load_jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise AssistantError(f"{path}:{n}: not JSON ({exc.msg})") from None
    return rows


def guide_split(url: str) -> Split:
    bucket = int(hashlib.sha1(url.encode()).hexdigest(), 16) % 5
    return "test" if bucket == 0 else "tune" if bucket == 1 else "fit"


def squash(text: str) -> str:
    from assistant.text.normalise import normalise

    text = re.sub(r"^\s*([-*•·]|\(?\d{1,3}[.)])\s+", "", normalise(text))
    return " ".join(text.split()).lower()


def question_text(row: dict, mode: str) -> str:
    q = " ".join(row["question"].split())
    if mode == "question" or not row.get("scenario"):
        return q
    return f"{' '.join(row['scenario'].split())} {q}"
