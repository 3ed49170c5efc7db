"""The HTTP API end to end with the offline policy and the in-process worker."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_client, pending_approval, submit, wait_for

REFUND = "My trail running shoes (order #1001) arrived damaged. Please refund me."


def refunds(data_dir: Path) -> list[tuple[str, float]]:
    with sqlite3.connect(data_dir / "shop.db") as conn:
        return conn.execute("SELECT order_id, amount_usd FROM refunds").fetchall()


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["model"] == "offline-policy"


def test_happy_path_to_resolution(client: TestClient) -> None:
    run_id = submit(client, "Where is my order 1003? Tracking hasn't moved.")
    run = wait_for(client, run_id, "completed")
    assert run["outcome"] == "resolved"
    assert [c["name"] for c in run["calls"]] == ["lookup_order", "search_kb", "draft_reply"]
    assert all(c["ok"] for c in run["calls"])
    assert run["steps"] == 4
    assert run["cost_usd"] == 0.0
    assert run["model"] == "offline-policy"
    assert "offline rule-based policy" in run["answer"]
    types = [e["type"] for e in run["events"]]
    assert types[0] == "queued" and types[-1] == "finished"
    assert types.count("tool_call") == 3
    assert len(run["trace_id"]) == 32


def test_event_stream(client: TestClient) -> None:
    run_id = submit(client, "I forgot my password and I'm locked out.")
    with client.stream("GET", f"/runs/{run_id}/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = [block for block in text.split("\n\n") if block.startswith("id:")]
    names = [block.split("\n")[1].removeprefix("event: ") for block in events]
    assert names[0] == "queued" and names[-1] == "finished"
    assert "step" in names and "tool_call" in names
    finished = json.loads(events[-1].split("\n")[2].removeprefix("data: "))
    assert finished["outcome"] == "resolved"


def test_approval_pause_approve_refunds_exactly_once(client: TestClient, tmp_path: Path) -> None:
    run_id = submit(client, REFUND)
    run = wait_for(client, run_id, "awaiting_approval")
    approval = pending_approval(client, run_id)
    assert approval["tool"] == "issue_refund"
    assert approval["args"] == {"order_id": "1001", "amount_usd": 89.0, "reason": "damaged item"}
    assert refunds(tmp_path / "data") == []  # nothing happens before a person decides
    assert run["approvals"][0]["status"] == "pending"
    # What the reviewer decides on: the customer's own words and the order as the shop has it.
    assert approval["ticket"] == {"subject": "help", "body": REFUND, "customer_email": None}
    order = approval["order"]
    assert (order["customer_name"], order["customer_email"]) == ("Ada Lovelace", "ada@example.com")
    assert (order["item"], order["total_usd"], order["refunded_usd"]) == (
        "Trail running shoes",
        89.0,
        0,
    )
    assert order["refund_window"]["open"] is True
    assert order["refund_window"]["days_since_order"] == 5

    decided = client.post(
        f"/approvals/{approval['id']}", json={"decision": "approve", "comment": "photo checks out"}
    )
    assert decided.status_code == 200, decided.text
    again = client.post(f"/approvals/{approval['id']}", json={"decision": "approve"})
    assert again.status_code == 409
    run = wait_for(client, run_id, "completed")
    assert run["outcome"] == "refunded"
    assert refunds(tmp_path / "data") == [("1001", 89.0)]
    refund_call = next(c for c in run["calls"] if c["name"] == "issue_refund")
    assert refund_call["approval"] == "approved"
    assert refund_call["comment"] == "photo checks out"
    assert client.get("/approvals").json() == []


def test_reject_has_no_side_effect(client: TestClient, tmp_path: Path) -> None:
    run_id = submit(client, REFUND)
    wait_for(client, run_id, "awaiting_approval")
    approval = pending_approval(client, run_id)
    response = client.post(
        f"/approvals/{approval['id']}", json={"decision": "reject", "comment": "no photo"}
    )
    assert response.status_code == 200
    run = wait_for(client, run_id, "completed")
    assert run["outcome"] == "refund_rejected"
    assert refunds(tmp_path / "data") == []
    rejected = next(c for c in run["calls"] if c["name"] == "issue_refund")
    assert rejected["ok"] is False and rejected["comment"] == "no photo"
    assert client.get("/approvals", params={"status": "rejected"}).json()[0]["id"] == approval["id"]


def test_unknown_approval_and_run(client: TestClient) -> None:
    assert client.get("/runs/nope").status_code == 404
    assert client.get("/runs/nope/events").status_code == 404
    response = client.post("/approvals/nope", json={"decision": "approve"})
    assert response.status_code == 404


def test_concurrent_runs_are_isolated(client: TestClient, tmp_path: Path) -> None:
    orders = {"1001": 89.0, "1004": 45.0, "1007": 120.0, "1008": 19.0, "1009": 35.0}
    with ThreadPoolExecutor(max_workers=5) as pool:
        run_ids = dict(
            zip(
                orders,
                pool.map(
                    lambda o: submit(client, f"Order {o} arrived damaged, refund please."), orders
                ),
                strict=True,
            )
        )
    for order, run_id in run_ids.items():
        wait_for(client, run_id, "awaiting_approval")
        approval = pending_approval(client, run_id)
        assert approval["args"]["order_id"] == order
        client.post(f"/approvals/{approval['id']}", json={"decision": "approve"})
    for order, run_id in run_ids.items():
        run = wait_for(client, run_id, "completed")
        looked_up = {c["args"]["order_id"] for c in run["calls"] if "order_id" in (c["args"] or {})}
        assert looked_up == {order}
    assert sorted(refunds(tmp_path / "data")) == sorted(orders.items())


def test_token_required_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_TOKEN", "s3cret-token")
    with make_client() as client:
        response = client.post("/tickets", json={"body": "hello there"})
        assert response.status_code == 401
        run_id = submit(client, "What are your hours?", token="s3cret-token")
        assert client.get(f"/runs/{run_id}").status_code == 401
        auth = {"Authorization": "Bearer s3cret-token"}
        assert client.get(f"/runs/{run_id}", headers=auth).status_code == 200
        assert client.post("/approvals/x", json={"decision": "approve"}).status_code == 401


@pytest.mark.parametrize(
    "ticket",
    [{"body": ""}, {"body": "   \n\t  "},
     {"body": "Order 1001 is late.", "customer_email": "not-an-email"},
     {"body": "Order 1001 is late.", "customer_email": "a b@example.com"}],
)  # fmt: skip
def test_invalid_ticket_rejected(client: TestClient, ticket: dict[str, str]) -> None:
    assert client.post("/tickets", json=ticket).status_code == 422
    assert client.get("/runs").json() == []


def test_web_page(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "<form" in page.text
    assert client.get("/static/app.js").status_code == 200
