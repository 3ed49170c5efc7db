"""Everything a process builds once: KV store, provider, assistant (API and worker alike)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.config import Settings
from app.core.kv import KV, build_kv
from app.llm.providers import build_provider
from app.services.assistant import Assistant


@dataclass
class Services:
    settings: Settings
    kv: KV
    assistant: Assistant


def build_services(settings: Settings) -> Services:
    kv = build_kv(settings)
    return Services(settings, kv, Assistant(settings, kv, build_provider(settings)))
