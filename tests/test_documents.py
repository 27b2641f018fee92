"""Loaders: formats, header parsing, encodings, doc ids and one-line reasons for bad input."""

from __future__ import annotations

import http.server
import threading
from functools import partial

import pytest
from helpers import DATA, SEED, free_port, load, make_docx, make_pdf

from assistant.models import InputError
from assistant.text.documents import Source, discover, normalise_date, parse, read_bytes, split_header
from assistant.text.readers import decode_text, normalise

CAP = 50 * 1024 * 1024


def reason(path, cap=CAP) -> str:
    with pytest.raises(InputError) as err:
        load(path, cap)
    return str(err.value)


def test_seed_header_is_parsed_and_chrome_dropped():
    doc = load(SEED)
    assert doc.title.startswith("Over 140 Groundbreaking Policies Implemented in Beijing")
    assert doc.date == "2025-03-01"
    assert doc.source == "www.chinanews.com"
    assert doc.text.startswith("Beijing is among the first group of cities")
    for chrome in ("fontSize", "Topics:", "Date:", "Source:", "\u00a0"):
        assert chrome not in doc.text
    assert "\nChinese\n" not in "\n" + doc.text
    assert doc.doc_id == f"corpus/{SEED.name}"
    assert len(doc.sha256) == 64


def test_normalise_nfkc_and_spaces():
    assert normalise("a\u00a0b\r\nc\u200b\uff11\n\n\n\nd  \n") == "a b\nc1\n\nd"


def test_chinese_page_header_with_fields_on_one_line():
    title = "青岚市关于支持外资研发中心的若干措施"
    text = normalise(f"{title}\n发布时间：2025-04-18 09:30  来源：青岚市商务局  浏览次数：1024\n"
                     "【字体：大 中 小】\n\n为吸引外资研发中心落户，现制定以下措施"
                     "（合成测试文本）。")  # fmt: skip
    meta, body = split_header(text)
    assert meta == {"title": title, "date": "2025-04-18 09:30", "source": "青岚市商务局"}
    assert body == "为吸引外资研发中心落户,现制定以下措施(合成测试文本)。"
    assert normalise_date(meta["date"]) == "2025-04-18"
    long_title = title + "的通知(合成)"  # as long as the longest line: the header is read before joining
    data = f"{long_title}\n发布时间：2025-04-18 来源：青岚市商务局\n\n正文。".encode()
    doc = parse(Source(spec="notice.txt", doc_id="notice.txt"), data, ".txt")
    assert (doc.title, doc.date, doc.source) == (long_title, "2025-04-18", "青岚市商务局")


def test_a_traditional_chinese_header_is_read():
    meta, body = split_header(
        normalise("竹林經濟開發區通報\n發布時間：2025-04-18  來源：竹林市商務局\n\n正文（合成測試文本）。")
    )
    assert meta == {"title": "竹林經濟開發區通報", "date": "2025-04-18", "source": "竹林市商務局"}
    assert body == "正文(合成測試文本)。"


def test_header_absent_leaves_text_alone():
    meta, body = split_header("Plain first line of a memo that is a sentence.\nSecond line.")
    assert meta == {} and body.startswith("Plain first line")


def test_markdown_front_matter():
    doc = load(DATA / "synthetic_zone_notice.md")
    assert doc.title == "Synthetic Notice on Green Finance Pilots in Maple Bay"
    assert doc.date == "2024-06-15" and doc.source == "synthetic.example"
    assert "---" not in doc.text and "37 green bond pilots" in doc.text


def test_html_main_text_and_meta():
    doc = load(DATA / "synthetic_zone_page.html")
    assert doc.title == "Synthetic Page: Orchard Valley Opens Its Data Centre Zone"
    assert doc.date == "2024-09-03" and doc.source == "orchard.synthetic.example"
    assert "admitted 18 operators in its first year" in doc.text
    assert "40% renewable power." in doc.text
    for junk in ("tracking", "color: red", "Navigation chrome", "Copyright footer"):
        assert junk not in doc.text


