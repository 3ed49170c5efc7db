"""A small project that passes every built-in check, and the edits that make each one fail.

`GOOD` is written file by file into tmp_path. `FAILING[check_id]` maps paths to new content
(None deletes the file); applied to GOOD it must make exactly that check fail.
"""

from __future__ import annotations

import json
from pathlib import Path

SHA = "11bd71901bbe5b1630ceea73d27597364c9af683"

DOCKERFILE = """\
FROM python:3.12-slim-bookworm AS builder
WORKDIR /build
COPY requirements.txt .
RUN pip wheel --wheel-dir /wheels -r requirements.txt

FROM python:3.12-slim-bookworm
RUN useradd --system --uid 10001 app
COPY --from=builder /wheels /wheels
RUN pip install --no-cache-dir /wheels/*
COPY app /srv/app
USER app
HEALTHCHECK --interval=30s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
"""

MAIN = """\
import json
import logging

from fastapi import FastAPI, HTTPException, UploadFile
from fastapi.middleware.cors import CORSMiddleware

from app.core.config import settings

MAX_UPLOAD_BYTES = settings.max_upload_mb * 1024 * 1024


class JsonFormatter(logging.Formatter):
    def format(self, record):
        return json.dumps({"level": record.levelname, "message": record.getMessage()})


app = FastAPI(title="demo")
app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/readyz")
def readyz():
    return {"status": "ready"}


@app.post("/documents")
async def upload(file: UploadFile):
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(status_code=413, detail="too large")
    return {"bytes": len(data)}
"""

CONFIG = """\
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env")

    llm_model: str = "gpt-4o-mini"
    max_upload_mb: int = 10
    cors_origins: list[str] = ["http://localhost:8000"]
    chunk_size: int = 800
    chunk_overlap: int = 120


settings = Settings()
"""

LLM = """\
from langfuse import observe
from openai import OpenAI

from app.core.config import settings

SYSTEM_PROMPT = "Answer only from the numbered sources and cite them like [1]."
PRICES = {"gpt-4o-mini": (0.15, 0.6)}
client = OpenAI(timeout=30.0, max_retries=3)


@observe(as_type="generation")
def answer(question: str, sources: str) -> tuple[str, float]:
    response = client.chat.completions.create(
        model=settings.llm_model,
        messages=[
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Sources:\\n{sources}\\n\\nQuestion: {question}"},
        ],
    )
    usage = response.usage
    price_in, price_out = PRICES[settings.llm_model]
    cost = (usage.prompt_tokens * price_in + usage.completion_tokens * price_out) / 1e6
    return response.choices[0].message.content, cost
"""

RAG = """\
import bm25s
from pydantic import BaseModel

from app.core.config import settings

SCORE_THRESHOLD = 0.2


class Answer(BaseModel):
    text: str
    citations: list[str]


def chunk(text: str) -> list[str]:
    size, overlap = settings.chunk_size, settings.chunk_overlap
    return [text[i : i + size] for i in range(0, len(text), size - overlap)]
"""

AGENT = """\
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import interrupt
from pydantic import BaseModel

MAX_STEPS = 8
MAX_COST_USD = 0.05


class RefundArgs(BaseModel):
    order_id: str
    amount: float


def refund(args: dict) -> str:
    parsed = RefundArgs.model_validate(args)
    decision = interrupt({"approval": "refund", "order": parsed.order_id})
    return decision


def build(graph):
    return graph.compile(checkpointer=SqliteSaver.from_conn_string("agent-state.db"))
"""

WORKFLOW = f"""\
name: ci
on: [push, pull_request]
permissions: {{}}
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@{SHA} # v4.2.2
      - uses: actions/setup-python@{SHA} # v5.3.0
      - run: pip install -r requirements.txt
      - run: ruff check .
      - run: python -m pytest
      - run: harness eval --dataset evals/dataset.jsonl
"""

README = """\
# demo

![screenshot](docs/screenshot.png)

## Problem

Support agents cannot find answers in 400 pages of policy.

## Architecture

```mermaid
flowchart LR
  user --> api --> retriever --> llm
```

## Decisions

Hybrid retrieval because BM25 alone misses paraphrases.

## What didn't work

Chunks of 2,000 characters diluted the scores.

## Eval results

| metric | value |
|---|---|
| hit@5 | 0.91 |

## Cost analysis

0.0004 USD per question at gpt-4o-mini prices.
"""

COMPOSE = """\
services:
  app:
    build: .
    ports: ["8000:8000"]
  db:
    image: pgvector/pgvector:pg16
"""

ENV_EXAMPLE = """\
LLM_MODEL=gpt-4o-mini
MAX_UPLOAD_MB=10
CORS_ORIGINS=["http://localhost:8000"]
CHUNK_SIZE=800
CHUNK_OVERLAP=120
"""

DATASET = "".join(
    json.dumps({"user_input": f"question {n}?", "reference": f"answer {n}"}) + "\n"
    for n in range(20)
)

