"""What every fitted model shares: its JSON file read and written, a clear error when that file is missing,
damaged or fitted on other features (naming the `policy-assistant lab train-…` command that refits it),
its features turned into the columns it was fitted on, and the scorers (boosted trees, the sigmoid).

Scoring needs only NumPy; the fitting (scikit-learn) is in `assistant.measuring`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from assistant.models import AssistantError

_TREE_KEYS = ("feature", "threshold", "left", "right", "value")


def refit(command: str) -> str:
    """How to refit a model, as its errors say it."""
    return f"`policy-assistant lab {command}`"


def read_json(path: Path, what: str, command: str, missing_ok: bool = False) -> Any:
    """The content of a model file; None when it does not exist and `missing_ok`."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        if missing_ok:
            return None
        reason = "no such file"
    except (OSError, ValueError) as exc:
        reason = str(exc)
    raise _unreadable(what, path, reason, command)


def _unreadable(what: str, path: Path, reason: str, command: str) -> AssistantError:
    return AssistantError(f"cannot read {what} {path}: {reason}; refit it with {refit(command)}")


def write_json(path: Path, data: Any, indent: int | None) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=indent) + "\n", encoding="utf-8")


class Fitted:
    """A fitted model as a dataclass whose fields are its file's keys: `load`, `save` and the features
    check. A subclass names what it is (WHAT, for errors), its file (PATH) and its refit command."""

    WHAT: ClassVar[str]  # "the answer model"
    PATH: ClassVar[Path]
    COMMAND: ClassVar[str]  # "train-answerer"
    INDENT: ClassVar[int | None] = 1  # as the shipped file is written

    def require_features(self, fitted: Sequence[str] | set[str], computed: Sequence[str] | set[str]) -> None:
        """Refuse a model fitted on other features than the code computes (their values would be misread)."""
        if fitted != computed:
            raise AssistantError(
                f"{self.WHAT} in {self.PATH.name} was fitted on other features; "
                f"refit it with {refit(self.COMMAND)}"
            )

    @classmethod
    def from_dict(cls, data: Mapping, path: Path | None = None) -> Self:
        """The model from a file's content; keys the model does not know are left out."""
        try:
            return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})  # type: ignore[arg-type]
        except (TypeError, KeyError) as exc:
            raise _unreadable(cls.WHAT, path or cls.PATH, str(exc), cls.COMMAND) from None

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path | None = None) -> Self:
        path = Path(path or cls.PATH)
        return cls.from_dict(read_json(path, cls.WHAT, cls.COMMAND), path)

    def save(self, path: Path | None = None) -> None:
        write_json(Path(path or self.PATH), self.to_dict(), self.INDENT)


def vector(named: Mapping[str, float], columns: Sequence[str]) -> list[float]:
    """Feature values in the order of a model's columns. A feature computed but not a column, or a column
    not computed, raises: no value can slip into its neighbour's place."""
    if len(named) != len(columns) or set(named) != set(columns):
        missing, extra = sorted(set(columns) - set(named)), sorted(set(named) - set(columns))
        raise ValueError(f"features do not match the model's columns: missing {missing}, extra {extra}")
    return [named[c] for c in columns]


def read_trees(trees: list[dict]) -> list[tuple]:
    """Exported boosted trees (per tree: feature, threshold, left, right, value lists) as arrays."""
    return [tuple(np.asarray(t[k]) for k in _TREE_KEYS) for t in trees]


def tree_logits(trees: list[tuple], rows: np.ndarray, intercept: float) -> np.ndarray:
    """Boosted trees (feature, threshold, left, right, value arrays; leaves have left = -1) summed per row."""
    out = np.full(len(rows), intercept)
    at = np.arange(len(rows))
    for feature, threshold, left, right, value in trees:
        node = np.zeros(len(rows), dtype=np.int64)
        while True:
            inner = left[node] >= 0
            if not inner.any():
                break
            go_left = rows[at, np.maximum(feature[node], 0)] <= threshold[node]
            node = np.where(inner, np.where(go_left, left[node], right[node]), node)
        out += value[node]
    return out


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, x))))
