"""Loaders, chunking and the atomicity of ingestion (including a process killed mid-write)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.rag.chunking import chunk_text
from app.rag.loaders import UnsupportedDocument, load_document, safe_filename
from app.rag.store import SQLiteStore
from tests.helpers import make_pdf

PROJECT = Path(__file__).resolve().parent.parent


def test_markdown_chunks_follow_headings_and_spans_are_exact() -> None:
    text = (
        "# Guide\n\nIntro text.\n\n## Setup\n\n" + "Install it now. " * 120 + "\n\n## Use\n\nRun."
    )
    chunks = chunk_text(text, size=400, overlap=50)
    assert {c.heading for c in chunks} == {"Guide", "Guide > Setup", "Guide > Use"}
    assert all(len(c.text) <= 400 for c in chunks)
    assert all(text[c.start : c.end] == c.text for c in chunks)
    setup = [c for c in chunks if c.heading == "Guide > Setup"]
    assert len(setup) > 2
    # Overlap: consecutive chunks of a section share text.
    assert setup[1].start < setup[0].end


def test_chunks_never_cut_words() -> None:
    text = " ".join(f"word{i}" for i in range(2000))
    for chunk in chunk_text(text, size=300, overlap=60):
        assert chunk.text.split()[0].startswith("word") and chunk.text[-1].isdigit()


def test_html_loader_drops_scripts_and_keeps_headings() -> None:
    html = b"<html><head><title>T</title><script>evil()</script></head><body><h2>Part</h2>"
    html += b"<p>Hello <b>world</b></p><style>x{}</style></body></html>"
    doc = load_document("page.html", html)
    assert doc.title == "T"
    assert "evil" not in doc.text and "x{}" not in doc.text
    assert "## Part" in doc.text and "Hello world" in doc.text


def test_pdf_loader_pages() -> None:
    doc = load_document("a.pdf", make_pdf(["first page", "second page"]))
    assert doc.page_at(doc.text.index("second")) == 2
    assert doc.page_at(0) == 1


@pytest.mark.parametrize(
    ("name", "data"), [("a.txt", b"\xff\xfe\x00bad"), ("a.pdf", b"%PDF-1.4 garbage"), ("a.md", b"")]
)
def test_loader_rejects_bad_content(name: str, data: bytes) -> None:
    with pytest.raises(UnsupportedDocument):
        load_document(name, data)


def test_safe_filename() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\me\\Résumé final.pdf") == "Resume-final.pdf"
    assert safe_filename("...") == ""


_KILLED_WRITER = """
import sys, time
from pathlib import Path
from app.rag.store import SQLiteStore
from app.services import build_service
from app.core.config import get_settings

service = build_service(get_settings())
service.ingestor.ingest("doc.md", b"# Doc\\n\\nversion one. " * 50)
original = SQLiteStore._write_chunks

def slow_write(self, chunks, vectors):
    original(self, chunks, vectors)
    print("IN_TRANSACTION", flush=True)
    time.sleep(60)  # killed here, after the chunks were written but before COMMIT

SQLiteStore._write_chunks = slow_write
service.ingestor.ingest("doc.md", b"# Doc\\n\\nversion two, much longer. " * 400)
"""


def test_killed_mid_ingest_leaves_index_consistent(isolated_env: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_KILLED_WRITER)],
        cwd=isolated_env,
        stdout=subprocess.PIPE,
        text=True,
        env={**__import__("os").environ, "PYTHONPATH": str(PROJECT)},
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "IN_TRANSACTION" in line:
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    store = SQLiteStore(isolated_env / "data" / "rag.sqlite3")
    docs = store.list_documents()
    chunks = store.all_chunks()
    assert len(docs) == 1
    assert all("version one" in c.text for c in chunks), "half-written version two is visible"
    assert len(chunks) == docs[0].chunk_count
    store.close()