PYPROJECT = """\
[project]
name = "demo"
version = "0.1.0"
dependencies = ["fastapi==0.115.0"]

[tool.harness.eval]
dataset = "evals/dataset.jsonl"
metrics = ["hit@5", "mrr", "ndcg@5"]
"""

# The committed `harness eval` report the README's figures come from (readme-results-backed).
EVAL_REPORT = json.dumps(
    {
        "schema_version": "1",
        "kind": "harness-eval",
        "metrics": {"hit@5": {"mean": 0.91, "n": 20, "measured": 20, "coverage": 1.0}},
        "cost": {"per_query_usd": 0.0004, "priced": 20, "unpriced": 0},
    }
)

GOOD: dict[str, str] = {
    "Dockerfile": DOCKERFILE,
    ".dockerignore": ".git\n.env\n.venv\n",
    "compose.yaml": COMPOSE,
    "app/__init__.py": "",
    "app/main.py": MAIN,
    "app/core/__init__.py": "",
    "app/core/config.py": CONFIG,
    "app/llm.py": LLM,
    "app/rag.py": RAG,
    "app/agent.py": AGENT,
    ".env.example": ENV_EXAMPLE,
    ".gitignore": ".env\n__pycache__/\n",
    "evals/dataset.jsonl": DATASET,
    "evals/report.json": EVAL_REPORT,
    "pyproject.toml": PYPROJECT,
    "uv.lock": "version = 1\n",
    ".github/workflows/ci.yml": WORKFLOW,
    ".github/dependabot.yml": "version: 2\nupdates: []\n",
    "README.md": README,
    "LICENSE": "MIT License\n",
    "tests/test_health.py": "def test_health():\n    assert True\n",
}


def replace(path: str, old: str, new: str) -> dict[str, str | None]:
    assert old in GOOD[path], (path, old)
    return {path: GOOD[path].replace(old, new)}


# The fake credential is assembled at run time so this file itself holds no key-shaped string.
FAKE_OPENAI_KEY = "sk-" + "proj-" + "A1b2C3d4" * 5

