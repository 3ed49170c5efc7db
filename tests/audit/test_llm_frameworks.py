"""The LLM call-site model on frameworks: the model or agent construction is the call site."""

from __future__ import annotations

from pathlib import Path

from tests.audit.test_llm_sdk import described


def test_langchain_chat_models_constructor_settings(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "chain.py": """\
            from langchain_anthropic import ChatAnthropic
            from langchain_core.prompts import ChatPromptTemplate
            from langchain_groq import ChatGroq
            from langchain_openai import ChatOpenAI

            prompt = ChatPromptTemplate.from_messages([("system", "x"), ("human", "{q}")])
            fast = ChatGroq(model="llama-3.1-8b-instant", timeout=20, max_retries=2)
            smart = ChatOpenAI(model=settings.model, request_timeout=30).with_retry(
                stop_after_attempt=3
            )
            claude = ChatAnthropic(model_name=settings.claude, default_request_timeout=40)
            chain = prompt | claude
            """
        },
    ) == [
        "chain.py:7 ChatGroq(...) [langchain] timeout=chain.py:7 timeout=20"
        " | retry=chain.py:7 max_retries=2 | trace=- | model=literal chain.py:7"
        " 'llama-3.1-8b-instant'",
        "chain.py:8 ChatOpenAI(...) [langchain] timeout=chain.py:8 request_timeout=30"
        " | retry=chain.py:8 .with_retry(...) | trace=- | model=config chain.py:8 settings.model",
        "chain.py:11 ChatAnthropic(...) [langchain] timeout=chain.py:11"
        " default_request_timeout=40 | retry=- | trace=- | model=config chain.py:11"
        " settings.claude",
    ]


def test_retry_around_the_chain_invocation_counts_for_its_model(tmp_path: Path) -> None:
    # The model is bound to tools, then invoked in a bounded retry loop: the loop is its policy.
    assert described(
        tmp_path,
        {
            "agent.py": """\
            from langchain_openai import ChatOpenAI

            class Agent:
                def __init__(self, tools):
                    self.llm = ChatOpenAI(model=settings.LLM_MODEL).bind_tools(tools)

                async def chat(self, messages):
                    for attempt in range(settings.MAX_RETRIES):
                        try:
                            return await self.llm.ainvoke(messages)
                        except Exception:
                            continue
            """
        },
    ) == [
        "agent.py:5 ChatOpenAI(...) [langchain] timeout=- | retry=agent.py:8 retry loop"
        " | trace=- | model=config agent.py:5 settings.LLM_MODEL"
    ]


def test_init_chat_model_from_a_factory_and_model_constants(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "utils.py": """\
            from langchain.chat_models import init_chat_model

            def load_chat_model(fully_specified_name: str):
                provider, model = fully_specified_name.split("/", maxsplit=1)
                return init_chat_model(model, model_provider=provider)
            """,
            "reflect.py": """\
            from langchain_openai import ChatOpenAI

            MODEL = "o1"

            def reflect():
                return ChatOpenAI(model=MODEL, timeout=60)
            """,
        },
    ) == [
        "reflect.py:6 ChatOpenAI(...) [langchain] timeout=reflect.py:6 timeout=60 | retry=-"
        " | trace=- | model=literal reflect.py:3 MODEL = 'o1'",
        "utils.py:5 init_chat_model(...) [langchain] timeout=- | retry=- | trace=-"
        " | model=config utils.py:5 model",
    ]


def test_llamaindex_adk_pydantic_ai_dspy(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "stack.py": """\
            import dspy
            from google.adk.agents import Agent
            from llama_index.core import Settings
            from llama_index.llms.openai import OpenAI
            from pydantic_ai import Agent as PydanticAgent

            Settings.llm = OpenAI(model="gpt-4o-mini", timeout=30, max_retries=3)
            root_agent = Agent(name="helper", model="gemini-2.0-flash", instruction="Help.")
            typed = PydanticAgent("openai:gpt-4o", output_type=str)
            lm = dspy.LM(settings.dspy_model, num_retries=4)
            """
        },
    ) == [
        "stack.py:7 OpenAI(...) [llamaindex] timeout=stack.py:7 timeout=30"
        " | retry=stack.py:7 max_retries=3 | trace=- | model=literal stack.py:7 'gpt-4o-mini'",
        "stack.py:8 Agent(...) [google-adk] timeout=- | retry=- | trace=-"
        " | model=literal stack.py:8 'gemini-2.0-flash'",
        "stack.py:9 Agent(...) [pydantic-ai] timeout=- | retry=- | trace=-"
        " | model=literal stack.py:9 'openai:gpt-4o'",
        "stack.py:10 LM(...) [dspy] timeout=- | retry=stack.py:10 num_retries=4 | trace=-"
        " | model=config stack.py:10 settings.dspy_model",
    ]


