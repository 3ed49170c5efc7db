"""Prometheus series. Names are the dashboard's contract (grafana/dashboards/app.json)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

from app.core.costs import unpriced_listeners

# `*_created` series double the scrape size and no dashboard reads them.
disable_created_metrics()

# Buckets around the offline path (ms) and a real model's answer (seconds).
REQUEST_LATENCY = Histogram(
    "app_request_latency_seconds",
    "HTTP request latency by route",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
LLM_REQUESTS = Counter("app_llm_requests_total", "Answers by model and route", ["model", "route"])
LLM_TOKENS = Counter("app_llm_tokens_total", "Tokens by model and kind", ["model", "kind"])
LLM_COST = Counter("app_llm_cost_usd_total", "Provider cost in USD by model", ["model"])
LLM_UNPRICED = Counter(
    "app_llm_unpriced_calls_total",
    "Calls to a model missing from prices.json, charged the fallback price",
    ["model"],
)
unpriced_listeners.append(lambda model: LLM_UNPRICED.labels(model).inc())
LLM_ERRORS = Counter("app_llm_errors_total", "Provider failures by kind", ["kind"])
CACHE_HITS = Counter("app_cache_hits_total", "Answers served from the response cache")
CACHE_MISSES = Counter("app_cache_misses_total", "Answers that needed a provider call")
GUARDRAIL_BLOCKS = Counter(
    "app_guardrail_blocks_total", "Requests refused by a guardrail", ["reason"]
)
PII_REDACTIONS = Counter("app_pii_redactions_total", "PII spans redacted", ["kind"])
LIMITED = Counter("app_limited_total", "Requests refused with 429", ["reason"])
FEEDBACK = Counter("app_feedback_total", "User feedback", ["value"])
QUEUE_DEPTH = Gauge("app_queue_depth", "Jobs waiting in the queue")
JOBS = Counter("app_jobs_total", "Jobs finished by the worker", ["status"])
