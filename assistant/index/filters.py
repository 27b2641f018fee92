"""What a search may draw on, checked once: the `Scope` record that the store turns into its own query
syntax and BM25 applies to chunk metadata."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.models import AssistantError, Filters
from assistant.text.normalise import normalise_date

FILTER_KEYS = ("source", "doc_ids", "date_from", "date_to")


def date_int(date: str) -> int:
    """YYYY-MM-DD -> YYYYMMDD (range filters need numbers); 0 when unknown."""
    digits = date.replace("-", "")
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0


@dataclass(frozen=True)
class Scope:
    """Validated filters: sources and documents to keep (empty: all) and a day range as YYYYMMDD."""

    sources: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    date_from: int | None = None
    date_to: int | None = None

    @classmethod
    def of(cls, filters: Filters | dict | Scope | None) -> Scope:
        """From a Filters (or its dict, from an API client): unknown keys and bad dates are refused with
        a message naming the valid ones."""
        if isinstance(filters, Scope):
            return filters
        if isinstance(filters, Filters):
            filters = filters.to_dict()
        filters = filters or {}
        unknown = set(filters) - set(FILTER_KEYS)
        if unknown:
            raise AssistantError(f"unknown filter {sorted(unknown)}; valid filters: {', '.join(FILTER_KEYS)}")
        return cls(_values(filters.get("source")), _values(filters.get("doc_ids")),
                   _day(filters, "date_from"), _day(filters, "date_to"))  # fmt: skip

    def __bool__(self) -> bool:
        return bool(self.sources or self.doc_ids or self.date_from is not None or self.date_to is not None)

    def keeps(self, meta: dict) -> bool:
        """Does a chunk with this metadata fall inside the scope?"""
        day = meta.get("date_int", 0)
        return (
            (not self.sources or meta.get("source") in self.sources)
            and (not self.doc_ids or meta.get("doc_id") in self.doc_ids)
            and (self.date_from is None or day >= self.date_from)
            and (self.date_to is None or day <= self.date_to)
        )


def _values(value) -> tuple[str, ...]:
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


def _day(filters: dict, key: str) -> int | None:
    value = filters.get(key)
    if not value:
        return None
    day = normalise_date(str(value))
    if not day:
        raise AssistantError(f"filter {key}={value!r} is not a date; use YYYY-MM-DD")
    return date_int(day)
