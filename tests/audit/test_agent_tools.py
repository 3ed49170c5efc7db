"""agent-human-approval reads which tools an agent is given: side-effecting tools without an
approval step fail (named, with file:line), an agent whose tools only read or compute has
nothing to approve (n/a), and tools loaded at run time keep the check applicable."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.audit.detectors.agent_code import agent_approval_step
from harness.audit.model import Evidence, Outcome
from harness.audit.registry import NoParams
from tests.audit.test_structure import index_of

SEARCH_ONLY = """\
from langchain_community.tools.tavily_search import TavilySearchResults
from langgraph.prebuilt import create_react_agent


def multiply(a: int, b: int) -> int:
    return a * b


agent = create_react_agent(model, [multiply, TavilySearchResults(max_results=3)])
"""

AIRLINE = """\
from agents import Agent, function_tool


@function_tool
def flight_status(number: str) -> str:
    return db.status(number)


@function_tool
async def cancel_flight(confirmation: str) -> str:
    return await db.cancel(confirmation)


agent = Agent(name="Cancellation", tools=[flight_status, cancel_flight])
"""

CREW_TOOLS = """\
from crewai.tools import BaseTool


class SlackNotifier(BaseTool):
    name: str = "Notify the team"
    description: str = "Posts a message"

    def _run(self, text: str) -> str:
        return "ok"


class Archive(BaseTool):
    name: str = "Archive notes"

    def _run(self, text: str) -> str:
        with open("notes.txt", "a") as handle:
            handle.write(text)
        return "saved"
"""

MCP_AGENT = """\
from langchain_mcp_adapters.client import MultiServerMCPClient
from langgraph.prebuilt import create_react_agent


def lookup(term: str) -> str:
    return term


async def build():
    client = MultiServerMCPClient({"github": {"url": "http://localhost:3000/mcp"}})
    return create_react_agent(model, [lookup, *await client.get_tools()])
"""


def _outcome(tmp_path: Path, files: dict[str, str]) -> Outcome:
    return agent_approval_step(index_of(tmp_path, files), NoParams())


def test_an_agent_whose_tools_only_read_has_nothing_to_approve(tmp_path: Path) -> None:
    outcome = _outcome(tmp_path, {"app/agent.py": SEARCH_ONLY})
    assert outcome.status == "na"
    assert outcome.message == (
        "the agent's tools only read or compute (TavilySearchResults, multiply): nothing to approve"
    )


def test_a_side_effecting_tool_without_approval_fails_and_is_named(tmp_path: Path) -> None:
    outcome = _outcome(tmp_path, {"app/airline.py": AIRLINE})
    assert outcome.status == "fail"
    assert outcome.message == "no approval step before side-effecting tools: cancel_flight"
    assert outcome.evidence == (
        Evidence("app/airline.py", 10, "cancel_flight: its name says it acts (cancel_flight)"),
    )


def test_tool_classes_act_by_their_name_or_their_body(tmp_path: Path) -> None:
    outcome = _outcome(tmp_path, {"app/tools.py": CREW_TOOLS})
    assert outcome.status == "fail"
    assert [e.note for e in outcome.evidence] == [
        "Notify the team: its name says it acts (Notify the team)",
        "Archive notes: it calls open(..., 'a') (line 16)",
    ]


def test_tools_loaded_at_run_time_keep_the_check_applicable(tmp_path: Path) -> None:
    outcome = _outcome(tmp_path, {"app/agent.py": MCP_AGENT})
    assert outcome.status == "fail"
    assert outcome.message == "no interrupt or approval step in the agent's code"


@pytest.mark.parametrize("where", ["tests/test_agent.py", "docs/example.py"])
def test_tools_outside_the_app_code_are_not_the_agent_s(tmp_path: Path, where: str) -> None:
    outcome = _outcome(tmp_path, {"app/agent.py": SEARCH_ONLY, where: AIRLINE})
    assert outcome.status == "na"


def test_an_approval_step_passes_whatever_the_tools(tmp_path: Path) -> None:
    approved = AIRLINE.replace(
        "return await db.cancel(confirmation)",
        "interrupt({'cancel': confirmation})\n    return await db.cancel(confirmation)",
    )
    outcome = _outcome(tmp_path, {"app/airline.py": approved})
    assert outcome.status == "pass"
    assert outcome.message == "approval step: interrupt(...)"


TOOL_LIST = """\
def search_web(query: str) -> str:
    return query


def send_invoice(customer: str) -> str:
    return customer


tools = [search_web, send_invoice]
llm = model.bind_tools(tools)
"""


def test_a_tool_list_bound_by_name_is_read_where_it_is_assigned(tmp_path: Path) -> None:
    outcome = _outcome(tmp_path, {"app/graph.py": TOOL_LIST})
    assert outcome.message == "no approval step before side-effecting tools: send_invoice"
    assert outcome.evidence[0].location() == "app/graph.py:5"


def test_tools_a_function_builds_keep_the_check_applicable(tmp_path: Path) -> None:
    built = SEARCH_ONLY.replace("TavilySearchResults(max_results=3)", "make_tools(config)")
    outcome = _outcome(tmp_path, {"app/agent.py": built})
    assert outcome.status == "fail"
    assert outcome.message == "no interrupt or approval step in the agent's code"
