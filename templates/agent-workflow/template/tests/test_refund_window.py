"""The refund window (REFUND_WINDOW_DAYS, 30 by default), on both sides of its last day.

The shop's fixture orders are dated relative to the day it is seeded: 1013 was placed 45 days
ago, 1014 31 days ago (one day too late) and 1015 30 days ago (its last day), whatever the date
the suite runs on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.agent.service import AgentService
from app.core.config import get_settings
from tests.conftest import make_client, pending_approval, submit, wait_for
from tests.test_guards import ScriptedPolicy, use


def refunds(data_dir: Path) -> list[tuple[str, float]]:
    with sqlite3.connect(data_dir / "shop.db") as conn:
        return conn.execute("SELECT order_id, amount_usd FROM refunds").fetchall()


def reply(run: dict[str, Any]) -> str:
    (draft,) = [c for c in run["calls"] if c["name"] == "draft_reply"]
    return str(draft["args"]["body"])


@pytest.mark.parametrize(("order", "age"), [("1013", 45), ("1014", 31)])
def test_an_order_outside_the_window_is_not_refunded(
    client: TestClient, tmp_path: Path, order: str, age: int
) -> None:
    run_id = submit(client, f"Order {order} arrived damaged, please refund it.")
    run = wait_for(client, run_id, "completed")
    assert run["outcome"] == "resolved"
    assert [c["name"] for c in run["calls"]] == ["lookup_order", "draft_reply"]
    window = run["calls"][0]["result"]["order"]["refund_window"]
    placed = date.today() - timedelta(days=age)
    assert window == {
        "days": 30,
        "days_since_order": age,
        "ends_on": (placed + timedelta(days=30)).isoformat(),
        "open": False,
    }
    body = reply(run)
    assert f"placed on {placed.isoformat()}, {age} days ago" in body
    assert "outside our 30-day refund window" in body
    assert "cannot refund it" in body
    # Nobody was asked to approve it and no money moved.
    assert client.get("/approvals", params={"status": "pending"}).json() == []
    assert refunds(tmp_path / "data") == []


def test_the_last_day_of_the_window_is_refunded(client: TestClient, tmp_path: Path) -> None:
    run_id = submit(client, "My coffee grinder (order 1015) arrived broken. Refund please.")
    wait_for(client, run_id, "awaiting_approval")
    approval = pending_approval(client, run_id)
    assert approval["args"]["order_id"] == "1015"
    response = client.post(f"/approvals/{approval['id']}", json={"decision": "approve"})
    assert response.status_code == 200
    run = wait_for(client, run_id, "completed")
    assert run["outcome"] == "refunded"
    assert refunds(tmp_path / "data") == [("1015", 75.0)]


def test_the_window_is_a_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REFUND_WINDOW_DAYS", "60")
    with make_client() as client:
        run_id = submit(client, "The speaker from order 1013 stopped working, refund it.")
        wait_for(client, run_id, "awaiting_approval")
        approval = pending_approval(client, run_id)
        assert approval["args"] == {
            "order_id": "1013",
            "amount_usd": 59.0,
            "reason": "defective item",
        }
        client.post(f"/approvals/{approval['id']}", json={"decision": "approve"})
        assert wait_for(client, run_id, "completed")["outcome"] == "refunded"
    assert refunds(tmp_path / "data") == [("1013", 59.0)]


def test_a_shorter_window_is_what_customers_are_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFUND_WINDOW_DAYS", "14")
    with make_client() as client:
        shipped = wait_for(
            client, submit(client, "Refund order 1003, it is defective."), "completed"
        )
        assert "once it has been delivered, within 14 days of the order" in reply(shipped)
        # 1013 is 45 days old: outside a 14-day window as well, and told so with that number.
        old = wait_for(client, submit(client, "Order 1013 is broken, refund it."), "completed")
        assert "outside our 14-day refund window" in reply(old)


@pytest.fixture
def service() -> Iterator[AgentService]:
    get_settings.cache_clear()
    svc = AgentService(get_settings())
    yield svc
    svc.close()


def test_a_window_that_closes_while_waiting_for_approval(service: AgentService) -> None:
    """Approved a day late: the refund tool checks again when it executes, and refuses."""
    run_id = service.start({"subject": "", "body": "Order 1015 arrived damaged, refund it."})
    assert service.process(run_id) == "awaiting_approval"
    (approval,) = service.store.list_approvals_for(run_id)
    tomorrow = date.today() + timedelta(days=1)
    service.shop.today = lambda: tomorrow
    service.store.decide(approval["id"], True, "ok")
    assert service.process(run_id) == "completed"
    run = service.store.get_run(run_id)
    assert run is not None
    refund = [c for c in run["calls"] if c["name"] == "issue_refund"][-1]
    assert refund["approval"] == "approved" and not refund["ok"]
    assert "31 days ago: outside the 30-day refund window" in refund["result"]["error"]
    assert "We could not issue the refund" in reply(run)
    assert service.shop.count("refunds") == 0


def test_a_model_proposing_an_old_order_is_refused_before_a_person_is_asked(
    service: AgentService,
) -> None:
    """A model may skip the lookup; the refund is refused with the reason, no approval asked."""
    policy = ScriptedPolicy(
        [
            [("issue_refund", {"order_id": "1013", "amount_usd": 59.0, "reason": "broken"})],
            [("draft_reply", {"subject": "Re: refund", "body": "Sorry, too late."})],
        ]
    )
    use(service, policy)
    run = service.run_to_end({"subject": "", "body": "Refund order 1013, it broke."})
    assert run["status"] == "completed" and run["outcome"] == "resolved"
    assert service.store.list_approvals_for(run["id"]) == []
    refused = run["calls"][0]
    assert refused["name"] == "issue_refund" and not refused["ok"] and "approval" not in refused
    assert "45 days ago: outside the 30-day refund window" in refused["result"]["error"]
    # The model heard why, as the tool's result.
    tool_message = policy.seen[1][-1]
    assert tool_message["is_error"] and "refund window" in tool_message["content"]
    assert service.shop.count("refunds") == 0
