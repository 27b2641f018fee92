"""Format readers: raw bytes of one file or download -> plain text plus what the format says about it."""

from __future__ import annotations

import io
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from assistant.config import Limits
from assistant.models import InputError
from assistant.text.normalise import normalise, normalise_date
from assistant.text.words import MONTHS, OTHER_DATE_LABELS, PUBLICATION_LABELS

log = logging.getLogger(__name__)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


@dataclass
class Parsed:
    """What a reader found: text, optional metadata and, for PDFs, where each page starts."""

    text: str
    title: str = ""
    date: str = ""
    source: str = ""
    url: str = ""
    pages: list[tuple[int, int]] = field(default_factory=list)


def decode_text(data: bytes) -> str:
    """Decode bytes of a text file: UTF-8/UTF-16 first, then GB18030 for Chinese, then cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:8192]:
        raise InputError("binary content, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_legacy(data)
    sample = text[:20000]
    if sample and len(_CONTROL.findall(sample)) / len(sample) > 0.01:
        raise InputError("binary content, not text")
    return text


def _decode_legacy(data: bytes) -> str:
    """Pick between GB18030 and cp1252: Chinese decodes to runs of CJK characters, Latin text does not."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        non_ascii = sum(1 for ch in text if ord(ch) > 127)
        cjk_in_runs = sum(len(m) for m in _CJK_RUN.findall(text))
        if non_ascii and cjk_in_runs / non_ascii >= 0.5:
            return text
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_text(data: bytes, limits: Limits) -> Parsed:
    return Parsed(text=decode_text(data))


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def read_markdown(data: bytes, limits: Limits) -> Parsed:
    """Markdown with optional YAML front matter (title, date, source, url)."""
    import yaml

    text = decode_text(data)
    m = _FRONT_MATTER.match(text)
    if not m:
        return Parsed(text=text)
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML front matter: {str(exc).splitlines()[0]}") from None
    if not isinstance(meta, dict):
        meta = {}
    return Parsed(
        text=text[m.end() :],
        title=str(meta.get("title") or ""),
        date=str(meta.get("date") or ""),
        source=str(meta.get("source") or ""),
        url=str(meta.get("url") or ""),
    )


_BLOCK_TAGS = [
    "p", "div", "section", "article", "main", "br", "li", "ul", "ol", "table", "tr", "h1", "h2", "h3",
    "h4", "h5", "h6", "blockquote", "pre", "dd", "dt", "figcaption", "td", "th", "form",
]  # fmt: skip
# Not <form>: CMSs wrap whole articles in one (VSB's _newscontent_fromname, ASP.NET's page form). A <select>
# is a drop-down of links to other sites.
_CHROME_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "iframe", "svg", "select"]
# ArticleTitle, PubDate, firstpublishedtime, ContentSource and SiteName: tags of Chinese government sites.
_TITLE_META = [
    ("property", "og:title"), ("name", "articletitle"), ("name", "title"), ("name", "dc.title"),
    ("name", "twitter:title"),
]  # fmt: skip
_DATE_META = [
    ("property", "article:published_time"), ("name", "date"), ("name", "pubdate"), ("name", "publishdate"),
    ("name", "dc.date"), ("name", "dcterms.date"), ("name", "publication_date"),
    ("itemprop", "datepublished"), ("name", "firstpublishedtime"),
]  # fmt: skip
_SOURCE_META = [
    ("name", "contentsource"), ("property", "og:site_name"), ("name", "publisher"), ("name", "dc.publisher"),
    ("name", "sitename"),
]  # fmt: skip
# What browsers decode a declared legacy charset as (the WHATWG Encoding Standard): pages labelled gb2312
# routinely hold GBK characters, and latin-1 pages Windows quotes.
_CHARSET_AS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "iso-8859-1": "cp1252",
               "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
               "big5": "big5hkscs"}  # fmt: skip
_LINK_HEAVY = 0.5  # a block whose text is mostly link text is navigation (menus, breadcrumbs, related links)
_PARAGRAPH_CHARS = 20  # a block with at least this much text of its own, outside links, is prose
_SIBLING_SHARE = 0.2  # a sibling crediting this share of the best element's prose is part of the article
_MAIN_SHARE = 0.5  # ... and the article holds at least this share of the page's prose, or the page is kept


