"""Loaders: paths, folders and URLs -> normalised Documents with title, date, source and a stable doc_id."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.config import Limits
from assistant.models import AssistantError, Document, InputError
from assistant.text.chunking import unwrap_chinese
from assistant.text.normalise import fold, normalise, normalise_date
from assistant.text.readers import READERS, Parsed, fetch_url

log = logging.getLogger(__name__)

SUPPORTED = tuple(sorted(READERS))
_SKIPPED_NAMES = re.compile(r"^(readme|license|licence|changelog)(\.[a-z]+)?$", re.I)


@dataclass
class Source:
    """One thing to ingest: a file path or a URL, with the doc_id it will be stored under."""

    spec: str
    doc_id: str
    root: str = ""
    is_url: bool = False


def is_url(spec: str) -> bool:
    return spec.lower().startswith(("http://", "https://"))


def discover(inputs: list[str]) -> tuple[list[Source], list[tuple[str, str]], list[str]]:
    """Expand files, folders (recursively) and URLs into sources; returns (sources, failures, roots)."""
    sources: list[Source] = []
    failed: list[tuple[str, str]] = []
    roots: list[str] = []
    for spec in inputs:
        if is_url(spec):
            sources.append(Source(spec=spec, doc_id=spec, is_url=True))
            continue
        path = Path(spec).expanduser()
        if not path.exists():
            failed.append((spec, "no such file or directory"))
        elif path.is_dir():
            root = path.resolve()
            roots.append(str(root))
            for file in sorted(p for p in root.rglob("*") if p.is_file()):
                rel = file.relative_to(root)
                if any(part.startswith(".") for part in rel.parts) or _SKIPPED_NAMES.match(file.name):
                    continue
                sources.append(Source(spec=str(file), doc_id=short_id(file, root), root=str(root)))
        else:
            file = path.resolve()
            sources.append(Source(spec=str(file), doc_id=short_id(file)))
    return sources, failed, roots


def short_id(file: Path, root: Path | None = None) -> str:
    """The readable doc_id a file is offered: its path from the ingested folder, that folder's name
    first (`policies/notice.txt`), or a lone file's folder and name; the index makes it unique."""
    base = root if root is not None else file.parent
    rel = file.relative_to(base).as_posix()
    return f"{base.name}/{rel}" if base.name else rel


def extension(source: Source) -> str:
    return Path(source.spec).suffix.lower()


def read_bytes(source: Source, max_bytes: int, url_timeout: float) -> tuple[bytes, str]:
    """Raw bytes and format extension of a source, refusing unsupported types and oversize inputs."""
    if source.is_url:
        return fetch_url(source.spec, timeout=url_timeout, max_bytes=max_bytes)
    ext = extension(source)
    if ext not in READERS:
        shown = ext or "(no extension)"
        raise InputError(f"unsupported file type {shown}; supported: {', '.join(SUPPORTED)}")
    path = Path(source.spec)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"file of {size / 1e6:.1f} MB is over the size cap of {max_bytes / 1e6:.1f} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}") from None
    if not data.strip():
        raise InputError("empty file")
    return data, ext


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse(source: Source, data: bytes, ext: str, limits: Limits | None = None) -> Document:
    """Turn raw bytes into a normalised Document; raises InputError with a one-line reason."""
    limits = limits or Limits()
    parsed: Parsed = READERS[ext](data, limits)
    limits.check_chars(len(parsed.text))
    text = normalise(parsed.text)
    title, date, src = parsed.title, parsed.date, parsed.source
    if ext in (".txt", ".text", ".md", ".markdown"):
        header, text = split_header(text)
        title = title or header.get("title", "")
        date = date or header.get("date", "")
        src = src or header.get("source", "")
    text = unwrap_chinese(text)  # after the header: its lines are not prose
    if not text.strip():
        raise InputError("no text in document")
    if not title:
        title = _title_from_text(text) or Path(source.spec.rstrip("/")).stem.replace("_", " ").strip()
    return Document(
        doc_id=source.doc_id,
        text=text,
        title=normalise(title).replace("\n", " "),
        date=normalise_date(date),
        source=src or (_host(source.spec) if source.is_url else ""),
        path=source.spec,
        sha256=sha256(data),
        root=source.root,
        kind=ext.lstrip("."),
        pages=parsed.pages,
    )


def load(spec: str | Path, max_bytes: int, url_timeout: float, limits: Limits | None = None) -> Document:
    """One file or URL discovered, read and parsed as ingest reads it; InputError names it and the reason."""
    sources, failed, _ = discover([str(spec)])
    if failed or not sources:
        raise InputError(f"{spec}: {failed[0][1] if failed else 'not a readable document'}")
    try:
        data, ext = read_bytes(sources[0], max_bytes, url_timeout)
        return parse(sources[0], data, ext, limits)
    except (OSError, ValueError, AssistantError) as e:
        raise InputError(f"{spec}: {e}") from e


_LANGUAGE_LABEL = re.compile(
    r"^(chinese|english|中文|简体中文|繁體中文|english version|français|español)$", re.I
)
# Header lines of a scraped page and the field each gives; Chinese pages write several on one line
# (发布时间:2025-03-01 来源:北京市商务局).
_HEADER_FIELDS = {
    "topics": "", "date": "date", "source": "source", "fontsize": "", "title": "title", "author": "",
    "published": "date", "发布日期": "date", "发布时间": "date", "成文日期": "date", "日期": "date",
    "来源": "source", "信息来源": "source", "文章来源": "source", "发布机构": "source", "标题": "title",
    "作者": "", "浏览次数": "", "字号": "", "字体": "",
}  # fmt: skip
_HEADER_KEY = re.compile(rf"(?:^|\s)({'|'.join(sorted(_HEADER_FIELDS, key=len, reverse=True))})\s*:\s*", re.I)


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Read the header of a scraped page (title, Date:, Source:) and drop its chrome; returns (meta, body)."""
    lines = text.split("\n")
    if not any(_header_fields(line.strip()) for line in lines[:15]):
        return {}, text
    meta: dict[str, str] = {}
    body_at = 0
    for i, raw in enumerate(lines[:20]):
        line = raw.strip()
        fields = _header_fields(line)
        if not line:
            if {"date", "source"} & meta.keys():
                body_at = i + 1
                break
        elif fields:
            for key, value in fields:
                if _HEADER_FIELDS[key] and value:
                    meta[_HEADER_FIELDS[key]] = value
        elif _LANGUAGE_LABEL.match(line):
            pass
        elif len(line) <= 250 and "title" not in meta:
            meta["title"] = line
        else:
            break
        body_at = i + 1
    return meta, "\n".join(lines[body_at:]).strip("\n")


def _header_fields(line: str) -> list[tuple[str, str]]:
    """The (key, value) pairs of a header line, which must start with a key (in simplified or traditional
    characters: 來源 is 来源); [] for any other line."""
    line = line.strip("【】[] ")
    found = list(_HEADER_KEY.finditer(fold(line)))
    if not found or found[0].start() != 0:
        return []
    ends = [m.start() for m in found[1:]] + [len(line)]
    return [(m.group(1).lower(), line[m.end() : end].strip()) for m, end in zip(found, ends, strict=True)]


def _title_from_text(text: str) -> str:
    first = text.split("\n", 1)[0].strip().lstrip("#").strip()
    return first if 0 < len(first) <= 150 and not first.endswith((".", ";", ",")) else ""


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or ""
