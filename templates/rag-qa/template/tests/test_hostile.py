"""Hostile requests get a clean 4xx: lone surrogates, NUL, oversized bodies (JSON and uploads,
checked while they stream in), and PDFs built to hurt the parser."""

from __future__ import annotations

import asyncio
import io
import re
import zlib

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    NameObject,
    NumberObject,
)

from tests.conftest import make_client, upload
from tests.hostile import check_hostile_bodies


def test_hostile_question_bodies(client: TestClient) -> None:
    check_hostile_bodies(client, "/ask", "question")
    check_hostile_bodies(client, "/ask/stream", "question")
    assert client.get("/stats").json()["requests"] == 0


def test_nul_in_a_document_id_is_refused(client: TestClient) -> None:
    assert client.delete("/documents/a%00b").status_code == 422


def test_upload_size_is_checked_while_it_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 5 MB upload without Content-Length against a 100 kB limit: refused after ~100 kB,
    never read (nor spooled to /tmp, a RAM disk in compose) to the end."""
    from app.main import create_app

    limit = 100_000
    monkeypatch.setenv("MAX_UPLOAD_BYTES", str(limit))
    app = create_app()
    block = 64 * 1024
    head = (b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n"
            b"Content-Type: text/plain\r\n\r\n")  # fmt: skip
    body = head + b"a" * 5_000_000 + b"\r\n--xyz--\r\n"
    served = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal served
        chunk = body[served : served + block]
        served += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": served < len(body)}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/documents", "raw_path": b"/documents",
        "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
        "server": ("testserver", 80), "client": ("127.0.0.1", 1234),
        "headers": [(b"content-type", b"multipart/form-data; boundary=xyz"),
                    (b"transfer-encoding", b"chunked")],
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert served <= limit + 64_000 + block, served


def _text_pdf(writer: PdfWriter, text: str) -> None:
    page = writer.add_blank_page(612, 792)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})  # fmt: skip
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(stream)


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter()
    _text_pdf(writer, "The vault code is written on page one.")
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    return _bytes(writer)


def bomb_pdf(megabytes: int = 200) -> bytes:
    """One page whose content stream is ~200 kB deflated and 200 MB inflated."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    deflate = zlib.compressobj(9)
    line = b"BT /F1 12 Tf (x) Tj ET\n" * 40_000
    raw = b"".join(deflate.compress(line) for _ in range(megabytes)) + deflate.flush()
    stream = EncodedStreamObject()
    stream._data = raw
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream[NameObject("/Length")] = NumberObject(len(raw))
    page[NameObject("/Contents")] = writer._add_object(stream)
    return _bytes(writer)


def self_referencing_length_pdf() -> bytes:
    """A content stream whose /Length is a reference to the stream object itself."""
    writer = PdfWriter()
    _text_pdf(writer, "Nothing to see.")
    data = _bytes(writer)
    pattern = rb"(\d+) 0 obj\s*<<\s*/Length \d+"
    assert re.search(pattern, data)
    return re.sub(
        pattern, lambda m: m.group(0).rsplit(b"/Length", 1)[0] + b"/Length " + m.group(1) + b" 0 R",
        data, count=1,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("build", "says"),
    [(lambda: encrypted_pdf("secret"), "encrypted PDF"),
     (bomb_pdf, "inflates past"),
     (self_referencing_length_pdf, "PDF refused")],
    ids=["encrypted", "decompression-bomb", "self-referencing-length"],
)  # fmt: skip
def test_hostile_pdfs_are_refused_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, build, says: str
) -> None:
    monkeypatch.setenv("MAX_UPLOAD_BYTES", str(5 * 1024 * 1024))
    with make_client() as client:
        response = upload(client, "hostile.pdf", build())
        assert 400 <= response.status_code < 500, response.text
        assert says in response.json()["detail"]
        assert client.get("/documents").json() == []


def test_pdf_encrypted_with_an_empty_password_is_read(client: TestClient) -> None:
    # Readers open these without asking for a password, so the app does too.
    response = upload(client, "open.pdf", encrypted_pdf(""))
    assert response.status_code == 201, response.text
    answer = client.post("/ask", json={"question": "Where is the vault code written?"}).json()
    assert answer["citations"] and answer["citations"][0]["document_id"] == "open-pdf"


def test_distinct_documents_with_one_id_are_never_silently_replaced(client: TestClient) -> None:
    first = upload(client, "Q1 Report.md", b"# Q1\n\nRevenue grew by nine percent.")
    assert first.status_code == 201 and first.json()["document"]["id"] == "q1-report-md"
    clash = upload(client, "q1_report.md", b"# Q1 draft\n\nRevenue fell.")
    assert clash.status_code == 409
    assert "Q1-Report.md" in clash.json()["detail"] and "rename" in clash.json()["detail"]
    (kept,) = client.get("/documents").json()
    assert kept["filename"] == "Q1-Report.md"
    assert kept["sha256"] == first.json()["document"]["sha256"]
    # The same name again is a deliberate new version.
    again = upload(client, "Q1 Report.md", b"# Q1\n\nRevenue grew by ten percent.")
    assert again.json()["status"] == "replaced"


def test_concurrent_uploads_under_one_name_are_serialised(client: TestClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    bodies = [f"# Notes\n\nVersion {i} of the notes, with some text.".encode() for i in range(6)]
    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda b: upload(client, "notes.md", b), bodies))
    statuses = sorted(r.status_code for r in responses)
    # Each upload either went through alone or was told to retry: never six "created".
    assert set(statuses) <= {201, 409}, statuses
    created = [r.json()["status"] for r in responses if r.status_code == 201]
    assert created.count("created") == 1, created
    for refused in (r for r in responses if r.status_code == 409):
        assert "in progress" in refused.json()["detail"]
    (doc,) = client.get("/documents").json()
    assert doc["chunk_count"] >= 1


@pytest.mark.parametrize("name", ["报告.md", "Отчёт.txt", "تقرير.html"])
def test_non_latin_names_are_accepted(client: TestClient, name: str) -> None:
    # They were refused with a misleading 415 "unsupported file type".
    suffix = name.rsplit(".", 1)[1]
    data = b"<p>The shipment leaves on Tuesday.</p>" if suffix == "html" else (
        b"The shipment leaves on Tuesday.")  # fmt: skip
    response = upload(client, name, data)
    assert response.status_code == 201, response.text
    doc = response.json()["document"]
    assert doc["filename"].startswith("doc-") and doc["filename"].endswith(f".{suffix}")
    # Another non-Latin name gets its own document, not the first one's.
    other = upload(client, f"第二.{suffix}", data)
    assert other.status_code == 201, other.text
    assert other.json()["document"]["id"] != doc["id"]