def _meta(soup, keys) -> str:
    for attr, value in keys:
        tag = soup.find("meta", attrs={attr: re.compile(f"^{re.escape(value)}$", re.I)})
        if tag and tag.get("content"):
            return str(tag["content"]).strip()
    return ""


def read_html(data: bytes, limits: Limits) -> Parsed:
    """Main text of an HTML page (no scripts, navigation or footers); title from meta tags, date from
    meta tags or else the one the page shows. The main text is the <article> or <main>, or else the
    element holding most of the page's prose; blocks that are mostly links are left out."""
    from bs4 import BeautifulSoup

    html = decode_html(data)
    soup = BeautifulSoup(html, "html.parser")
    title = _meta(soup, _TITLE_META) or (soup.title.get_text(" ", strip=True) if soup.title else "")
    date, source = _meta(soup, _DATE_META), _meta(soup, _SOURCE_META)
    if not normalise_date(date):
        date = _shown_date(html) or date
    for tag in soup.find_all(_CHROME_TAGS):
        tag.decompose()
    body = soup.find("article") or soup.find("main") or _densest(_page(soup))
    for tag in body.find_all(_BLOCK_TAGS):
        if tag.decomposed or tag.name == "br" or re.fullmatch(r"h\d", tag.name):
            continue
        if _link_share(tag) > _LINK_HEAVY and _prose(tag) < _PARAGRAPH_CHARS:  # links, no prose of its own
            tag.decompose()
    for tag in body.find_all(_BLOCK_TAGS):
        cell = tag.name in ("td", "th") and tag.find_next_sibling(("td", "th")) is not None
        tag.insert_after(" | " if cell else "\n\n")  # a table row stays one line: a figure with its label
    lines = [" ".join(line.split()) for line in body.get_text("").splitlines()]
    paragraphs, current = [], []
    for line in lines + [""]:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    return Parsed(text="\n\n".join(paragraphs), title=title, date=date, source=source)


def _page(soup):
    """The <body>, or the whole document when the body holds under half its text: a stray </html> (in a
    header include, say) ends the body there and html.parser puts the rest of the page after it."""
    body = soup.body
    if body is None or 2 * len(body.get_text("", strip=True)) < len(soup.get_text("", strip=True)):
        return soup
    return body


def _shown_date(html: str) -> str:
    """Publication date the page shows (a byline's 发布时间, "Published: ..."), as htmldate finds it in a
    tree (given a URL-like string it would download it); "" when none is found or htmldate fails, since a
    date must never fail an ingest."""
    try:
        from htmldate import find_date
        from lxml import html as lxml_html

        html = re.sub(r"</(?:body|html)\s*>", "", html, flags=re.I)  # lxml drops what follows a stray one
        tree = lxml_html.fromstring(
            html.encode("utf-8", "replace"), parser=lxml_html.HTMLParser(encoding="utf-8")
        )
        found = find_date(tree, original_date=True, extensive_search=False, outputformat="%Y-%m-%d") or ""
    except Exception:
        return ""
    return found if found and _labelled(found, " ".join(tree.itertext())) else ""


def _words(words) -> str:
    return "|".join(rf"\b{w}\b" if w.isascii() else w for w in words)


_LABEL = _words(PUBLICATION_LABELS)
_OTHER_LABEL = re.compile(_words(OTHER_DATE_LABELS), re.I)


def _labelled(day: str, text: str) -> bool:
    """Does the page show this YYYY-MM-DD day after a publication label, or with a time of day as bylines
    do? htmldate also takes a bare date from the prose, which may be the day a measure takes effect or a
    deadline: no date beats a wrong one."""
    y, m, d = (int(part) for part in day.split("-"))
    month = MONTHS[m - 1]
    forms = [
        rf"{y}\s*[-/.]\s*0?{m}\s*[-/.]\s*0?{d}(?!\d)",
        rf"{y}\s*年\s*0?{m}\s*月\s*0?{d}\s*日",
        rf"(?<!\d)0?{d}(?:st|nd|rd|th)?\s+{month}\.?,?\s+{y}",
        rf"{month}\.?\s+0?{d}(?:st|nd|rd|th)?,?\s+{y}",
    ]
    text = " ".join(text.split())
    day_forms = "|".join(forms)
    shown = (
        rf"(?:{_LABEL})[^\n]{{0,30}}?(?:{day_forms})|(?:{day_forms})\s*\d{{1,2}}:\d{{2}}"  # or with its time
    )
    for m in re.finditer(shown, text, re.I):
        if not _OTHER_LABEL.search(text[max(0, m.start() - 12) : m.end()]):
            return True
    return False


