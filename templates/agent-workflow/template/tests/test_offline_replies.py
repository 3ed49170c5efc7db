"""What the offline policy tells customers: true statements about their order, readable
subjects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.agent.service import AgentService
from app.core.config import get_settings


@pytest.fixture
def service() -> Iterator[AgentService]:
    get_settings.cache_clear()
    svc = AgentService(get_settings())
    yield svc
    svc.close()


def _reply(run: dict[str, Any]) -> dict[str, Any]:
    (draft,) = [c for c in run["calls"] if c["name"] == "draft_reply"]
    return dict(draft["args"])


def test_an_already_refunded_order_is_not_promised_a_refund(service: AgentService) -> None:
    ticket = {"subject": "", "body": "Order 1001 arrived damaged, please refund it."}
    first = service.run_to_end(ticket, lambda _: (True, "photo checks out"))
    assert first["outcome"] == "refunded"
    again = service.run_to_end(ticket, lambda _: (True, "ok"))
    reply = _reply(again)
    # It said "can be refunded once it has been delivered" about a delivered, refunded order.
    assert "already been refunded in full ($89.00)" in reply["body"]
    assert "once it has been delivered" not in reply["body"]
    assert service.shop.count("refunds") == 1


def test_subjects_never_repeat_request(service: AgentService) -> None:
    run = service.run_to_end({"subject": "", "body": "I want my money back for order 1003."})
    subject = _reply(run)["subject"]
    assert subject.startswith("Re: your ") and "request request" not in subject


def test_stats_latency_leaves_out_the_human_wait(service: AgentService) -> None:
    import time

    def slow_human(_: object) -> tuple[bool, str]:
        time.sleep(1.5)  # a reviewer reading the ticket
        return True, "ok"

    run = service.run_to_end(
        {"subject": "", "body": "Order 1006 arrived damaged, refund it."}, slow_human
    )
    assert run["outcome"] == "refunded"
    latency = service.ledger.snapshot()["latency_ms"]["p50"]
    assert latency is not None and latency < 1000, latency
