"""The sentence an answer cites is found inside its chunk, so the page can mark it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.llm.citations import claims, highlights, sentence_spans
from tests.conftest import wait_ready

CHUNK = (
    "# Leave\n\nFull-time staff receive 27 days of paid annual leave plus public holidays. "
    "Leave requests go to your manager.\nUnused days expire in March."
)


def _marked(claim_texts: list[str], chunk: str = CHUNK) -> list[str]:
    return [chunk[start:end] for start, end in highlights(claim_texts, chunk)]


def test_claims_are_the_text_before_each_marker() -> None:
    answer = (
        "Staff get 27 days of leave [1][2]. Requests go to a manager. [3] "
        "Extractive answer (offline mode, no LLM): Days expire in March. [4]"
    )
    assert claims(answer) == {
        1: ["Staff get 27 days of leave"],
        2: ["Staff get 27 days of leave"],
        3: ["Requests go to a manager."],
        4: ["Days expire in March."],
    }


def test_sentence_spans_cover_each_sentence_without_its_whitespace() -> None:
    assert [CHUNK[a:b] for a, b in sentence_spans(CHUNK)] == [
        "# Leave",
        "Full-time staff receive 27 days of paid annual leave plus public holidays.",
        "Leave requests go to your manager.",
        "Unused days expire in March.",
    ]


def test_quoted_and_paraphrased_claims_mark_their_sentence_unsupported_ones_nothing() -> None:
    quoted = "Full-time staff receive 27 days of paid annual leave plus public holidays."
    assert _marked([quoted]) == [quoted]
    assert _marked(["Unused leave days expire in March", "Requests go to the manager"]) == [
        "Leave requests go to your manager.",
        "Unused days expire in March.",
    ]
    assert _marked(["The e-bike battery has a two-year warranty"]) == []
    assert _marked([""]) == []


def test_ask_returns_the_offsets_of_the_cited_sentences(loaded_client: TestClient) -> None:
    wait_ready(loaded_client)
    body = loaded_client.post("/ask", json={"question": "How many days of annual leave?"}).json()
    assert body["citations"]
    answer = " ".join(body["answer"].split())
    for citation in body["citations"]:
        assert citation["highlights"], citation
        for start, end in citation["highlights"]:
            # The offline answer quotes the sentence: what is marked is what the answer says.
            assert " ".join(citation["text"][start:end].split()) in answer
    # Retrieved-but-uncited chunks carry no marks.
    cited = {c["chunk_id"] for c in body["citations"]}
    assert all(not c["highlights"] for c in body["retrieved"] if c["chunk_id"] not in cited)
