"""Guards: budgets, malformed and unknown tool calls, loops, tool timeouts and retries."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from app.agent import tools
from app.agent.graph import build_graph
from app.agent.policy_types import Decision, ToolCallRequest
from app.agent.service import AgentService
from app.core.config import Settings, get_settings


class ScriptedPolicy:
    """Plays back decisions (a stand-in for a model), then finishes."""

    model = "gpt-4o-mini"  # priced, so the dollar budget has something to count

    def __init__(self, script: list[list[tuple[str, Any]]], tokens: int = 100) -> None:
        self.script = list(script)
        self.tokens = tokens
        self.seen: list[list[dict[str, Any]]] = []

    def decide(self, ticket: str, messages: list[dict[str, Any]]) -> Decision:
        self.seen.append(list(messages))
        if not self.script:
            return Decision("done", [], self.model, self.tokens, 10)
        calls = [
            ToolCallRequest(f"c{len(self.seen)}_{i}", name, args)
            for i, (name, args) in enumerate(self.script.pop(0))
        ]
        return Decision("", calls, self.model, self.tokens, 10)


@pytest.fixture
def service() -> Iterator[AgentService]:
    get_settings.cache_clear()
    svc = AgentService(get_settings())
    yield svc
    svc.close()


def use(service: AgentService, policy: Any, **limits: Any) -> None:
    service.policy = policy
    service.limits = type(service.limits)(**{**service.limits.__dict__, **limits})
    service.graph = build_graph(policy, service.shop, service.limits, service.graph.checkpointer)


def run(service: AgentService, body: str = "a ticket") -> dict[str, Any]:
    return service.run_to_end({"subject": "", "body": body})


def test_step_budget(service: AgentService) -> None:
    use(
        service,
        ScriptedPolicy([[("search_kb", {"query": f"q{i}"})] for i in range(20)]),
        max_steps=3,
    )
    result = run(service)
    assert result["status"] == "budget_exceeded"
    assert "max_steps" in result["detail"]
    assert result["steps"] == 3


def test_token_budget(service: AgentService) -> None:
    policy = ScriptedPolicy([[("search_kb", {"query": f"q{i}"})] for i in range(20)], tokens=900)
    use(service, policy, max_tokens=2000)
    result = run(service)
    assert result["status"] == "budget_exceeded"
    assert "max_tokens" in result["detail"]
    assert result["input_tokens"] + result["output_tokens"] >= 2000
    # The call that crossed the budget (step 3: 2,730 tokens) did not get its tool executed.
    assert result["steps"] == 3 and len(result["calls"]) == 2


def test_cost_budget(service: AgentService) -> None:
    policy = ScriptedPolicy(
        [[("search_kb", {"query": f"q{i}"})] for i in range(20)], tokens=100_000
    )
    use(service, policy, max_cost_usd=0.03, max_tokens=10**9)
    result = run(service)
    assert result["status"] == "budget_exceeded"
    assert "max_cost" in result["detail"]
    assert result["cost_usd"] >= 0.03


def test_malformed_arguments_are_fed_back(service: AgentService) -> None:
    policy = ScriptedPolicy(
        [
            [("lookup_order", '{"order_id": 10')],  # broken JSON
            [("lookup_order", {"order_id": "abc"})],  # fails the schema
            [("lookup_order", {"order_id": "1001", "x": 1})],  # unknown field
            [("lookup_order", {"order_id": "1001"})],
        ]
    )
    use(service, policy)
    result = run(service)
    assert result["status"] == "completed"
    assert [c["ok"] for c in result["calls"]] == [False, False, False, True]
    errors = [m for m in policy.seen[3] if m["role"] == "tool"]
    assert "invalid JSON" in errors[0]["content"]
    assert "order_id" in errors[1]["content"] and errors[1]["is_error"]
    assert "x" in errors[2]["content"]


def test_unknown_tool_is_rejected(service: AgentService) -> None:
    policy = ScriptedPolicy([[("delete_database", {})]])
    use(service, policy)
    result = run(service)
    assert result["status"] == "completed"
    assert result["calls"][0]["ok"] is False
    assert "unknown tool" in result["calls"][0]["result"]["error"]
    assert result["outcome"] == "unresolved"


def test_tool_call_loop_is_detected(service: AgentService) -> None:
    use(service, ScriptedPolicy([[("lookup_order", {"order_id": "1001"})]] * 10))
    result = run(service)
    assert result["status"] == "loop_detected"
    assert "lookup_order" in result["detail"]


def test_tool_timeout_then_retry(service: AgentService, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[float] = []
    original = tools.TOOLS["search_kb"]

    def flaky(args: Any, ctx: Any) -> dict[str, Any]:
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            time.sleep(0.5)  # longer than the tool timeout
        if len(attempts) == 2:
            raise tools.TransientToolError("database is busy")
        return original.fn(args, ctx)

    monkeypatch.setitem(
        tools.TOOLS,
        "search_kb",
        tools.Tool("search_kb", original.description, original.args_model, flaky),
    )
    use(
        service,
        ScriptedPolicy([[("search_kb", {"query": "refund"})]]),
        tool_timeout=0.2,
        tool_retries=2,
    )
    result = run(service)
    call = result["calls"][0]
    assert call["ok"] is True and call["attempts"] == 3


def test_tool_gives_up_after_retries(
    service: AgentService, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(args: Any, ctx: Any) -> dict[str, Any]:
        raise tools.TransientToolError("downstream unavailable")

    original = tools.TOOLS["search_kb"]
    monkeypatch.setitem(
        tools.TOOLS,
        "search_kb",
        tools.Tool("search_kb", original.description, original.args_model, broken),
    )
    use(service, ScriptedPolicy([[("search_kb", {"query": "refund"})]]), tool_retries=1)
    result = run(service)
    call = result["calls"][0]
    assert call["ok"] is False and call["attempts"] == 2
    assert "failed after 2 attempts" in call["result"]["error"]
    assert result["status"] == "completed"  # the model heard about it; the run did not crash


def test_refund_cannot_exceed_order(service: AgentService) -> None:
    use(
        service,
        ScriptedPolicy(
            [[("issue_refund", {"order_id": "1001", "amount_usd": 500, "reason": "damaged"})]]
        ),
    )
    result = run(service)
    assert result["calls"][0]["ok"] is False
    assert "exceeds" in result["calls"][0]["result"]["error"]
    assert service.shop.count("refunds") == 0


def test_settings_refuse_default_secrets_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValueError, match="API_TOKEN"):
        Settings()
    monkeypatch.setenv("API_TOKEN", "a-real-token")
    assert Settings().API_TOKEN is not None
    with pytest.raises(ValueError, match="DATABASE_URL"):
        Settings(CHECKPOINTER="postgres")


def test_run_of_a_dead_worker_is_reclaimed(service: AgentService) -> None:
    """A worker that died mid-run stops renewing its lease; another worker takes the run over."""
    run_id = service.start({"body": "Where is my order 1003?"})
    assert service.store.claim("dead-worker", lease_seconds=-1) == run_id  # lease already over
    assert service.store.get_run(run_id)["status"] == "running"
    assert service.store.claim("live-worker", lease_seconds=60) == run_id
    assert service.store.claim("third-worker", lease_seconds=60) is None  # held now
    assert service.process(run_id) == "completed"


def test_two_side_effects_in_one_turn_need_two_decisions(service: AgentService) -> None:
    refund = {"amount_usd": 10.0, "reason": "damaged"}
    use(service, ScriptedPolicy([[("issue_refund", {"order_id": "1001", **refund}),
                                  ("issue_refund", {"order_id": "1004", **refund})]]))  # fmt: skip
    decisions: list[str] = []

    def decide(approval: dict[str, Any]) -> tuple[bool, str]:
        decisions.append(approval["args"]["order_id"])
        return approval["args"]["order_id"] == "1001", "only the first"

    result = service.run_to_end({"body": "two refunds"}, decide)
    assert decisions == ["1001", "1004"]
    assert [(c["approval"], c["ok"]) for c in result["calls"]] == [
        ("approved", True), ("rejected", False)]  # fmt: skip
    assert service.shop.count("refunds") == 1
