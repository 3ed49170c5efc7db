"""Every pass stands on structural evidence: README figures and diagrams, agent code, RAG
through framework vector stores, eval sets wherever projects keep them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.audit.detectors.agent_code import (
    agent_approval_step,
    agent_checkpointer,
    agent_tool_schemas,
)
from harness.audit.detectors.datasets import EvalDatasetParams, eval_dataset
from harness.audit.detectors.docs import SectionBodyParams, readme_architecture, readme_results
from harness.audit.engine import AuditOptions, run_audit
from harness.audit.index import RepoIndex
from harness.audit.model import Evidence
from harness.audit.registry import NoParams
from tests.audit.project import write_project

RESULTS = SectionBodyParams(
    headings=[r"\bresults?\b", r"\bevals?\b", r"\bevaluations?\b", r"\bbenchmarks?\b"]
)
ARCHITECTURE = SectionBodyParams(headings=["architecture", r"\bdesign\b", "how it works"])


def index_of(root: Path, files: dict[str, str]) -> RepoIndex:
    return RepoIndex(write_project(root, files))


# ----- readme-results ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("readme", "status", "line"),
    [
        ("# x\n\n## Results\n\n| metric | value |\n|---|---|\n| MRR | 0.72 |\n", "pass", 7),
        (
            "# x\n\n## Evaluation\n\nOn 50 questions, faithfulness: 0.87 and p95 latency 420 ms.\n",
            "pass",
            5,
        ),
        ("# x\n\n## Benchmarks\n\nAccuracy went from 71% to 84%.\n", "pass", 5),
        # A heading that says "eval" but only talks.
        ("# x\n\n## Evaluation\n\nWe evaluate with ragas. Results coming soon.\n", "fail", 3),
        # "Retrieval" contains "eval": not a results heading.
        ("# x\n\n## Retrieval\n\nHybrid search with 0.5 weights.\n", "fail", 1),
        # A table of options is not a table of measurements.
        (
            "# x\n\n## Results\n\n| option | meaning |\n|---|---|\n| fast | skip rerank |\n",
            "fail",
            3,
        ),
    ],
)
def test_readme_results_needs_measured_figures(
    tmp_path: Path, readme: str, status: str, line: int
) -> None:
    outcome = readme_results(index_of(tmp_path, {"README.md": readme}), RESULTS)
    assert outcome.status == status, outcome.message
    assert outcome.evidence == (Evidence("README.md", line),)


# ----- readme-architecture ----------------------------------------------------------------

ASCII = """\
# x

## Architecture

```
┌────────┐    ┌───────────┐
│  API   │ -> │ retriever │
└────────┘    └───────────┘
```
"""
PLAIN_ASCII = (
    "# x\n\n## How it works\n\n```\nclient --> api --> llm\n           |\n         store\n```\n"
)
COMPONENT_TABLE = """\
# x

## Architecture

| Component | Role |
|---|---|
| api | FastAPI service |
| worker | ingestion |
"""
CODE_ONLY = "# x\n\n## Architecture\n\n```python\nfrom app import main\nmain.run()\n```\n"


@pytest.mark.parametrize(
    ("readme", "status", "message", "line"),
    [
        (
            "# x\n\n## Architecture\n\n```mermaid\nflowchart LR\n a-->b\n```\n",
            "pass",
            "section 'architecture' has a mermaid diagram",
            5,
        ),
        (
            "# x\n\n## Design\n\n![diagram](docs/arch.png)\n",
            "pass",
            "section 'design' has an image",
            5,
        ),
        (ASCII, "pass", "section 'architecture' has an ASCII diagram", 5),
        (PLAIN_ASCII, "pass", "section 'how it works' has an ASCII diagram", 5),
        (COMPONENT_TABLE, "pass", "section 'architecture' has a component table", 5),
        (CODE_ONLY, "fail", "section 'architecture' lacks a diagram", 3),
        ("# x\n\nNo sections.\n", "fail", "README has no section on architecture", 1),
    ],
)
def test_readme_architecture_accepts_real_diagrams(
    tmp_path: Path, readme: str, status: str, message: str, line: int
) -> None:
    outcome = readme_architecture(index_of(tmp_path, {"README.md": readme}), ARCHITECTURE)
    assert (outcome.status, outcome.message) == (status, message)
    assert outcome.evidence == (Evidence("README.md", line),)


# ----- agent checks: code, not words ------------------------------------------------------

LANGCHAIN_TOOL = """\
from langchain_core.tools import tool


