"""Agent, RAG and configuration shapes decided from structure, not words: each test writes a
small project in the documented style of one library and asks the detector for its verdict."""

from __future__ import annotations

from pathlib import Path

from harness.audit.detectors import ci_systems
from harness.audit.detectors.agent_code import agent_checkpointer, agent_tool_schemas
from harness.audit.detectors.environment import env_example_present, settings_from_env
from harness.audit.detectors.rag_code import rag_citations
from harness.audit.index import RepoIndex
from harness.audit.model import Evidence
from harness.audit.registry import NoParams
from harness.audit.stack import detect_stack
from tests.audit.project import write_project


def index_of(root: Path, files: dict[str, str]) -> RepoIndex:
    return RepoIndex(write_project(root, files))


# ----- tool arguments ------------------------------------------------------------------------

TYPED_TOOL = '''\
from langchain_core.tools import tool


@tool
def send_invoice(customer_id: int, amount: float) -> str:
    """Send an invoice."""
    return "sent"
'''


def test_typed_tool_invoked_through_the_tool_passes(tmp_path: Path) -> None:
    node = (
        "def act(state):\n"
        "    for tool_call in state['messages'][-1].tool_calls:\n"
        "        result = send_invoice.invoke(tool_call['args'])\n"
    )
    files = {"agent/tools.py": TYPED_TOOL, "agent/graph.py": node}
    outcome = agent_tool_schemas(index_of(tmp_path, files), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence[0] == Evidence("agent/tools.py", 5, "@tool on send_invoice")


def test_field_read_off_raw_tool_call_args_fails_despite_a_schema(tmp_path: Path) -> None:
    node = (
        "def send_node(state):\n"
        "    tool_call = state['messages'][-1].tool_calls[0]\n"
        "    args = tool_call['args']\n"
        "    deliver(args['recipient'])\n"
    )
    files = {"agent/tools.py": TYPED_TOOL, "agent/graph.py": node}
    outcome = agent_tool_schemas(index_of(tmp_path, files), NoParams())
    assert outcome.status == "fail"
    assert outcome.evidence == (
        Evidence("agent/graph.py", 4, "field 'recipient' read off the raw tool-call args"),
    )


def test_raw_args_spread_into_a_function_fails(tmp_path: Path) -> None:
    node = (
        "async def store(state):\n"
        "    calls = state.messages[-1].tool_calls\n"
        "    await asyncio.gather(*(save_note(**tc['args'], user=u) for tc in calls))\n"
    )
    files = {"agent/tools.py": TYPED_TOOL, "agent/graph.py": node}
    outcome = agent_tool_schemas(index_of(tmp_path, files), NoParams())
    assert outcome.status == "fail"
    assert outcome.evidence == (
        Evidence("agent/graph.py", 3, "raw tool-call args spread into save_note"),
    )


def test_a_human_reply_named_args_is_not_a_tool_call(tmp_path: Path) -> None:
    node = "def review(state):\n    reply = interrupt(state)\n    return reply['args']['text']\n"
    files = {"agent/tools.py": TYPED_TOOL, "agent/graph.py": node}
    assert agent_tool_schemas(index_of(tmp_path, files), NoParams()).status == "pass"


def test_smolagents_code_agent_fails(tmp_path: Path) -> None:
    files = {
        "main.py": "from smolagents import CodeAgent, InferenceClientModel, tool\n\n\n"
        "@tool\ndef lookup(city: str) -> str:\n"
        '    """Weather.\n\n    Args:\n        city: the city\n    """\n'
        "    return 'sunny'\n\n\n"
        "agent = CodeAgent(tools=[lookup], model=InferenceClientModel())\n"
    }
    outcome = agent_tool_schemas(index_of(tmp_path, files), NoParams())
    assert outcome.status == "fail"
    assert outcome.evidence[0].line == 14
    assert "CodeAgent" in outcome.evidence[0].note


def test_semantic_kernel_function_is_a_typed_tool(tmp_path: Path) -> None:
    plugin = (
        "from typing import Annotated\n"
        "from semantic_kernel.functions import kernel_function\n\n\n"
        "class LightsPlugin:\n"
        '    @kernel_function(name="set_state", description="Turn a light on or off")\n'
        "    def set_state(self, light_id: Annotated[int, 'id'], on: bool) -> str:\n"
        "        return 'ok'\n"
    )
    outcome = agent_tool_schemas(index_of(tmp_path, {"plugins/lights.py": plugin}), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence[0] == Evidence("plugins/lights.py", 7, "@kernel_function on set_state")


def test_model_validate_counts_only_on_tool_arguments(tmp_path: Path) -> None:
    other = "def load(raw):\n    return Customer.model_validate_json(raw)\n"
    index = index_of(tmp_path / "a", {"app/customer.py": other})
    assert agent_tool_schemas(index, NoParams()).status == "fail"
    loop = (
        "def run(call):\n"
        "    params = RefundArgs.model_validate_json(call.function.arguments)\n"
        "    return refund(params)\n"
    )
    outcome = agent_tool_schemas(index_of(tmp_path / "b", {"app/loop.py": loop}), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence == (
        Evidence("app/loop.py", 2, "arguments validated by RefundArgs.model_validate_json"),
    )


# ----- state -----------------------------------------------------------------------------------


def test_checkpointer_variable_bound_to_memory_saver_is_in_memory(tmp_path: Path) -> None:
    graph = (
        "from langgraph.checkpoint.memory import MemorySaver\n\n"
        "checkpointer = MemorySaver()\n"
        "graph = builder.compile(checkpointer=checkpointer)\n"
    )
    outcome = agent_checkpointer(index_of(tmp_path, {"graph.py": graph}), NoParams())
    assert outcome.status == "fail"
    assert outcome.message == "only an in-memory checkpointer: run state is lost on restart"


def test_checkpointer_variable_from_a_factory_is_persistent(tmp_path: Path) -> None:
    graph = (
        "saver = await get_saver(settings.db_url)\ngraph = builder.compile(checkpointer=saver)\n"
    )
    outcome = agent_checkpointer(index_of(tmp_path, {"graph.py": graph}), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence == (Evidence("graph.py", 2, "checkpointer=saver"),)


def test_openai_agents_custom_session_passes(tmp_path: Path) -> None:
    store = (
        "from agents.memory.session import SessionABC\n\n\n"
        "class PgSession(SessionABC):\n"
        "    async def get_items(self, limit=None):\n        return await fetch(self.id)\n\n"
        "    async def add_items(self, items):\n        await insert(self.id, items)\n"
    )
    outcome = agent_checkpointer(index_of(tmp_path, {"db/session.py": store}), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence[0].path == "db/session.py"
    assert outcome.evidence[0].line == 4


def test_pydantic_ai_history_serialised_to_a_store_passes(tmp_path: Path) -> None:
    store = (
        "from pydantic_ai.messages import ModelMessagesTypeAdapter\n\n\n"
        "class RedisHistory:\n"
        "    async def save(self, sid, messages):\n"
        "        await self.redis.set(sid, ModelMessagesTypeAdapter.dump_json(messages))\n"
    )
    outcome = agent_checkpointer(index_of(tmp_path, {"stores/history.py": store}), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence[0] == Evidence(
        "stores/history.py", 6, "run messages serialised with ModelMessagesTypeAdapter for a store"
    )


# ----- citations -----------------------------------------------------------------------------


def test_response_model_with_sources_passes(tmp_path: Path) -> None:
    api = (
        "from pydantic import BaseModel\n\n\n"
        "class Answer(BaseModel):\n    question: str\n    answer: str\n    sources: list[str]\n"
    )
    outcome = rag_citations(index_of(tmp_path, {"rag/serve.py": api}), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence == (
        Evidence("rag/serve.py", 4, "sources returned with the answer (response model)"),
    )


def test_answer_dict_with_retrieved_docs_passes(tmp_path: Path) -> None:
    api = (
        "async def answer(q):\n"
        "    out = await chain.ainvoke(q)\n"
        "    return {'answer': out['answer'], 'docs': out['context']}\n"
    )
    outcome = rag_citations(index_of(tmp_path, {"controller.py": api}), NoParams())
    assert outcome.evidence == (
        Evidence("controller.py", 3, "docs returned with the answer (response dict)"),
    )


def test_runnable_parallel_with_sources_passes(tmp_path: Path) -> None:
    chain = "chain = RunnableParallel(answer=prompt | llm | StrOutputParser(), sources=retriever)\n"
    outcome = rag_citations(index_of(tmp_path, {"app/chain.py": chain}), NoParams())
    assert outcome.status == "pass"


def test_source_ids_from_document_metadata_pass(tmp_path: Path) -> None:
    query = (
        "def query(text):\n"
        "    results = db.similarity_search_with_score(text, k=5)\n"
        "    sources = [doc.metadata.get('id') for doc, _score in results]\n"
        "    print(answer, sources)\n"
    )
    outcome = rag_citations(index_of(tmp_path, {"query.py": query}), NoParams())
    assert outcome.evidence == (
        Evidence("query.py", 3, "source list built from the retrieved documents' metadata"),
    )


def test_answer_text_only_fails_even_when_sources_are_mentioned(tmp_path: Path) -> None:
    api = (
        "# TODO: return sources and citations\n"
        "PROMPT = 'Answer from the context and list your sources'\n\n\n"
        "def ask(q):\n    docs = retriever.invoke(q)\n    return {'answer': llm.invoke(q)}\n"
    )
    outcome = rag_citations(index_of(tmp_path, {"app.py": api}), NoParams())
    assert outcome.status == "fail"
    assert outcome.evidence == ()


# ----- configuration -------------------------------------------------------------------------


def test_settings_fields_from_project_mixins_are_reads(tmp_path: Path) -> None:
    files = {
        "config/llm.py": "from pydantic import BaseModel\n\n\n"
        "class LLMMixin(BaseModel):\n    llm_model: str = 'openai:gpt-4o'\n",
        "config/settings.py": "from pydantic_settings import BaseSettings\n"
        "from config.llm import LLMMixin\n\n\n"
        "class Settings(LLMMixin, BaseSettings):\n    pass\n",
    }
    outcome = settings_from_env(index_of(tmp_path, files), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence == (Evidence("config/llm.py", 5, "Settings.llm_model (from LLMMixin)"),)


def test_a_test_switch_alone_is_not_configuration(tmp_path: Path) -> None:
    app = "import os\n\nUSE_MOCK_LLM = os.getenv('USE_MOCK_LLM', '0') == '1'\nMODEL = 'llama3'\n"
    outcome = settings_from_env(index_of(tmp_path / "a", {"app.py": app}), NoParams())
    assert outcome.status == "fail"
    assert outcome.evidence == (Evidence("app.py", 3, "os.getenv(USE_MOCK_LLM)"),)
    more = app + "MODEL_NAME = os.getenv('MODEL_NAME', MODEL)\n"
    assert (
        settings_from_env(index_of(tmp_path / "b", {"app.py": more}), NoParams()).status == "pass"
    )


# ----- what kind of project ------------------------------------------------------------------


def test_framework_code_and_images_make_an_app(tmp_path: Path) -> None:
    crew = {"crew.py": "from crewai import Agent, Crew\n"}
    assert detect_stack(index_of(tmp_path / "a", crew))["app"] == "crew.py"
    tool = {"cli.py": "import argparse\n", "Dockerfile": "FROM python:3.12-slim\n"}
    assert detect_stack(index_of(tmp_path / "b", tool))["app"] == "Dockerfile"
    library = {"lib.py": "import argparse\n"}
    assert "app" not in detect_stack(index_of(tmp_path / "c", library))


def test_an_adopted_licensed_project_is_the_code(tmp_path: Path) -> None:
    backend = {
        "backend/LICENSE": "MIT\n",
        "backend/.github/workflows/ci.yml": "on: push\n",
        "backend/src/agent/graph.py": "from langgraph.graph import StateGraph\n",
        "frontend/package.json": "{}\n",
    }
    index = index_of(tmp_path / "a", backend)
    assert "backend/src/agent/graph.py" in index.files
    assert index.excluded == {}
    copied = {**backend, "app/main.py": "from fastapi import FastAPI\n"}
    index = index_of(tmp_path / "b", copied)
    assert "backend/src/agent/graph.py" not in index.files
    assert set(index.excluded) == {"backend/"}


def test_create_agent_infers_schemas_from_typed_functions(tmp_path: Path) -> None:
    graph = (
        "from langchain.agents import create_agent\n\n\n"
        "def get_weather(city: str) -> str:\n    return 'sunny'\n\n\n"
        "graph = create_agent(model='openai:gpt-4o', tools=[get_weather])\n"
    )
    outcome = agent_tool_schemas(index_of(tmp_path, {"src/graph.py": graph}), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence == (Evidence("src/graph.py", 8, "create_agent(...)"),)


def test_a_service_makefile_runs_its_tests(tmp_path: Path) -> None:
    files = {
        "backend/Makefile": "TEST_FILE ?= tests/unit/\n\ntest:\n\tpython -m pytest $(TEST_FILE)\n"
        "integration:\n\tpython -m pytest tests/integration\n",
        "backend/tests/unit/test_graph.py": "def test_x():\n    assert True\n",
    }
    outcome = ci_systems.tests_run(index_of(tmp_path, files), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence[1] == Evidence("backend/Makefile", 3, "target test runs the tests")
    lint_only = {**files, "backend/Makefile": "lint:\n\truff check .\n"}
    assert ci_systems.tests_run(index_of(tmp_path / "b", lint_only), NoParams()).status == "fail"


def test_a_tool_that_splits_its_free_text_argument_fails(tmp_path: Path) -> None:
    tools = (
        "from langchain_core.tools import tool\n\n\n"
        '@tool("Book a room")\n'
        "def book_room(request):\n"
        '    """Input: room|date|name, separated by pipes."""\n'
        '    room, date, name = request.split("|")\n'
        "    return reserve(room, date, name)\n"
    )
    outcome = agent_tool_schemas(index_of(tmp_path / "a", {"tools.py": tools}), NoParams())
    assert outcome.status == "fail"
    assert outcome.evidence == (
        Evidence("tools.py", 7, "tool book_room parses its free-text argument by hand (split)"),
    )
    typed = tools.replace("(request)", "(room: str, date: str, name: str)").replace(
        '    room, date, name = request.split("|")\n', ""
    )
    assert (
        agent_tool_schemas(index_of(tmp_path / "b", {"tools.py": typed}), NoParams()).status
        == "pass"
    )


def test_adk_function_tool_is_not_validation_but_autogen_is(tmp_path: Path) -> None:
    adk = (
        "from google.adk.agents import Agent\n"
        "from google.adk.tools import FunctionTool\n\n\n"
        "def run_query(sql):\n    return db.execute(sql)\n\n\n"
        "root_agent = Agent(name='data', tools=[FunctionTool(func=run_query)])\n"
    )
    outcome = agent_tool_schemas(index_of(tmp_path / "a", {"agent.py": adk}), NoParams())
    assert outcome.status == "fail"
    autogen = (
        "from autogen_core.tools import FunctionTool\n\n\n"
        "async def get_weather(city: str) -> str:\n    return 'sunny'\n\n\n"
        "weather = FunctionTool(get_weather, description='Weather in a city')\n"
    )
    outcome = agent_tool_schemas(index_of(tmp_path / "b", {"tools.py": autogen}), NoParams())
    assert outcome.evidence == (Evidence("tools.py", 8, "FunctionTool(...)"),)


def test_env_example_in_a_service_folder(tmp_path: Path) -> None:
    files = {"backend/.env.example": "GEMINI_API_KEY=\n", "backend/app.py": "import os\n"}
    outcome = env_example_present(index_of(tmp_path, files), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence == (Evidence("backend/.env.example"),)


def test_committed_compose_env_with_placeholder_secrets_documents_configuration(
    tmp_path: Path,
) -> None:
    compose_env = (
        "## database\nPOSTGRES_PORT=5432\nPOSTGRES_PASSWORD=test\n"
        "OPENAI_API_KEY=\nSEARCH_API_KEY='your-key-here'\nLOG_LEVEL=info\n"
    )
    files = {"compose.env": compose_env, "compose.yaml": "services: {}\n"}
    outcome = env_example_present(index_of(tmp_path / "a", files), NoParams())
    assert outcome.status == "pass"
    assert outcome.message == "compose.env documents 5 variables with empty or placeholder secrets"
    real = {
        **files,
        "compose.env": compose_env.replace("OPENAI_API_KEY=", "OPENAI_API_KEY=sk-abc123"),
    }
    assert env_example_present(index_of(tmp_path / "b", real), NoParams()).status == "fail"
    dotenv = {".env": "A=1\nB=2\nC=3\n"}
    assert env_example_present(index_of(tmp_path / "c", dotenv), NoParams()).status == "fail"


def test_crewai_tools_named_in_an_agent_file_are_typed(tmp_path: Path) -> None:
    files = {
        "crew/pyproject.toml": '[project]\nname = "trip"\ndependencies = ["crewai[tools]>=1.0"]\n',
        "crew/agents/researcher.jsonc": (
            "{\n  // the researcher\n"
            '  "role": "Researcher",\n  "tools": ["SerperDevTool", "ScrapeWebsiteTool"]\n}\n'
        ),
        "crew/main.py": "import json\n",
    }
    outcome = agent_tool_schemas(index_of(tmp_path / "a", files), NoParams())
    assert outcome.status == "pass"
    assert outcome.evidence == (
        Evidence("crew/agents/researcher.jsonc", 4, "SerperDevTool declared in an agent file"),
    )
    no_crewai = {**files, "crew/pyproject.toml": '[project]\nname = "trip"\n'}
    assert agent_tool_schemas(index_of(tmp_path / "b", no_crewai), NoParams()).status == "fail"