def _link_share(tag) -> float:
    """Share of a block's text that is link text."""
    text = len(tag.get_text("", strip=True))
    return 1 - _prose(tag) / text if text else 0.0


def _densest(body):
    """The element holding the page's prose: each block with prose of its own (text outside links and
    outside nested blocks) credits it to its parent in full and to its grandparent by half; the best
    credited element wins, or its parent when a sibling holds prose too (an article in sections). Menus,
    breadcrumbs and footers of short lines credit little."""
    credit: dict[int, float] = {}
    for tag in body.find_all(_BLOCK_TAGS):
        if tag.name == "tr":  # a table row is read as one line, however short its cells
            own = _prose(tag)
        elif tag.name in ("td", "th"):
            continue
        else:
            own = sum(len(str(t).strip()) for t in tag.find_all(string=True, recursive=False))
            own += sum(len(c.get_text("", strip=True)) for c in tag.find_all(recursive=False)
                       if c.name not in _BLOCK_TAGS and c.name != "a")  # fmt: skip
        if own < _PARAGRAPH_CHARS:
            continue
        for parent, weight in ((tag.parent, 1.0), (tag.parent.parent if tag.parent else None, 0.5)):
            if parent is not None:
                credit[id(parent)] = credit.get(id(parent), 0.0) + weight * own
    most = max(credit.values(), default=0.0)
    best = next((t for t in body.find_all(True) if credit.get(id(t)) == most), None)
    if best is None:
        return body
    while (
        best is not body
        and best.parent is not None
        and any(
            credit.get(id(sibling), 0.0) >= _SIBLING_SHARE * most
            for sibling in best.parent.find_all(recursive=False)
            if sibling is not best
        )
    ):
        best = best.parent
    return best if _prose(best) >= _MAIN_SHARE * _prose(body) else body


def _prose(tag) -> int:
    """Characters of text outside links."""
    return len(tag.get_text("", strip=True)) - sum(len(a.get_text("", strip=True)) for a in tag.find_all("a"))