@tool
def search(query: str) -> str:
    \"\"\"Search the catalogue.\"\"\"
    return query
"""
OPENAI_SCHEMA = """\
TOOLS = [
    {"type": "function", "function": {"name": "refund", "parameters": {"type": "object"}}},
]
"""
OPENAI_SCHEMA_INNER = """\
TOOLS = [{"name": "refund", "description": "d", "input_schema": {"type": "object"}}]
"""
CREW_TOOL = """\
from crewai.tools import BaseTool
from pydantic import BaseModel


class Args(BaseModel):
    city: str


class Weather(BaseTool):
    name: str = "weather"
    args_schema: type[BaseModel] = Args
"""


@pytest.mark.parametrize(
    ("files", "status", "evidence"),
    [
        ({"app/tools.py": LANGCHAIN_TOOL}, "pass", Evidence("app/tools.py", 5, "@tool on search")),
        (
            {"app/tools.py": OPENAI_SCHEMA},
            "pass",
            Evidence("app/tools.py", 2, "JSON schema of a tool"),
        ),
        (
            {"app/tools.py": OPENAI_SCHEMA_INNER},
            "pass",
            Evidence("app/tools.py", 1, "JSON schema of a tool"),
        ),
        (
            {"app/tools.py": CREW_TOOL},
            "pass",
            Evidence("app/tools.py", 9, "tool class Weather with args_schema"),
        ),
        # Words in tests and docs, and a comment in code, are not tool schemas.
        (
            {
                "tests/test_tools.py": LANGCHAIN_TOOL,
                "docs/guide.py": OPENAI_SCHEMA,
                "app/agent.py": "# TODO: use @tool and args_schema\nx = 1\n",
            },
            "fail",
            None,
        ),
    ],
)
def test_agent_tool_schemas(
    tmp_path: Path, files: dict[str, str], status: str, evidence: Evidence | None
) -> None:
    outcome = agent_tool_schemas(index_of(tmp_path, files), NoParams())
    assert outcome.status == status, outcome.message
    assert outcome.evidence[:1] == ((evidence,) if evidence else ())


GRAPH = """\
from langgraph.graph import StateGraph
from langgraph.checkpoint.postgres import PostgresSaver

builder = StateGraph(dict)
builder.add_node("human_review", lambda s: s)
graph = builder.compile(checkpointer=PostgresSaver.from_conn_string(DB), interrupt_before=["act"])
"""
CREW = """\
from crewai import Task

task = Task(description="refund", human_input=True)
"""
AUTOGEN = """\
from autogen import UserProxyAgent

proxy = UserProxyAgent("user", human_input_mode="NEVER")
"""
MEMORY_ONLY = """\
from langgraph.checkpoint.memory import MemorySaver

