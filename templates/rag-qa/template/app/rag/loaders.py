"""Load uploaded bytes into clean text, keeping page offsets for PDFs."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import ClassVar

# Extension -> canonical content type. The extension decides, never the client's header alone.
SUPPORTED_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".txt": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
}


class UnsupportedDocument(ValueError):
    """The bytes are not a document we can read (wrong type, bad encoding, empty)."""


@dataclass
class LoadedDocument:
    text: str
    title: str
    content_type: str
    # Character offset where each page starts (PDF only); page n is pages[n-1].
    page_starts: list[int] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        if not self.page_starts:
            return None
        page = 1
        for number, start in enumerate(self.page_starts, start=1):
            if start <= offset:
                page = number
        return page


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-")


def safe_filename(name: str) -> str:
    """Keep the base name only, in a conservative alphabet: no paths, no traversal.

    A name with no Latin letters or digits (`报告.md`) keeps its extension and gets a stable
    stem from its hash (`doc-3f1c9a2b7e.md`) instead of vanishing into an "unsupported type".
    """
    base = PurePosixPath(name.replace("\\", "/")).name
    path = PurePosixPath(base)
    stem, suffix = _ascii(path.stem), _ascii(path.suffix)
    if not stem and path.stem.strip(". "):
        stem = "doc-" + hashlib.sha256(path.stem.encode()).hexdigest()[:10]
    return (f"{stem}.{suffix}" if stem and suffix else _ascii(base))[:120]


def document_id_for(filename: str) -> str:
    """Stable id from the file name, so re-uploading the same name replaces the document."""
    return re.sub(r"[^a-z0-9]+", "-", filename.lower()).strip("-")


def content_type_for(filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix not in SUPPORTED_TYPES:
        raise UnsupportedDocument(f"unsupported file type {suffix or '(none)'!r}")
    return SUPPORTED_TYPES[suffix]


def clean_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\x00", "")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def load_document(filename: str, data: bytes) -> LoadedDocument:
    content_type = content_type_for(filename)
    stem = PurePosixPath(filename).stem
    if content_type == "application/pdf":
        return _load_pdf(data, stem)
    text = _decode(data)
    if content_type == "text/html":
        parser = _HtmlText()
        parser.feed(text)
        body = clean_text(parser.text())
        return _non_empty(LoadedDocument(body, parser.title.strip() or stem, content_type))
    body = clean_text(text)
    title = stem
    if content_type == "text/markdown":
        match = re.search(r"^#\s+(.+)$", body, flags=re.MULTILINE)
        title = match.group(1).strip() if match else stem
    else:
        # A short first line without a full stop reads as the title of a plain-text file.
        first = body.split("\n", 1)[0].strip()
        title = first if 0 < len(first) <= 100 and not first.endswith(".") else stem
    return _non_empty(LoadedDocument(body, title, content_type))


def _non_empty(doc: LoadedDocument) -> LoadedDocument:
    if not doc.text:
        raise UnsupportedDocument("the document contains no text")
    return doc


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise UnsupportedDocument("binary content in a text document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnsupportedDocument("text documents must be UTF-8") from exc


# A hostile PDF can hold a small stream that inflates to gigabytes (a decompression bomb): no
# stream may inflate past this, and the pages' text together may not pass MAX_PDF_TEXT_CHARS.
PDF_MAX_STREAM_BYTES = 20_000_000
MAX_PDF_TEXT_CHARS = 5_000_000


def _load_pdf(data: bytes, stem: str) -> LoadedDocument:
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import FileNotDecryptedError, LimitReachedError

    if not data.startswith(b"%PDF-"):
        raise UnsupportedDocument("not a PDF file")
    limits = {
        name: PDF_MAX_STREAM_BYTES
        for name in ("zlib_maximum_output_length", "lzw_maximum_output_length",
                     "run_length_maximum_output_length", "array_based_stream_maximum_output_length",
                     "brotli_maximum_output_length", "maximum_declared_stream_length")
    }  # fmt: skip
    try:
        with apply_configuration(**limits):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise FileNotDecryptedError("a password is needed")
            pages, size = [], 0
            for page in reader.pages:
                contents = page.get_contents()
                if contents is not None:
                    contents.get_data()  # inflate here, where a bomb raises, not inside
                pages.append(clean_text(page.extract_text() or ""))
                size += len(pages[-1])
                if size > MAX_PDF_TEXT_CHARS:
                    raise UnsupportedDocument(f"PDF text longer than {MAX_PDF_TEXT_CHARS} chars")
            title = (reader.metadata.title if reader.metadata else None) or stem
    except UnsupportedDocument:
        raise
    except FileNotDecryptedError as exc:
        raise UnsupportedDocument(
            "encrypted PDF: it needs a password; remove the protection and upload it again"
        ) from exc
    except LimitReachedError as exc:
        raise UnsupportedDocument(
            f"PDF refused: a stream inflates past {PDF_MAX_STREAM_BYTES} bytes or its "
            f"structure loops or nests too deeply ({exc})"
        ) from exc
    except Exception as exc:  # hostile input: any parser failure is the document's, a 4xx
        raise UnsupportedDocument(f"unreadable PDF: {type(exc).__name__}: {exc}") from exc
    text, starts = "", []
    for page in pages:
        if text:
            text += "\n\n"
        starts.append(len(text))
        text += page
    return _non_empty(LoadedDocument(text, str(title), "application/pdf", starts))


class _HtmlText(HTMLParser):
    """Visible text of an HTML page; block elements become line breaks."""

    _SKIP: ClassVar[set[str]] = {"script", "style", "noscript", "template", "head"}
    _BLOCK: ClassVar[set[str]] = {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "section",
        "article",
        "tr",
        "table",
        "pre",
    }
    _HEADINGS: ClassVar[dict[str, str]] = {
        "h1": "#",
        "h2": "##",
        "h3": "###",
        "h4": "####",
        "h5": "#####",
        "h6": "######",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip_depth = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skip_depth += 1
        elif tag in self._HEADINGS:
            # Headings become Markdown headings so the chunker keeps the structure.
            self.parts.append(f"\n\n{self._HEADINGS[tag]} ")
        elif tag in self._BLOCK:
            self.parts.append("\n\n" if tag == "p" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in self._HEADINGS or tag in self._BLOCK:
            self.parts.append("\n\n" if tag in self._HEADINGS or tag == "p" else "\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip_depth:
            self.parts.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        return re.sub(r" *\n *", "\n", "".join(self.parts))
