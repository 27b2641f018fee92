"""Which document a file is: a doc_id two different files never share, and one copy of identical content.

A file keeps the doc_id it was first stored under (found by its absolute path, so re-ingests are
stable, and an index built before this module keeps its ids). A new file takes the short id `discover`
gives it (`folder/name.txt`) when that id is free, else the shortest id that adds enough of its
absolute location to be unique (`b/docs/name.txt`). A file whose bytes equal a stored document's is
not stored again: its path is listed beside that document's (`also_at`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal

from assistant.models import DocumentInfo

Placement = Literal["new", "update", "unchanged", "copy"]


@dataclass
class Place:
    """Where one file goes: its doc_id and what happens to it (`copy`: same bytes as `doc_id`, listed
    there; `unchanged` / `update`: the file that document was stored from)."""

    doc_id: str
    action: Placement


@dataclass
class Identities:
    """doc_ids and paths of the stored documents, kept up to date as one ingest places its files."""

    documents: dict[str, DocumentInfo]
    exists: Callable[[str], bool] = lambda path: True  # is a stored path still there to read?
    paths: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # doc_id -> (path, also_at)
    changed: set[str] = field(default_factory=set)  # doc_ids whose paths this ingest changed
    sha: dict[str, str] = field(default_factory=dict)  # doc_id -> sha256 of its content, placed ones too
    _by_path: dict[str, str] = field(default_factory=dict)
    _by_sha: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for doc_id, info in self.documents.items():
            self.paths[doc_id] = (info.path, list(info.also_at))
            self.sha[doc_id] = info.sha256
            self._by_sha.setdefault(info.sha256, doc_id)
            for p in info.paths:
                self._by_path[p] = doc_id

    def place(self, path: str, short_id: str, digest: str) -> Place:
        """Decide where the file at `path` (its bytes hashing to `digest`) goes, and record it."""
        owner = self._by_path.get(path)
        if owner is not None:
            primary, also_at = self.paths[owner]
            if primary == path:
                return Place(owner, "unchanged" if self.sha[owner] == digest else "update")
            if self.sha[owner] == digest:
                return Place(owner, "unchanged")
            self.detach(owner, path)  # a listed copy that now differs becomes a document of its own
        same = self._by_sha.get(digest)
        if same is not None and same in self.paths:
            primary, also_at = self.paths[same]
            if not self.exists(primary):  # its folder moved: the document moves with it, same doc_id
                self._by_path.pop(primary, None)
                self.paths[same] = (path, [p for p in also_at if p != path])
                self.changed.add(same)
            elif path != primary and path not in also_at:
                also_at.append(path)
                self.changed.add(same)
            self._by_path[path] = same
            return Place(same, "copy")
        doc_id = unique_id(short_id, path, set(self.paths))
        self.paths[doc_id] = (path, [])
        self.sha[doc_id] = digest
        self._by_path[path] = doc_id
        self._by_sha[digest] = doc_id
        return Place(doc_id, "new")

    def stored(self, doc_id: str, digest: str) -> list[str]:
        """A document's new content was stored: its sha is now `digest`. Returns the copies listed under
        its old content, which no longer match and are unlisted (their files may be ingested again)."""
        primary, also_at = self.paths[doc_id]
        old = self.sha[doc_id]
        if old != digest and self._by_sha.get(old) == doc_id:
            del self._by_sha[old]
        self.sha[doc_id] = digest
        self._by_sha.setdefault(digest, doc_id)
        for p in also_at:
            self._by_path.pop(p, None)
        if also_at:
            self.changed.add(doc_id)
        self.paths[doc_id] = (primary, [])
        return also_at

    def detach(self, doc_id: str, path: str) -> None:
        """Unlist a copy's path from a document (the document stays, with its own path)."""
        primary, also_at = self.paths[doc_id]
        if path in also_at:
            also_at.remove(path)
            self.changed.add(doc_id)
        if self._by_path.get(path) == doc_id:
            del self._by_path[path]

    def promote(self, doc_id: str) -> str | None:
        """The document's own file is gone: its first listed copy becomes its path (None: no copy left)."""
        primary, also_at = self.paths[doc_id]
        self._by_path.pop(primary, None)
        if not also_at:
            return None
        self.paths[doc_id] = (also_at[0], also_at[1:])
        self.changed.add(doc_id)
        return also_at[0]

    def forget(self, doc_id: str) -> None:
        """A newly placed document failed before it was stored: free its id, path and content."""
        path, _ = self.paths.pop(doc_id)
        self._by_path.pop(path, None)
        if self._by_sha.get(digest := self.sha.pop(doc_id)) == doc_id:
            del self._by_sha[digest]


def unique_id(short_id: str, path: str, taken: set[str]) -> str:
    """`short_id` when free; else prefixed with the folders above it in `path`, one at a time, until free;
    else (a URL, or every prefix taken) suffixed with a hash of the whole path."""
    if short_id not in taken:
        return short_id
    parts = PurePosixPath(path).parts
    tail = PurePosixPath(short_id).parts
    if parts[-len(tail) :] == tail:
        folders = [p for p in parts[: -len(tail)] if p != "/"]
        for k in range(1, len(folders) + 1):
            candidate = "/".join([*folders[-k:], *tail])
            if candidate not in taken:
                return candidate
    digest = hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()
    for size in (8, 16, 64):
        candidate = f"{short_id}#{digest[:size]}"
        if candidate not in taken:
            return candidate
    raise ValueError(f"no free doc_id for {path}")