graph = builder.compile(checkpointer=MemorySaver())
"""


@pytest.mark.parametrize(
    ("files", "status", "evidence"),
    [
        ({"app/graph.py": GRAPH}, "pass", Evidence("app/graph.py", 5, "graph node 'human_review'")),
        (
            {"app/crew.py": CREW},
            "pass",
            Evidence("app/crew.py", 3, "human_input=True in Task(...)"),
        ),
        # AutoGen with a human who is never asked; "approval" only in a test and in a comment.
        (
            {
                "app/auto.py": AUTOGEN,
                "tests/test_x.py": "def test_approval():\n    interrupt()\n",
                "app/notes.py": "# approval happens upstream\n",
            },
            "fail",
            None,
        ),
    ],
)
def test_agent_approval_step(
    tmp_path: Path, files: dict[str, str], status: str, evidence: Evidence | None
) -> None:
    outcome = agent_approval_step(index_of(tmp_path, files), NoParams())
    assert outcome.status == status, outcome.message
    assert outcome.evidence[:1] == ((evidence,) if evidence else ())


def test_agent_checkpointer(tmp_path: Path) -> None:
    outcome = agent_checkpointer(index_of(tmp_path / "a", {"app/graph.py": GRAPH}), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence[0] == Evidence(
        "app/graph.py", 6, "checkpointer=PostgresSaver.from_conn_string(...)"
    )
    memory = agent_checkpointer(index_of(tmp_path / "b", {"app/g.py": MEMORY_ONLY}), NoParams())
    assert memory.status == "fail"
    assert memory.message == "only an in-memory checkpointer: run state is lost on restart"
    assert memory.evidence[0] == Evidence("app/g.py", 3, "MemorySaver")
    words = {"docs/checkpoint.md": "Use a checkpointer.", "tests/test_g.py": GRAPH}
    assert agent_checkpointer(index_of(tmp_path / "c", words), NoParams()).status == "fail"


# ----- RAG through framework vector stores ------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "from langchain_community.vectorstores import FAISS\n",
        "from langchain_chroma import Chroma\n",
        "from llama_index.core import VectorStoreIndex\n",
        "import chromadb\n",
        "from qdrant_client import QdrantClient\n",
        "def f():\n    from langchain_postgres.vectorstores import PGVector\n",
    ],
)
def test_rag_detected_through_vector_store_modules(tmp_path: Path, source: str) -> None:
    files = {"app/store.py": source, "app/main.py": "from fastapi import FastAPI\n"}
    report = run_audit(AuditOptions(root=write_project(tmp_path, files)))
    assert report.stack["rag"] == "app/store.py"


def test_no_rag_from_a_test_or_an_unrelated_import(tmp_path: Path) -> None:
    files = {
        "tests/test_store.py": "from langchain_chroma import Chroma\n",
        "app/main.py": "from langchain_community.chat_models import ChatOllama\n",
    }
    report = run_audit(AuditOptions(root=write_project(tmp_path, files)))
    assert "rag" not in report.stack


# ----- eval sets wherever they live ---------------------------------------------------------


def rows(
    n: int, question: str = "question", answer: str = "expected_answer"
) -> list[dict[str, str]]:
    return [{question: f"q{i}?", answer: f"a{i}"} for i in range(n)]


def test_eval_set_in_a_json_file_outside_evals(tmp_path: Path) -> None:
    files = {"rag-test/questions.json": json.dumps(rows(12))}
    outcome = eval_dataset(index_of(tmp_path, files), EvalDatasetParams())
    assert outcome.status == "pass"
    assert (
        outcome.message
        == "rag-test/questions.json has 12 labelled rows (question + expected_answer)"
    )
    assert outcome.evidence == (
        Evidence("rag-test/questions.json", None, "question + expected_answer"),
    )


def test_eval_set_as_csv_under_tests(tmp_path: Path) -> None:
    csv_text = "query,ground_truth\n" + "".join(f"q{i},a{i}\n" for i in range(15))
    outcome = eval_dataset(
        index_of(tmp_path, {"tests/eval_set.csv": csv_text}), EvalDatasetParams()
    )
    assert outcome.status == "pass"
    assert outcome.evidence[0].path == "tests/eval_set.csv"


def test_questions_without_expected_answers_are_not_an_eval_set(tmp_path: Path) -> None:
    files = {
        "data/questions.json": json.dumps(
            {"questions": [{"question": f"q{i}"} for i in range(30)]}
        ),
        "package.json": json.dumps({"name": "x"}),
    }
    outcome = eval_dataset(index_of(tmp_path, files), EvalDatasetParams())
    assert outcome.status == "fail"
    assert outcome.message.startswith("no eval dataset")


def test_small_eval_set_fails_with_its_size(tmp_path: Path) -> None:
    files = {
        "evals/golden.jsonl": "".join(json.dumps(r) + "\n" for r in rows(3, "input", "reference"))
    }
    outcome = eval_dataset(index_of(tmp_path, files), EvalDatasetParams())
    assert outcome.status == "fail"
    assert outcome.message == "evals/golden.jsonl has 3 labelled rows; a dataset needs at least 10"
