"""Uploaded files kept under the index: each copied to uploads/<content hash>/<its name>, so two different
files with one name never overwrite each other, and removed with the document they became."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from assistant.models import AssistantError, Cancelled, DocumentInfo, IngestReport, UploadResult, plural
from assistant.text.documents import sha256

_NAME_JUNK = re.compile(r"[^\w.()\-]+", re.UNICODE)


def upload_name(name: str) -> str:
    """A file name that stays inside its uploads folder and keeps its extension: letters of any script,
    digits, '.', '-', '_' and brackets; no directories, no dot-files, at most about 120 characters."""
    base = _NAME_JUNK.sub("_", Path(str(name).replace("\\", "/")).name).lstrip("._-")
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        stem, ext = base, ""
    stem = stem[:100].rstrip("._-") or "upload"
    return f"{stem}.{ext.lower()}" if ext else stem


class Uploads:
    """The uploads folder of one index."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def add(
        self,
        file: str | Path,
        name: str,
        stored: Callable[[], dict[str, DocumentInfo]],
        ingest: Callable[..., IngestReport],
        cancel: threading.Event | None = None,
    ) -> UploadResult:
        """Copy an upload in and `ingest` it, unless content already `stored` has the same bytes; a copy
        that fails or is cancelled is deleted again."""
        display = upload_name(name)
        try:
            digest = sha256(Path(file).read_bytes())  # uploads are capped at max_file_mb
        except OSError as exc:
            return UploadResult(display, "failed", f"cannot read the upload: {exc.strerror or exc}")
        for info in stored().values():
            if info.sha256 == digest:
                return UploadResult(display, "unchanged", f"same content as {info.doc_id}", info.doc_id)
        target = self.folder / digest[:16] / display
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
        except OSError as exc:
            return UploadResult(display, "failed", f"cannot store the upload: {exc.strerror or exc}")
        return self._ingest(target, display, ingest, cancel)

    def _ingest(self, target: Path, display: str, ingest, cancel) -> UploadResult:
        try:
            report = ingest([target], cancel=cancel)
        except Cancelled:
            self.discard(target)
            return UploadResult(display, "cancelled", "not indexed")
        except AssistantError as exc:
            report = IngestReport(failed=[(str(target), str(exc))])
        if report.failed:
            self.discard(target)
            return UploadResult(display, "failed", report.failed[0][1])
        done = report.added or report.updated or report.unchanged
        status = "added" if report.added else "updated" if report.updated else "unchanged"
        return UploadResult(display, status, plural(report.chunks_added, "chunk"), done[0] if done else "")

    def discard(self, path: Path | str) -> None:
        """Delete an upload copy (and its folder once empty); files outside the uploads folder are kept."""
        try:
            path, root = Path(path).resolve(), self.folder.resolve()
            if not path.is_relative_to(root):
                return
            path.unlink(missing_ok=True)
            if path.parent != root:
                path.parent.rmdir()
        except OSError:
            pass
