"""Tracing at any level: a project-wide mechanism covers the call families it instruments."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.test_llm_sdk import model_of

LANGCHAIN_APP = """\
from langchain_openai import ChatOpenAI

llm = ChatOpenAI(model=settings.model, timeout=30, max_retries=2)
"""
OPENAI_APP = """\
from openai import OpenAI

client = OpenAI(timeout=30, max_retries=2)

def ask(q):
    return client.chat.completions.create(model=settings.model, messages=[])
"""


def traces(root: Path, files: dict[str, str]) -> list[str]:
    model = model_of(root, files)
    return [
        f"{c.where.location()} <- {c.trace.location()} {c.trace.what}" if c.trace else "untraced"
        for c in model.calls
    ]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (
            "from langfuse.langchain import CallbackHandler\n\nhandler = CallbackHandler()\n",
            "app/chain.py:3 <- app/tracing.py:3 Langfuse CallbackHandler",
        ),
        (
            'import os\n\nos.environ["LANGCHAIN_TRACING_V2"] = "true"\n',
            "app/chain.py:3 <- app/tracing.py:3 LangSmith switch LANGCHAIN_TRACING_V2",
        ),
        (
            "import mlflow\n\nmlflow.langchain.autolog()\n",
            "app/chain.py:3 <- app/tracing.py:3 MLflow mlflow.langchain.autolog()",
        ),
        (
            "from openinference.instrumentation.langchain import LangChainInstrumentor\n\n"
            "LangChainInstrumentor().instrument()\n",
            "app/chain.py:3 <- app/tracing.py:3 LangChainInstrumentor().instrument()",
        ),
        (
            "from traceloop.sdk import Traceloop\n\nTraceloop.init(app_name='x')\n",
            "app/chain.py:3 <- app/tracing.py:3 OpenLLMetry Traceloop.init",
        ),
        (
            "from phoenix.otel import register\n\nregister(auto_instrument=True)\n",
            "app/chain.py:3 <- app/tracing.py:3 Phoenix register(auto_instrument=True)",
        ),
        (
            "import weave\n\nweave.init('proj')\n",
            "app/chain.py:3 <- app/tracing.py:3 Weave weave.init",
        ),
        ("import mlflow\n\nmlflow.openai.autolog()\n", "untraced"),
        ("from phoenix.otel import register\n\nregister()\n", "untraced"),
    ],
)
def test_langchain_models_traced_by_project_mechanisms(
    tmp_path: Path, setup: str, expected: str
) -> None:
    files = {"app/chain.py": LANGCHAIN_APP, "app/tracing.py": setup}
    assert traces(tmp_path, files) == [expected]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (
            "import logfire\n\nlogfire.configure()\nlogfire.instrument_openai()\n",
            "app/llm.py:6 <- app/tracing.py:4 Logfire logfire.instrument_openai()",
        ),
        (
            "from opentelemetry.instrumentation.openai import OpenAIInstrumentor\n\n"
            "OpenAIInstrumentor().instrument()\n",
            "app/llm.py:6 <- app/tracing.py:3 OpenAIInstrumentor().instrument()",
        ),
        (
            "import agentops\n\nagentops.init()\n",
            "app/llm.py:6 <- app/tracing.py:3 AgentOps agentops.init",
        ),
        ("import logfire\n\nlogfire.instrument_anthropic()\n", "untraced"),
        ("from langfuse.langchain import CallbackHandler\n\nh = CallbackHandler()\n", "untraced"),
    ],
)
def test_openai_calls_traced_by_instrumentors(tmp_path: Path, setup: str, expected: str) -> None:
    files = {"app/llm.py": OPENAI_APP, "app/tracing.py": setup}
    assert traces(tmp_path, files) == [expected]


def test_langfuse_drop_in_and_decorators(tmp_path: Path) -> None:
    files = {
        "a.py": "from langfuse.openai import OpenAI\n\nc = OpenAI(timeout=5)\n"
        "c.chat.completions.create(model=m, messages=[])\n",
        "b.py": """\
        from anthropic import Anthropic
        from langfuse import observe, get_client

        client = Anthropic()

        @observe(as_type="generation")
        def one(m):
            return client.messages.create(model=m, max_tokens=10, messages=[])

        def two(m):
            with get_client().start_as_current_observation(as_type="generation", name="x"):
                return client.messages.create(model=m, max_tokens=10, messages=[])

        def three(m):
            return client.messages.create(model=m, max_tokens=10, messages=[])
        """,
    }
    assert traces(tmp_path, files) == [
        "a.py:4 <- a.py:1 Langfuse OpenAI drop-in",
        "b.py:8 <- b.py:6 @observe",
        "b.py:12 <- b.py:11 with get_client().start_as_current_observation(...)",
        "untraced",
    ]


def test_langsmith_switch_in_env_example_and_compose(tmp_path: Path) -> None:
    files = {
        "app/chain.py": LANGCHAIN_APP,
        ".env.example": "LANGSMITH_API_KEY=\nLANGSMITH_TRACING=true\n",
    }
    assert traces(tmp_path, files) == [
        "app/chain.py:3 <- .env.example:2 LangSmith switch LANGSMITH_TRACING"
    ]


@pytest.mark.parametrize(
    "env",
    ["LANGSMITH_PROJECT=demo\n", "LANGCHAIN_TRACING_V2=false\n"],
)
def test_a_project_name_or_a_switch_set_off_is_not_tracing(tmp_path: Path, env: str) -> None:
    files = {"app/chain.py": LANGCHAIN_APP, ".env.example": env}
    assert traces(tmp_path, files) == ["untraced"]


def test_openai_agents_tracing_disabled(tmp_path: Path) -> None:
    files = {
        "agents_app.py": """\
        import os
        from agents import Agent, Runner

        os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
        bot = Agent(name="bot", instructions="Help.", model=settings.model)
        """
    }
    assert traces(tmp_path, files) == ["untraced"]


def test_callback_handler_traces_only_runs_it_is_given(tmp_path: Path) -> None:
    files = {
        "app/deps.py": """\
        from typing import Annotated

        from fastapi import Depends
        from langchain_openai import ChatOpenAI
        from langfuse.langchain import CallbackHandler

        def get_llm() -> ChatOpenAI:
            return ChatOpenAI(model=settings.model, timeout=30)

        LLMDep = Annotated[ChatOpenAI, Depends(get_llm)]
        handler = CallbackHandler()
        """,
        "app/routes.py": """\
        from app.deps import LLMDep, handler

        async def agent(q: str, llm: LLMDep):
            return await llm.ainvoke(q, config={"callbacks": [handler]})
        """,
    }
    assert traces(tmp_path, files) == ["app/deps.py:8 <- app/deps.py:11 Langfuse CallbackHandler"]
    (tmp_path / "app/stream.py").write_text(
        "from app.deps import LLMDep\n\n"
        "async def stream(q: str, llm: LLMDep):\n"
        "    async for chunk in llm.astream_events(q):\n"
        "        yield chunk\n",
        encoding="utf-8",
    )
    assert traces(tmp_path, {}) == ["untraced"]


def test_langgraph_server_traces_the_app_but_not_scripts(tmp_path: Path) -> None:
    files = {
        "langgraph.json": '{"graphs": {"agent": "./src/graph.py:graph"}}\n',
        "src/llm.py": "from langchain_openai import ChatOpenAI\n\n"
        "def get_model(name):\n    return ChatOpenAI(model=name)\n",
    }
    assert traces(tmp_path, files) == [
        "src/llm.py:4 <- langgraph.json:1 LangGraph server (langgraph.json) traces to LangSmith"
    ]
    script = (
        "from src.llm import get_model\n\n"
        "async def check():\n    await get_model('x').ainvoke('hi')\n"
    )
    assert traces(tmp_path, {"scripts/check.py": script}) == ["untraced"]


def test_a_decorated_handler_traces_the_helper_it_calls(tmp_path: Path) -> None:
    files = {
        "app.py": """\
        from langfuse import observe
        from openai import OpenAI

        client = OpenAI()

        def call_llm(prompt):
            return client.chat.completions.create(model=M, messages=[])

        @observe()
        def handler(q):
            return call_llm(q)
        """,
        "manual.py": """\
        from openai import OpenAI

        client = OpenAI()

        def ask(q, trace):
            r = client.chat.completions.create(model=M, messages=[])
            trace.generation(name="answer", usage=r.usage)
            return r
        """,
    }
    assert traces(tmp_path, files) == [
        "app.py:7 <- app.py:9 @observe",
        "manual.py:6 <- manual.py:7 trace.generation(...) in ask",
    ]
