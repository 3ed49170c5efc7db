"""The LLM call-site model on raw provider SDKs, written in each SDK's documented style."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from harness.audit.index import RepoIndex
from harness.audit.llm_base import Where
from harness.audit.llm_model import LLMCall, LLMModel, build


def model_of(root: Path, files: dict[str, str]) -> LLMModel:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")
    return build(RepoIndex(root))


def _at(where: Where | None) -> str:
    return f"{where.location()} {where.what}" if where else "-"


def describe(call: LLMCall) -> str:
    """One exact line per call site: where, family, and where each setting comes from."""
    model = f"{call.model.kind} {_at(call.model.where)}" if call.model else "-"
    return (
        f"{call.where.location()} {call.where.what} [{call.family}] "
        f"timeout={_at(call.timeout)} | retry={_at(call.retry)} | trace={_at(call.trace)} "
        f"| model={model}"
    )


def described(root: Path, files: dict[str, str]) -> list[str]:
    return [describe(c) for c in model_of(root, files).calls]


def test_openai_plain_client_name_and_client_settings(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "app/llm.py": """\
            from openai import OpenAI

            client = OpenAI(timeout=20.0, max_retries=4)

            def ask(question: str, model: str) -> str:
                reply = client.chat.completions.create(model=model, messages=[])
                return reply.choices[0].message.content
            """
        },
    ) == [
        "app/llm.py:6 chat.completions.create(...) [openai] timeout=app/llm.py:3 timeout=20.0"
        " | retry=app/llm.py:3 max_retries=4 | trace=- | model=config app/llm.py:6 model"
    ]


def test_openai_without_settings_and_hard_coded_model(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "svc.py": """\
            import openai

            client = openai.OpenAI()
            resp = client.responses.create(model="gpt-4o-mini", input="hi")
            vec = client.embeddings.create(model=EMBED, input=["a"])
            """
        },
    ) == [
        "svc.py:4 responses.create(...) [openai] timeout=- | retry=- | trace=-"
        " | model=literal svc.py:4 'gpt-4o-mini'",
        "svc.py:5 embeddings.create(...) [openai] timeout=- | retry=- | trace=- | model=config"
        " svc.py:5 EMBED",
    ]


def test_anthropic_messages_on_self_client_and_per_call_timeout(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "bot.py": """\
            import anthropic

            class Bot:
                def __init__(self, settings):
                    self.client = anthropic.Anthropic(max_retries=3)
                    self.model = settings.model

                def reply(self, text):
                    return self.client.messages.create(
                        model=self.model, max_tokens=512, messages=[], timeout=30
                    )
            """
        },
    ) == [
        "bot.py:9 messages.create(...) [anthropic] timeout=bot.py:10 timeout=30"
        " | retry=bot.py:5 max_retries=3 | trace=- | model=config bot.py:10 self.model"
    ]


def test_client_from_a_factory_in_another_module(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "app/clients.py": """\
            from functools import cache
            from openai import AsyncOpenAI

            @cache
            def get_client() -> AsyncOpenAI:
                return AsyncOpenAI(timeout=15, max_retries=2)
            """,
            "app/chat.py": """\
            from app.clients import get_client

            async def chat(messages, settings):
                client = get_client()
                return await client.chat.completions.create(model=settings.model, messages=messages)
            """,
        },
    ) == [
        "app/chat.py:5 chat.completions.create(...) [openai] timeout=app/clients.py:6 timeout=15"
        " | retry=app/clients.py:6 max_retries=2 | trace=- | model=config app/chat.py:5"
        " settings.model"
    ]


def test_a_factory_is_followed_only_where_it_is_imported(tmp_path: Path) -> None:
    # A factory named like a common function (`run`) is reached through its own module, not
    # through `subprocess.run` or a method of the same name on an unrelated object.
    assert described(
        tmp_path,
        {
            "app/llm.py": """\
            from openai import OpenAI

            def run():
                return OpenAI(timeout=5)
            """,
            "app/chat.py": """\
            from app import llm

            def ask(prompt):
                return llm.run().chat.completions.create(model="gpt-4o", messages=prompt)
            """,
            "app/jobs.py": """\
            from subprocess import run

            def build(pool):
                run(["make"]).chat.completions.create(model="m", messages=[])
                pool.run().chat.completions.create(model="m", messages=[])
            """,
        },
    ) == [
        "app/chat.py:4 chat.completions.create(...) [openai] timeout=app/llm.py:4 timeout=5"
        " | retry=- | trace=- | model=literal app/chat.py:4 'gpt-4o'"
    ]


def test_with_options_wait_for_and_tenacity(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "app.py": """\
            import asyncio
            from openai import AsyncOpenAI
            from tenacity import retry, stop_after_attempt, wait_exponential

            client = AsyncOpenAI()

            @retry(stop=stop_after_attempt(3), wait=wait_exponential())
            async def first(m):
                return await asyncio.wait_for(client.chat.completions.create(model=m), 20)

            async def second(m):
                return await client.with_options(timeout=5, max_retries=5).responses.create(model=m)
            """
        },
    ) == [
        "app.py:9 chat.completions.create(...) [openai] timeout=app.py:9 asyncio.wait_for"
        " | retry=app.py:7 @retry | trace=- | model=config app.py:9 m",
        "app.py:12 responses.create(...) [openai] timeout=app.py:12 timeout=5"
        " | retry=app.py:12 max_retries=5 | trace=- | model=config app.py:12 m",
    ]


def test_explicit_retry_loop_needs_a_try_around_the_call(tmp_path: Path) -> None:
    calls = described(
        tmp_path,
        {
            "loop.py": """\
            from openai import OpenAI

            client = OpenAI(timeout=10)

            def with_retries(m):
                for attempt in range(3):
                    try:
                        return client.chat.completions.create(model=m, messages=[])
                    except Exception:
                        continue

            def re_ask(m):
                i = 0
                while i < 5:
                    r = client.chat.completions.create(model=m, messages=[])
                    i += 1
            """
        },
    )
    assert [c.split(" | ")[1] for c in calls] == ["retry=loop.py:6 retry loop", "retry=-"]


def test_google_genai_generativeai_and_groq_mistral_cohere(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "g.py": """\
            from google import genai
            from google.genai import types
            import google.generativeai as legacy

            client = genai.Client(http_options=types.HttpOptions(timeout=30_000))
            out = client.models.generate_content(model="gemini-2.0-flash", contents="hi")
            model = legacy.GenerativeModel("gemini-1.5-pro")
            text = model.generate_content("hi", request_options={"timeout": 60})
            """,
            "o.py": """\
            from groq import Groq
            from mistralai import Mistral
            import cohere

            groq = Groq(max_retries=2)
            a = groq.chat.completions.create(model=MODEL, messages=[])
            mistral = Mistral(api_key=KEY, timeout_ms=20000)
            b = mistral.chat.complete(model=MODEL, messages=[])
            co = cohere.ClientV2(timeout=10)
            c = co.chat(model=MODEL, messages=[])
            """,
        },
    ) == [
        "g.py:6 models.generate_content(...) [google] timeout=g.py:5 timeout=30000"
        " | retry=- | trace=- | model=literal g.py:6 'gemini-2.0-flash'",
        "g.py:7 GenerativeModel(...) [google-generativeai] timeout=- | retry=- | trace=-"
        " | model=literal g.py:7 'gemini-1.5-pro'",
        "o.py:6 chat.completions.create(...) [groq] timeout=- | retry=o.py:5 max_retries=2"
        " | trace=- | model=config o.py:6 MODEL",
        "o.py:8 chat.complete(...) [mistral] timeout=o.py:7 timeout_ms=20000 | retry=-"
        " | trace=- | model=config o.py:8 MODEL",
        "o.py:10 chat(...) [cohere] timeout=o.py:9 timeout=10 | retry=- | trace=-"
        " | model=config o.py:10 MODEL",
    ]


def test_ollama_litellm_bedrock_together_huggingface(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "local.py": """\
            import boto3
            import litellm
            import ollama
            from botocore.config import Config
            from huggingface_hub import InferenceClient
            from together import Together

            r1 = ollama.chat(model="llama3.2", messages=[])
            oc = ollama.Client(host="http://localhost:11434", timeout=60)
            r2 = oc.chat(model=settings.model, messages=[])
            r3 = litellm.completion(model=settings.model, messages=[], timeout=30, num_retries=2)
            brt = boto3.client("bedrock-runtime", config=Config(read_timeout=30, retries=RETRY))
            r4 = brt.converse(modelId=settings.model_id, messages=[])
            tg = Together()
            r5 = tg.chat.completions.create(model=settings.model, messages=[])
            hf = InferenceClient(timeout=20)
            r6 = hf.chat_completion(messages=[], model=settings.model)
            """
        },
    ) == [
        "local.py:8 chat(...) [ollama] timeout=- | retry=- | trace=-"
        " | model=literal local.py:8 'llama3.2'",
        "local.py:10 chat(...) [ollama] timeout=local.py:9 timeout=60 | retry=- | trace=-"
        " | model=config local.py:10 settings.model",
        "local.py:11 completion(...) [litellm] timeout=local.py:11 timeout=30"
        " | retry=local.py:11 num_retries=2 | trace=- | model=config local.py:11 settings.model",
        "local.py:13 converse(...) [bedrock] timeout=local.py:12 read_timeout=30"
        " | retry=local.py:12 retries=RETRY | trace=-"
        " | model=config local.py:13 settings.model_id",
        "local.py:15 chat.completions.create(...) [together] timeout=- | retry=- | trace=-"
        " | model=config local.py:15 settings.model",
        "local.py:17 chat_completion(...) [huggingface] timeout=local.py:16 timeout=20"
        " | retry=- | trace=- | model=config local.py:17 settings.model",
    ]


def test_raw_http_to_a_provider_api(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "http_llm.py": """\
            import httpx
            import requests

            URL = "https://api.openai.com/v1/chat/completions"

            def with_requests(prompt):
                return requests.post(URL, json={"model": "gpt-4o", "messages": []})

            def with_requests_timeout(prompt):
                return requests.post(URL, json={"model": MODEL}, timeout=30)

            async def with_httpx(prompt):
                async with httpx.AsyncClient() as http:
                    return await http.post(URL, json={"messages": []})
            """
        },
    ) == [
        "http_llm.py:7 post(...) [http] timeout=- | retry=- | trace=-"
        " | model=literal http_llm.py:7 'gpt-4o'",
        "http_llm.py:10 post(...) [http] timeout=http_llm.py:10 timeout=30 | retry=- | trace=-"
        " | model=config http_llm.py:10 MODEL",
        "http_llm.py:14 post(...) [http] timeout=http_llm.py:13 httpx default timeout (5 s)"
        " | retry=- | trace=- | model=-",
    ]


def test_not_llm_calls_are_not_call_sites(tmp_path: Path) -> None:
    # Twilio's messages.create, a class of the project's own called OpenAI, and a chat method
    # on an unknown object are not model calls.
    assert (
        described(
            tmp_path,
            {
                "sms.py": """\
            from twilio.rest import Client

            client = Client(sid, token)
            client.messages.create(body="hi", to="+1", from_="+2")
            """,
                "mine.py": """\
            class OpenAI:
                pass

            bot = OpenAI()
            bot.chat("hello")
            """,
            },
        )
        == []
    )


def test_timeout_none_and_zero_retries_do_not_count(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "a.py": """\
            from openai import OpenAI
            client = OpenAI(timeout=None, max_retries=0)
            client.chat.completions.create(model=m, messages=[])
            """
        },
    ) == [
        "a.py:3 chat.completions.create(...) [openai] timeout=- | retry=- | trace=-"
        " | model=config a.py:3 m"
    ]


def test_tests_and_examples_are_not_application_calls(tmp_path: Path) -> None:
    snippet = (
        "from openai import OpenAI\nOpenAI().chat.completions.create(model='x', messages=[])\n"
    )
    assert (
        described(
            tmp_path,
            {"tests/test_a.py": snippet, "examples/demo.py": snippet, "benchmark.py": snippet},
        )
        == []
    )


def test_python_312_syntax_is_still_read(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        {
            "m.py": """\
            from langchain_openai import ChatOpenAI

            type Model = ChatOpenAI | None

            def make[T](x: T) -> ChatOpenAI:
                return ChatOpenAI(model=x, timeout=10)
            """
        },
    )
    assert [describe(c) for c in model.calls] == [
        "m.py:6 ChatOpenAI(...) [langchain] timeout=m.py:6 timeout=10 | retry=- | trace=-"
        " | model=config m.py:6 x"
    ]
    assert model.unknown == []


def test_a_file_that_does_not_parse_is_unknown(tmp_path: Path) -> None:
    model = model_of(tmp_path, {"broken.py": "from openai import OpenAI\ndef f(:\n"})
    assert model.calls == []
    assert model.unknown == [Where("broken.py", 2, "does not parse (invalid syntax)")]


def test_settings_spread_from_a_kwargs_dict_and_helper_retry_loop(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "gen.py": """\
            import time
            from openai import AsyncOpenAI

            def make_client(cfg):
                kwargs = {"max_retries": 0}
                kwargs["timeout"] = cfg.timeout
                return AsyncOpenAI(**kwargs), cfg.model

            class Gen:
                def __init__(self, cfg):
                    self._client, self._model = make_client(cfg)

                async def _once(self, prompt):
                    return await self._client.chat.completions.create(model=self._model)

                async def generate(self, prompt):
                    for attempt in range(3):
                        try:
                            return await self._once(prompt)
                        except Exception:
                            time.sleep(2**attempt)
            """
        },
    ) == [
        "gen.py:14 chat.completions.create(...) [openai] timeout=gen.py:6 timeout=cfg.timeout"
        " | retry=gen.py:17 retry loop | trace=- | model=config gen.py:14 self._model"
    ]


def test_http_calls_to_non_provider_urls_and_route_decorators_are_not_llm_calls(
    tmp_path: Path,
) -> None:
    assert (
        described(
            tmp_path,
            {
                "svc.py": """\
            import requests
            from fastapi import FastAPI

            app = FastAPI()
            DOCS = "see https://api.openai.com for the model API"

            @app.post("/query")
            def query(q):
                return requests.post("http://127.0.0.1:8000/search", json={"q": q}).json()
            """
            },
        )
        == []
    )


def test_self_client_belongs_to_its_own_class(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "providers.py": """\
            import anthropic
            import openai

            class OpenAIProvider:
                def __init__(self, s):
                    self.client = openai.OpenAI(timeout=s.timeout, max_retries=s.retries)

                def generate(self, m):
                    return self.client.chat.completions.create(model=m, messages=[])

            class AnthropicProvider:
                def __init__(self, s):
                    self.client = anthropic.Anthropic(max_retries=5)

                def generate(self, m):
                    return self.client.messages.create(model=m, max_tokens=9, messages=[])
            """
        },
    ) == [
        "providers.py:9 chat.completions.create(...) [openai] timeout=providers.py:6"
        " timeout=s.timeout | retry=providers.py:6 max_retries=s.retries | trace=-"
        " | model=config providers.py:9 m",
        "providers.py:16 messages.create(...) [anthropic] timeout=- | retry=providers.py:13"
        " max_retries=5 | trace=- | model=config providers.py:16 m",
    ]


def test_model_in_a_dict_spread_into_the_call(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "spread.py": """\
            from openai import OpenAI

            class Provider:
                def __init__(self, settings):
                    self.client = OpenAI(timeout=5, max_retries=2)
                    self.model = settings.model

                def _request(self, q):
                    return {"model": self.model, "messages": [q]}

                def generate(self, q):
                    return self.client.chat.completions.create(**self._request(q))

            def fixed(client, q):
                params = {"model": "gpt-4o", "messages": [q]}
                return client.chat.completions.create(**params)
            """
        },
    ) == [
        "spread.py:12 chat.completions.create(...) [openai] timeout=spread.py:5 timeout=5"
        " | retry=spread.py:5 max_retries=2 | trace=- | model=config spread.py:9 self.model",
        "spread.py:16 chat.completions.create(...) [openai] timeout=spread.py:5 timeout=5"
        " | retry=spread.py:5 max_retries=2 | trace=- | model=literal spread.py:15 'gpt-4o'",
    ]