def decode_html(data: bytes) -> str:
    """HTML bytes to text, honouring a declared charset (as browsers read it) before guessing; bytes the
    declared one cannot decode are decoded by guessing rather than replaced."""
    m = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", data[:4096], re.I)
    if m:
        declared = m.group(1).decode("ascii").lower()
        try:
            text = data.decode(_CHARSET_AS.get(declared, declared), errors="replace")
        except LookupError:
            return decode_text(data)
        if text.count("\ufffd") <= max(3, len(text) // 1000):  # a stray byte or two: the label is right
            return text
    return decode_text(data)


def read_pdf(data: bytes, limits: Limits) -> Parsed:
    """Text layer of a PDF, page by page; the page where each piece starts is kept. Refused above
    `limits.pdf_pages` pages or `limits.chars` characters, before or while reading it."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings repeat what the reason says

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError("encrypted PDF: cannot read it without the password")
        count = _page_count(reader)
        if count > limits.pdf_pages:
            raise InputError(
                f"refused: {count:,} pages, more than {limits.pdf_pages:,} "
                "(limit: POLICY_ASSISTANT_MAX_PDF_PAGES)"
            )
        pieces, pages, offset = [], [], 0
        for number, page in enumerate(reader.pages, start=1):
            if number > limits.pdf_pages:  # the page tree said fewer
                raise InputError(
                    f"refused: more than {limits.pdf_pages:,} pages (limit: POLICY_ASSISTANT_MAX_PDF_PAGES)"
                )
            text = normalise(page.extract_text() or "")
            if not text:
                continue
            if pieces:
                offset += 2
            pages.append((offset, number))
            pieces.append(text)
            offset += len(text)
            limits.check_chars(offset)
    except InputError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise InputError(f"corrupt PDF: {exc.__class__.__name__}: {exc}") from None
    if not pieces:
        raise InputError("no extractable text: scanned PDF? OCR is not supported")
    title = ""
    try:
        title = str((reader.metadata or {}).get("/Title") or "")
    except PyPdfError:
        pass
    return Parsed(text="\n\n".join(pieces), title=title, pages=pages)


def _page_count(reader) -> int:
    """Pages a PDF declares in its page tree's root (cheap), else found by walking the tree."""
    try:
        declared = reader.trailer["/Root"]["/Pages"]["/Count"]
        return int(declared)
    except (KeyError, TypeError, ValueError):
        return len(reader.pages)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_chars(z, stop_above: int) -> int:
    """Characters of text in a DOCX body, counted while streaming its XML (python-docx would first
    build an object per paragraph: over a minute and a gigabyte for a small file of empty paragraphs)."""
    from lxml import etree

    total = 0
    try:
        with z.open("word/document.xml") as f:
            events = etree.iterparse(f, events=("end",), tag=(f"{_W}t", f"{_W}p"), resolve_entities=False)
            for _event, el in events:
                total += len(el.text or "") + 2 * (el.tag == f"{_W}p")
                el.clear(keep_tail=False)
                if total > stop_above:
                    break
    except KeyError:
        return 0  # no body part: python-docx says what is wrong
    except etree.LxmlError as exc:
        raise InputError(_broken_xml("word/document.xml", exc)) from None
    return total


def _refuse_entities(z) -> None:
    """Refuse a DOCX any of whose XML parts declares entities: Word never writes a DTD, and nested
    entities (a "billion laughs") would expand a small file into gigabytes. Reads each prolog only."""
    from lxml import etree

    for name in z.namelist():
        if not name.lower().endswith((".xml", ".rels")):
            continue
        try:
            with z.open(name) as f:
                _event, root = next(etree.iterparse(f, events=("start",), resolve_entities=False))
        except (StopIteration, etree.LxmlError):
            continue  # broken, not refused here: the reader that needs the part says what is wrong
        dtd = root.getroottree().docinfo.internalDTD
        if dtd is not None and next(dtd.iterentities(), None) is not None:
            raise InputError(
                f"refused: {name} defines XML entities (a DOCX never needs them; possible entity-expansion "
                "attack)"
            )


def _broken_xml(part: str, exc: Exception) -> str:
    """The one line for XML that lxml could not parse, without the exception's class name."""
    detail = str(exc).splitlines()[0] if str(exc) else "unreadable"
    return f"not a valid DOCX file: {part} is not well-formed XML ({detail})"


def read_docx(data: bytes, limits: Limits) -> Parsed:
    """Paragraphs and table cells of a Word document; title and date from its core properties. Refused
    when its parts would unpack to more than `limits.expanded_bytes` (read from the zip directory, whose
    sizes Python's zip reader also enforces while unpacking)."""
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            expanded = sum(info.file_size for info in z.infolist())
        if expanded > limits.expanded_bytes:
            raise InputError(
                f"refused: expands to {expanded / 2**20:,.0f} MB when unpacked, more than "
                f"{limits.expanded_bytes / 2**20:,.0f} MB (limit: POLICY_ASSISTANT_MAX_EXPANDED_MB)"
            )
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            _refuse_entities(z)
            limits.check_chars(_docx_chars(z, limits.chars))
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"not a valid DOCX file: {exc}") from None
    except etree.LxmlError as exc:  # a part the checks above do not read
        raise InputError(_broken_xml("one of its parts", exc)) from None
    parts = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                parts.append(" | ".join(dict.fromkeys(cells)))
    props = document.core_properties
    date = props.created.date().isoformat() if props.created else ""
    return Parsed(text="\n\n".join(parts), title=props.title or "", date=date)


READERS = {
    ".txt": read_text,
    ".text": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}

_CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


def fetch_url(url: str, timeout: float, max_bytes: int) -> tuple[bytes, str]:
    """Download `url` (at most `max_bytes`); returns the bytes and the extension its content type implies."""
    request = urllib.request.Request(url, headers={"User-Agent": "policy-assistant/0.1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise InputError(f"download of {int(length)} bytes is over the size cap of {max_bytes} bytes")
            data = response.read(max_bytes + 1)
            ctype = (response.headers.get_content_type() or "").lower()
    except InputError:
        raise
    except urllib.error.HTTPError as exc:
        raise InputError(f"unreachable URL: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"unreachable URL: {reason}") from None
    if len(data) > max_bytes:
        raise InputError(f"download is over the size cap of {max_bytes} bytes")
    ext = _CONTENT_TYPES.get(ctype)
    if ext is None:
        path = urllib.parse.urlsplit(url).path.lower()
        ext = next((e for e in READERS if path.endswith(e)), ".html" if "html" in ctype else "")
    if not ext:
        raise InputError(f"unsupported content type {ctype or 'unknown'}")
    return data, ext