def test_chinese_government_page():
    """A page laid out as Chinese government sites are (synthetic): labelled gb2312 but holding a GBK-only
    character (喆), titled by ArticleTitle, sourced by ContentSource, with menus, breadcrumbs, share and
    related links and a footer in plain divs."""
    doc = load(DATA / "synthetic_gov_page_gbk.html")
    assert doc.title == "青岚市关于支持外资研发中心发展的若干措施" and doc.date == "2025-04-18"
    assert doc.source == "青岚市商务局"
    assert "首席科学家王喆等高层次人才,给予每人一次性安家补贴80万元。" in doc.text  # not mis-decoded
    assert doc.text.startswith("合成测试文件") and doc.text.endswith("有效期三年。")
    for chrome in ("首页", "当前位置", "打印本页", "分享到", "关闭窗口", "相关文件", "备案号"):
        assert chrome not in doc.text


def test_an_article_inside_a_form_is_kept():
    """VSB, a CMS of Chinese government and university sites, wraps the article in <form
    name="_newscontent_fromname">; the search form and the drop-down of links stay out (synthetic page)."""
    doc = load(DATA / "synthetic_vsb_form_page.html")
    assert doc.text.startswith("合成测试文件") and doc.text.endswith("有效期三年。")
    assert "从事研究开发活动的机构。\n\n第二章 认定条件\n\n第三条" in doc.text  # headings stay paragraphs
    for chrome in ("搜索", "友情链接", "当前位置", "打印本页", "版权所有"):
        assert chrome not in doc.text


def test_a_stray_end_of_page_in_a_header_include_does_not_cut_the_article():
    """A header include that ends in </html> (seen on www.gov.cn) closes <body> there for html.parser;
    the article after it is still read, paragraph by paragraph (synthetic page)."""
    doc = load(DATA / "synthetic_stray_html_end_page.html")
    paragraphs = doc.text.split("\n\n")
    assert len(paragraphs) == 4 and paragraphs[0].startswith("合成测试文件")
    assert paragraphs[-1] == "会议同意将2024年末市级政府债务余额限额由318亿元调整为356亿元。"
    for chrome in ("首页", "扫一扫", "主办单位"):
        assert chrome not in doc.text