FAILING: dict[str, dict[str, str | None]] = {
    "dockerfile-multi-stage": {
        "Dockerfile": "FROM python:3.12-slim\nUSER app\nHEALTHCHECK CMD true\n"
    },
    "dockerfile-non-root": replace("Dockerfile", "USER app\n", ""),
    "dockerfile-healthcheck": replace("Dockerfile", "HEALTHCHECK", "# HEALTHCHECK"),
    "dockerfile-pinned-base": replace(
        "Dockerfile", "FROM python:3.12-slim-bookworm AS builder", "FROM python:latest AS builder"
    ),
    "dockerignore-present": {".dockerignore": None},
    "compose-valid": {"compose.yaml": "services:\n  app:\n    ports: [8000]\n"},
    "health-endpoint": replace("app/main.py", '"/healthz"', '"/status"'),
    "readiness-endpoint": replace("app/main.py", '"/readyz"', '"/ready-or-not"'),
    "settings-from-env": {
        "app/core/config.py": "LLM_MODEL = 'gpt-4o-mini'\n",
        "app/main.py": GOOD["app/main.py"].replace("from app.core.config import settings\n", ""),
    },
    "env-example-present": {".env.example": None},
    "env-example-complete": replace(".env.example", "CHUNK_OVERLAP=120\n", ""),
    "structured-logging": replace(
        "app/main.py",
        MAIN[MAIN.index("class JsonFormatter") : MAIN.index("app = FastAPI")],
        "logging.basicConfig(level=logging.INFO)\n\n\n",
    ),
    "dependencies-locked": {"uv.lock": None, "requirements.txt": "fastapi>=0.100\n"},
    "config-files-parse": {"compose.yaml": "services:\n  app: [unclosed\n"},
    "ci-workflow-present": {".github/workflows/ci.yml": None},
    "ci-runs-tests": replace(".github/workflows/ci.yml", "python -m pytest", "echo no tests"),
    "tests-present": {"tests/test_health.py": None},
    "ci-runs-lint": replace(".github/workflows/ci.yml", "ruff check .", "echo no lint"),
    "ci-actions-pinned": replace(".github/workflows/ci.yml", f"checkout@{SHA}", "checkout@v4"),
    "ci-least-permissions": {
        ".github/workflows/ci.yml": WORKFLOW.replace("permissions: {}\n", "").replace(
            "    permissions:\n      contents: read\n", ""
        )
    },
    "ci-timeouts": replace(".github/workflows/ci.yml", "    timeout-minutes: 15\n", ""),
    "ci-eval-gate": replace(
        ".github/workflows/ci.yml", "harness eval --dataset evals/dataset.jsonl", "echo done"
    ),
    "dependency-updates": {".github/dependabot.yml": None},
    "llm-call-timeout": replace(
        "app/llm.py", "OpenAI(timeout=30.0, max_retries=3)", "OpenAI(max_retries=3)"
    ),
    "llm-call-retry": replace(
        "app/llm.py", "OpenAI(timeout=30.0, max_retries=3)", "OpenAI(timeout=30.0)"
    ),
    "llm-call-traced": replace("app/llm.py", '@observe(as_type="generation")\n', ""),
    "llm-model-configurable": replace(
        "app/llm.py", "model=settings.llm_model,", 'model="gpt-4o-mini",'
    ),
    "llm-token-accounting": {
        "app/llm.py": LLM.split("    usage = response.usage")[0]
        + "    return response.choices[0].message.content, 0.0\n"
    },
    "llm-system-prompt-safe": replace(
        "app/llm.py", '"content": SYSTEM_PROMPT}', '"content": SYSTEM_PROMPT + question}'
    ),
    "rag-eval-dataset": {"evals/dataset.jsonl": DATASET.split("\n", 5)[0] + "\n"},
    "rag-retrieval-metrics": {
        "pyproject.toml": PYPROJECT.split("[tool.harness.eval]")[0],
        ".github/workflows/ci.yml": GOOD[".github/workflows/ci.yml"].replace(
            "harness eval --dataset evals/dataset.jsonl", "echo evals"
        ),
    },
    "rag-citations": replace("app/rag.py", "citations: list[str]", "refs: list[str]"),
    "rag-chunking-configurable": {
        "app/rag.py": GOOD["app/rag.py"].replace("chunk_overlap", "stride"),
        "app/core/config.py": GOOD["app/core/config.py"].replace("chunk_overlap", "stride"),
    },
    "rag-abstains": replace("app/rag.py", "SCORE_THRESHOLD = 0.2", "TOP_K = 5"),
    "agent-tool-args-validated": {
        "app/agent.py": "from langgraph.types import interrupt\n"
        "from langgraph.checkpoint.sqlite import SqliteSaver\n"
        "MAX_STEPS = 8\nMAX_COST_USD = 1\n\n"
        "def refund(args):\n    return interrupt(args)\n",
        "app/rag.py": GOOD["app/rag.py"].replace("BaseModel", "object"),
    },
    "agent-step-budget": replace("app/agent.py", "MAX_STEPS = 8\n", ""),
    "agent-human-approval": {
        "app/agent.py": GOOD["app/agent.py"]
        .replace("from langgraph.types import interrupt\n", "")
        .replace(
            'decision = interrupt({"approval": "refund", "order": parsed.order_id})',
            "decision = parsed.order_id",
        ),
    },
    "agent-state-persisted": replace(
        "app/agent.py",
        'graph.compile(checkpointer=SqliteSaver.from_conn_string("agent-state.db"))',
        "graph.compile()",
    ),
    "no-env-committed": {".gitignore": "__pycache__/\n", ".env": "OPENAI_API_KEY=x\n"},
    "no-secrets-in-code": {"app/keys.py": f'OPENAI_API_KEY = "{FAKE_OPENAI_KEY}"\n'},
    "upload-size-limit": {
        "app/main.py": GOOD["app/main.py"]
        .replace("MAX_UPLOAD_BYTES = settings.max_upload_mb * 1024 * 1024\n", "")
        .replace("data = await file.read(MAX_UPLOAD_BYTES + 1)", "data = await file.read()")
        .replace("    if len(data) > MAX_UPLOAD_BYTES:\n", "")
        .replace('        raise HTTPException(status_code=413, detail="too large")\n', "")
    },
    "cors-safe": replace(
        "app/main.py", "allow_origins=settings.cors_origins", 'allow_origins=["*"]'
    ),
    "debug-off": replace(
        "app/main.py", 'FastAPI(title="demo")', 'FastAPI(title="demo", debug=True)'
    ),
    "dockerfile-no-secrets": replace(
        "Dockerfile", "WORKDIR /build\n", "WORKDIR /build\nENV OPENAI_API_KEY=abc123\n"
    ),
    "readme-problem": replace("README.md", "## Problem", "## Intro"),
    "readme-architecture": replace("README.md", "```mermaid", "```text"),
    "readme-decisions": replace("README.md", "## Decisions", "## Notes"),
    "readme-what-didnt-work": replace("README.md", "## What didn't work", "## Misc"),
    "readme-results": replace("README.md", "## Eval results", "## Numbers"),
    "readme-cost": replace("README.md", "## Cost analysis", "## Money"),
    "portfolio-own-text": replace(
        "README.md",
        "Support agents cannot find answers in 400 pages of policy.",
        "<!-- harness:todo problem -->\n> **To do: write this section yourself.**\n"
        "<!-- /harness:todo -->",
    ),
    "readme-results-backed": {"evals/report.json": None},
    "license-present": {"LICENSE": None},
    "readme-demo": replace("README.md", "![screenshot](docs/screenshot.png)\n", ""),
}


def write_project(root: Path, files: dict[str, str | None]) -> Path:
    for rel, content in files.items():
        path = root / rel
        if content is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


def good_project(root: Path, **overrides: str | None) -> Path:
    write_project(root, dict(GOOD))
    return write_project(root, {k.replace("__", "/"): v for k, v in overrides.items()})
