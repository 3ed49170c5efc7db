"""The LLM checks as a user runs them: verdicts, evidence naming both ends, unknown, stack tags."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from harness.audit.detectors.llm_calls import (
    CallPolicyParams,
    llm_call_policy,
    llm_token_accounting,
)
from harness.audit.engine import AuditOptions, run_audit
from harness.audit.index import RepoIndex
from harness.audit.llm_model import llm_model
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams
from harness.audit.stack import detect_stack


def index_of(root: Path, files: dict[str, str]) -> RepoIndex:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    return RepoIndex(root)


def policy(index: RepoIndex, require: str) -> Outcome:
    return llm_call_policy(index, CallPolicyParams.model_validate({"require": require}))


FACTORY = {
    "app/clients.py": """\
    from openai import OpenAI

    def make_client(settings):
        return OpenAI(timeout=settings.timeout, max_retries=3)
    """,
    "app/answer.py": """\
    from app.clients import make_client

    client = make_client(settings)

    def answer(q):
        r = client.chat.completions.create(model="gpt-4o-mini", messages=[])
        return r.choices[0].message.content
    """,
}


def test_timeout_pass_names_call_site_and_where_the_timeout_comes_from(tmp_path: Path) -> None:
    outcome = policy(index_of(tmp_path, FACTORY), "timeout")
    assert outcome == Outcome.passed(
        "1/1 LLM call sites have a timeout",
        Evidence(
            "app/answer.py",
            6,
            "chat.completions.create(...): timeout=settings.timeout at app/clients.py:4",
        ),
    )


def test_retry_and_model_and_tracing_verdicts(tmp_path: Path) -> None:
    index = index_of(tmp_path, FACTORY)
    assert policy(index, "retry").status == "pass"
    assert policy(index, "configurable_model") == Outcome.failed(
        "0/1 LLM call sites have a configurable model",
        Evidence(
            "app/answer.py",
            6,
            "chat.completions.create(...): hard-coded model 'gpt-4o-mini' at app/answer.py:6",
        ),
    )
    assert policy(index, "tracing") == Outcome.failed(
        "0/1 LLM call sites have tracing",
        Evidence("app/answer.py", 6, "chat.completions.create(...): not traced"),
    )


def test_sdk_defaults_are_named_when_they_do_not_count(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {"chain.py": "from langchain_openai import ChatOpenAI\n\nllm = ChatOpenAI(model=M)\n"},
    )
    assert policy(index, "timeout") == Outcome.failed(
        "0/1 LLM call sites have a timeout",
        Evidence(
            "chain.py", 3, "ChatOpenAI(...): no timeout (the SDK's 600 s default does not count)"
        ),
    )
    assert policy(index, "retry") == Outcome.failed(
        "0/1 LLM call sites have an explicit retry policy",
        Evidence(
            "chain.py",
            3,
            "ChatOpenAI(...): no explicit retry policy (the SDK's implicit retries are not a"
            " policy)",
        ),
    )


def test_token_accounting_needs_usage_read_not_the_word_cost(tmp_path: Path) -> None:
    app = "from openai import OpenAI\nc = OpenAI()\nr = c.responses.create(model=m, input='x')\n"
    words = '# cost and usage are discussed here\nCOST_NOTE = "usage. cost"\n'
    index = index_of(tmp_path / "a", {"app.py": app, "notes.py": words})
    assert llm_token_accounting(index, NoParams()) == Outcome.failed(
        "1 LLM call sites, and no token usage is read from any response",
        Evidence("app.py", 3, "responses.create(...): usage not read"),
    )
    read = app + "tokens = r.usage.input_tokens + r.usage.output_tokens\n"
    index = index_of(tmp_path / "b", {"app.py": read})
    assert llm_token_accounting(index, NoParams()) == Outcome.passed(
        "token usage read at app.py:4 (2 reads)",
        Evidence("app.py", 4, "r.usage.input_tokens"),
        Evidence("app.py", 4, "r.usage.output_tokens"),
    )


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("meta = msg.usage_metadata", "msg.usage_metadata"),
        ("n = resp['usage']['prompt_tokens']", "resp['usage']['prompt_tokens']"),
        ("usd = litellm.completion_cost(completion_response=r)", "completion_cost(...)"),
    ],
)
def test_token_accounting_recognises_each_library(tmp_path: Path, line: str, what: str) -> None:
    app = "import litellm\nr = litellm.completion(model=m, messages=[])\n" + line + "\n"
    outcome = llm_token_accounting(index_of(tmp_path, {"app.py": app}), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence[0] == Evidence("app.py", 3, what)


def test_unparsable_llm_file_makes_a_pass_unknown(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {
            "good.py": "from openai import OpenAI\nc = OpenAI(timeout=5)\n"
            "c.chat.completions.create(model=m, messages=[])\n",
            "bad.py": "from anthropic import Anthropic\nif True\n",
        },
    )
    outcome = policy(index, "timeout")
    assert outcome.status == "unknown"
    assert outcome.message == (
        "1/1 LLM call sites have a timeout, but bad.py:2 does not parse (expected ':'):"
        " calls there were not read"
    )


def test_llm_imports_without_a_recognised_call_are_unknown_not_na(tmp_path: Path) -> None:
    index = index_of(
        tmp_path, {"kernel.py": "import semantic_kernel as sk\n\nkernel = sk.Kernel()\n"}
    )
    assert policy(index, "timeout") == Outcome.unknown(
        "no LLM call site understood: kernel.py:1 semantic_kernel",
        Evidence("kernel.py", 1, "semantic_kernel"),
    )


def test_no_llm_use_at_all_is_not_applicable(tmp_path: Path) -> None:
    index = index_of(tmp_path, {"main.py": "print('hello')\n"})
    assert policy(index, "timeout") == Outcome.not_applicable("no LLM call sites found")
    assert llm_token_accounting(index, NoParams()).status == "na"


def test_only_local_runtimes_need_no_timeout(tmp_path: Path) -> None:
    index = index_of(
        tmp_path, {"local.py": "from llama_cpp import Llama\n\nllm = Llama(model_path=PATH)\n"}
    )
    assert policy(index, "timeout") == Outcome.not_applicable(
        "only local model runtimes (no network call to time out)"
    )


def test_the_model_is_built_once_per_index(tmp_path: Path) -> None:
    index = index_of(tmp_path, FACTORY)
    assert llm_model(index) is llm_model(index)


@pytest.mark.parametrize(
    ("source", "tags"),
    [
        ("from google import genai\n", {"llm"}),
        ("import google.generativeai as genai\n", {"llm"}),
        ("from langchain_groq import ChatGroq\n", {"llm"}),
        ("from langchain_community.vectorstores import FAISS\n", {"llm", "rag"}),
        ("from langchain_chroma import Chroma\n", {"llm", "rag"}),
        ("from agents import Agent, Runner\n", {"llm", "agent"}),
        ("from agents import planner\n", set()),
        ("from google.adk.agents import Agent\n", {"llm", "agent"}),
        ("from crewai import Agent, Crew\n", {"llm", "agent"}),
        ("import dspy\n", {"llm"}),
    ],
)
def test_stack_tags_from_real_imports(tmp_path: Path, source: str, tags: set[str]) -> None:
    stack = detect_stack(index_of(tmp_path, {"svc/core.py": source}))
    assert {t for t in stack if t in ("llm", "rag", "agent")} == tags


def test_audit_runs_the_model_once_for_all_llm_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.audit import llm_model as module

    built: list[RepoIndex] = []
    real = module.build

    def counting(index: RepoIndex) -> module.LLMModel:
        built.append(index)
        return real(index)

    monkeypatch.setattr(module, "build", counting)
    index_of(tmp_path, FACTORY)
    report = run_audit(AuditOptions(root=tmp_path, select=["llm"]))
    assert {r.check.id for r in report.results} >= {"llm-call-timeout", "llm-token-accounting"}
    assert len(built) == 1


def test_imports_that_make_no_model_call_are_not_applicable(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {"split.py": "from langchain_text_splitters import RecursiveCharacterTextSplitter\n"},
    )
    assert policy(index, "retry") == Outcome.not_applicable("no LLM call sites found")


def test_litellm_proxy_cost_tracking_counts_as_accounting(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {
            "app.py": "from pydantic_ai import Agent\n\nagent = Agent(settings.model)\n",
            "litellm/config.yaml": "model_list: []\nlitellm_settings:\n"
            "  track_cost_per_deployment: true\n",
        },
    )
    assert llm_token_accounting(index, NoParams()) == Outcome.passed(
        "token usage read at litellm/config.yaml:3 (1 reads)",
        Evidence("litellm/config.yaml", 3, "LiteLLM proxy tracks cost per request"),
    )


def test_installed_packages_are_third_party_code(tmp_path: Path) -> None:
    sdk = "from openai import OpenAI\nOpenAI().chat.completions.create(model='x', messages=[])\n"
    files = {
        "venv-copy/lib/site-packages/somelib/client.py": sdk,
        "vendor/a-1.0.dist-info/METADATA": "Name: a\n",
        "vendor/b-1.0.dist-info/METADATA": "Name: b\n",
        "vendor/c-1.0.dist-info/METADATA": "Name: c\n",
        "vendor/a/core.py": sdk,
        "app.egg-info/PKG-INFO": "Name: app\n",
        "app/main.py": sdk,
    }
    model = llm_model(index_of(tmp_path, files))
    assert [c.where.location() for c in model.calls] == ["app/main.py:2"]


def test_a_deeply_nested_file_is_unknown_not_a_crash(tmp_path: Path) -> None:
    nested = "from openai import OpenAI\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    index = index_of(tmp_path, {"deep.py": nested})
    outcome = policy(index, "timeout")
    assert outcome.status == "unknown"
    assert outcome.message.startswith("no LLM call site understood: deep.py:")


def test_untraced_evidence_says_why_the_handler_misses_the_run(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {
            "app.py": """\
            from langchain_openai import ChatOpenAI
            from langfuse.langchain import CallbackHandler

            llm = ChatOpenAI(model=settings.model)
            handler = CallbackHandler()

            def traced(q):
                return llm.invoke(q, config={"callbacks": [handler]})

            def bare(q):
                return llm.invoke(q)
            """
        },
    )
    assert policy(index, "tracing") == Outcome.failed(
        "0/1 LLM call sites have tracing",
        Evidence(
            "app.py",
            4,
            "ChatOpenAI(...): not traced: Langfuse CallbackHandler (app.py:5) is not passed to"
            " the run at app.py:11",
        ),
    )