@pytest.mark.parametrize("name", ["synthetic_vsb_form_page.html", "synthetic_published_byline_page.html"])
def test_a_page_without_a_date_tag_gets_the_date_it_shows(monkeypatch, name):
    """发布时间：2024-03-05 in a Chinese byline; "Published: 5 March 2024. Last updated: ..." in an English
    one. Found in the page, never fetched: a connection attempt would leave the date empty."""
    import socket

    def no_network(*args, **kwargs):
        raise OSError("synthetic test: no network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert load(DATA / name).date == "2024-03-05"


def test_a_date_tag_outranks_the_date_a_page_shows():
    from assistant.text.readers import _shown_date, decode_html

    path = DATA / "synthetic_stray_html_end_page.html"
    assert _shown_date(decode_html(path.read_bytes())) == "2024-01-15"  # the byline: its last update
    assert load(path).date == "2024-01-10"  # firstpublishedtime


def test_a_failing_date_search_leaves_the_date_empty(monkeypatch):
    import htmldate

    def broken(*args, **kwargs):
        raise RuntimeError("synthetic failure")

    monkeypatch.setattr(htmldate, "find_date", broken)
    doc = load(DATA / "synthetic_published_byline_page.html")
    assert doc.date == "" and "212 grants" in doc.text


def test_html_article_in_parts_and_tables_lose_nothing(tmp_path):
    def page(name: str, article: str) -> str:
        menu = '<div><a href="/">Home</a> <a href="/n">News</a> <a href="/a">About us and offices</a></div>'
        (tmp_path / name).write_text(f"<html><body>{menu}{article}</body></html>")
        return load(tmp_path / name).text

    text = page("sections.html", "<div><div><p>The first part of this synthetic article names its 12 pilot "
                "schemes.</p><p>A second paragraph covers applications.</p></div><div><p>The second part "
                "lists the 3 subsidies and who may claim them.</p></div></div>")  # fmt: skip
    assert "12 pilot schemes" in text and "3 subsidies" in text and "Home" not in text
    text = page("linked.html", "<main><div><p>The zone registered 318 foreign-invested firms this year, "
                "a synthetic figure.</p><p>Applicants must comply with the <a href='/law'>Foreign Investment "
                "Law of the People's Republic of China</a>.</p><ul>" + "<li><a href='/n'>Related notice on "
                "trade</a></li>" * 6 + "</ul></div></main>")  # fmt: skip
    assert "318 foreign-invested firms" in text and "must comply with the Foreign Investment Law" in text
    assert "Related notice" not in text  # the links-only list goes, the prose that cites a law stays
    text = page("table.html", "<div><p>Synthetic bulletin: this year's figures are in the table below.</p>"
                "</div><div><table><tr><th>Item</th><th>2024</th></tr><tr><td>Foreign-invested firms</td>"
                "<td>318</td></tr><tr><td>Imports (bn yuan)</td><td>86.4</td></tr></table>"
                "</div>")  # fmt: skip
    assert "this year's figures" in text
    assert "Foreign-invested firms | 318\n\nImports (bn yuan) | 86.4" in text  # a row is one line


def test_a_stray_byte_in_a_labelled_page_costs_one_character():
    from assistant.text.readers import decode_html

    data = '<meta charset="utf-8"><p>合成测试：新设外资企业318家</p>'.encode() + b"\xff<p>end</p>"
    assert decode_html(data).count("\ufffd") == 1 and "新设外资企业318家" in decode_html(data)


def test_gb18030_and_cp1252_are_decoded():
    zh = load(DATA / "synthetic_gb18030_notice.txt")
    assert "新设外商投资企业318家" in zh.text
    memo = load(DATA / "synthetic_cp1252_memo.txt")
    assert "council’s “fast track” issued 212 café licences in 2024 – a record." in memo.text


def test_utf16_with_bom():
    assert decode_text("Synthetic UTF-16 text".encode("utf-16")) == "Synthetic UTF-16 text"


def test_pdf_pages_are_kept(tmp_path):
    pdf = tmp_path / "synthetic.pdf"
    pdf.write_bytes(
        make_pdf(["Synthetic page one about Maple Bay.", "Synthetic page two: 44 permits issued."])
    )
    doc = load(pdf)
    assert "Synthetic page one" in doc.text and "44 permits issued" in doc.text
    assert doc.page_at(0) == 1
    assert doc.page_at(doc.text.index("44 permits")) == 2


def test_docx(tmp_path):
    path = make_docx(
        tmp_path / "synthetic.docx", "Synthetic Word Memo", ["Synthetic memo.", "It lists 9 zones."]
    )
    doc = load(path)
    assert doc.title == "Synthetic Word Memo" and "It lists 9 zones." in doc.text


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"  \n\n ", "empty file"),
        ("binary.txt", bytes(range(256)) * 8, "binary content"),
        ("corrupt.pdf", b"%PDF-1.4\nthis is not really a pdf\n", "corrupt PDF"),
        ("scanned.pdf", make_pdf([""]), "no extractable text: scanned PDF? OCR is not supported"),
        ("notes.xyz", b"synthetic", "unsupported file type .xyz"),
        ("fake.docx", b"synthetic, not a zip", "not a valid DOCX file"),
    ],
)
def test_bad_inputs_give_one_line_reasons(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    message = reason(path)
    assert expected in message and "\n" not in message


def test_size_cap(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("Synthetic filler sentence. " * 100)
    assert "over the size cap" in reason(path, cap=1000)


def test_missing_path_is_a_failure():
    sources, failed, _ = discover(["/no/such/place.txt"])
    assert sources == [] and failed == [("/no/such/place.txt", "no such file or directory")]


def test_folder_discovery_and_doc_ids(tmp_path):
    root = tmp_path / "policies"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("Synthetic A.")
    (root / "sub" / "b.md").write_text("Synthetic B.")
    (root / ".hidden.txt").write_text("Synthetic hidden.")
    (root / "README.md").write_text("About this folder.")
    sources, failed, roots = discover([str(root), str(root / "a.txt")])
    assert [s.doc_id for s in sources] == ["policies/a.txt", "policies/sub/b.md", "policies/a.txt"]
    assert roots == [str(root.resolve())] and not failed


@pytest.mark.parametrize(
    "raw, iso",
    [("2025-03-01", "2025-03-01"), ("2024/11/5", "2024-11-05"), ("March 1, 2025", "2025-03-01"),
     ("2024-09-03T08:00:00+08:00", "2024-09-03"), ("1 March 2025", "2025-03-01"), ("soon", "")],
)  # fmt: skip
def test_dates(raw, iso):
    assert normalise_date(raw) == iso


@pytest.fixture
def http_root(tmp_path):
    """A local http.server on 127.0.0.1 serving tmp_path."""
    (tmp_path / "page.html").write_bytes((DATA / "synthetic_zone_page.html").read_bytes())
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_url_is_loaded(http_root):
    url = f"{http_root}/page.html"
    source = Source(spec=url, doc_id=url, is_url=True)
    data, ext = read_bytes(source, CAP, 5)
    doc = parse(source, data, ext)
    assert ext == ".html" and doc.doc_id == url and "18 operators" in doc.text


@pytest.mark.parametrize("path", ["/missing.html", None])
def test_unreachable_url(http_root, path):
    url = f"{http_root}{path}" if path else f"http://127.0.0.1:{free_port()}/nothing"
    source = Source(spec=url, doc_id=url, is_url=True)
    with pytest.raises(InputError, match="unreachable URL"):
        read_bytes(source, CAP, 5)


def test_url_size_cap(http_root):
    url = f"{http_root}/page.html"
    with pytest.raises(InputError, match="size cap"):
        read_bytes(Source(spec=url, doc_id=url, is_url=True), 100, 5)


def test_counts_in_messages_take_the_singular_for_one():
    from assistant.models import DraftCheck, DraftSentence, IngestReport, Verdict, plural

    assert [plural(n, "document") for n in (0, 1, 2, 1000)] == [
        "0 documents", "1 document", "2 documents", "1,000 documents"
    ]  # fmt: skip
    assert plural(1, "entry", "entries") == "1 entry" and plural(3, "entry", "entries") == "3 entries"
    report = IngestReport(added=["a.txt"], chunks_added=1, seconds=2.0)
    assert report.summary() == (
        "1 added, 0 updated, 0 unchanged, 0 removed, 0 failed (1 chunk in 2.0s, 0.5 chunks/s)"
    )
    assert "(1,200 chunks in" in IngestReport(chunks_added=1200, seconds=1.0).summary()
    one = DraftCheck("The zone has 9 parks. It is nice.", [
        DraftSentence("The zone has 9 parks.", 0, 21, Verdict("The zone has 9 parks.", "supported", "")),
        DraftSentence("It is nice.", 22, 33),
    ])  # fmt: skip
    assert one.summary() == (
        "Checked 1 sentence: 1 supported, 0 contradicted, 0 not found; 1 had nothing to check."
    )


@pytest.mark.parametrize(
    "body",
    [
        "<p>These measures take effect on 2025-07-01 and apply to every firm in the zone.</p>",
        "<p>本办法自2025-07-01起施行。</p>",
        "<p>Effective date: 2025-07-01</p>",
        "<p>施行日期：2025-07-01</p>",
        "<p>Applications close on 31 March 2026.</p>",
    ],
)
def test_a_date_the_page_shows_without_a_publication_label_is_not_taken_for_its_date(body):
    """An effective date or a deadline in the text is no publication date: no date beats a wrong one."""
    from assistant.config import Limits
    from assistant.text.readers import READERS

    page = f"<html><head><title>Synthetic notice</title></head><body><h1>Synthetic notice</h1>{body}"
    page += "<p>SYNTHETIC TEST DOCUMENT: the office approved 37 pilots.</p></body></html>"
    assert READERS[".html"](page.encode(), Limits()).date == ""