def test_instructor_wraps_a_configured_client(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "extract.py": """\
            import instructor
            from openai import OpenAI

            client = instructor.from_openai(OpenAI(timeout=25, max_retries=2))

            def extract(text, settings):
                return client.chat.completions.create(
                    model=settings.model, response_model=User, messages=[]
                )
            """
        },
    ) == [
        "extract.py:7 chat.completions.create(...) [openai] timeout=extract.py:4 timeout=25"
        " | retry=extract.py:4 max_retries=2 | trace=- | model=config extract.py:8 settings.model"
    ]


def test_openai_agents_sdk_agents_and_their_client(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "triage.py": """\
            from agents import Agent, OpenAIChatCompletionsModel, Runner
            from openai import AsyncOpenAI

            client = AsyncOpenAI(timeout=30, max_retries=3)
            triage = Agent(
                name="Triage",
                instructions="Route the request.",
                model=OpenAIChatCompletionsModel(model=settings.model, openai_client=client),
            )

            async def main(q):
                return await Runner.run(triage, q)
            """
        },
    ) == [
        "triage.py:5 Agent(...) [openai-agents] timeout=triage.py:4 timeout=30"
        " | retry=triage.py:4 max_retries=3 | trace=triage.py:5 openai-agents built-in tracing"
        " (default on) | model=config triage.py:8 settings.model",
    ]


def test_agents_package_of_the_project_is_not_the_sdk(tmp_path: Path) -> None:
    assert (
        described(
            tmp_path,
            {"main.py": "from agents import Agent\n\nbot = Agent('support')\n"},
        )
        == []
    )


def test_haystack_smolagents_crewai_and_local_runtimes(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "more.py": """\
            from crewai import LLM, Agent
            from haystack.components.generators.chat import OpenAIChatGenerator
            from llama_cpp import Llama
            from smolagents import CodeAgent, InferenceClientModel
            from transformers import pipeline

            gen = OpenAIChatGenerator(model="gpt-4o-mini", timeout=30, max_retries=2)
            hf = InferenceClientModel(model_id=settings.model)
            llm = LLM(model=settings.model, timeout=60)
            writer = Agent(role="writer", goal="write", backstory="b", llm=llm)
            local = Llama(model_path=settings.gguf)
            classify = pipeline("sentiment-analysis")
            generate = pipeline("text-generation", model=settings.hf_model)
            """
        },
    ) == [
        "more.py:7 OpenAIChatGenerator(...) [haystack] timeout=more.py:7 timeout=30"
        " | retry=more.py:7 max_retries=2 | trace=- | model=literal more.py:7 'gpt-4o-mini'",
        "more.py:8 InferenceClientModel(...) [smolagents] timeout=- | retry=- | trace=-"
        " | model=config more.py:8 settings.model",
        "more.py:10 Agent(...) [crewai] timeout=more.py:9 timeout=60 | retry=- | trace=-"
        " | model=config more.py:9 settings.model",
        "more.py:11 Llama(...) [llama-cpp] timeout=- | retry=- | trace=-"
        " | model=config more.py:11 settings.gguf",
        "more.py:13 pipeline(...) [transformers] timeout=- | retry=- | trace=-"
        " | model=config more.py:13 settings.hf_model",
    ]


def test_library_default_model_and_a_literal_set_after_construction(tmp_path: Path) -> None:
    assert described(
        tmp_path,
        {
            "chat.py": """\
            from langchain_openai import ChatOpenAI

            plain = ChatOpenAI(temperature=0)

            class Agent:
                def __init__(self):
                    self.llm = ChatOpenAI(model=settings.LLM_MODEL, timeout=20)

                def degrade(self):
                    fallback = "gpt-4o"
                    self.llm.model_name = fallback
            """
        },
    ) == [
        "chat.py:3 ChatOpenAI(...) [langchain] timeout=- | retry=- | trace=-"
        " | model=literal chat.py:3 none named: the library default",
        "chat.py:7 ChatOpenAI(...) [langchain] timeout=chat.py:7 timeout=20 | retry=- | trace=-"
        " | model=literal chat.py:10 'gpt-4o'",
    ]
