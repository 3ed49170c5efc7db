"""Settings of `harness eval`: `[tool.harness.eval]` in the project's pyproject.toml, then flags.

Flags win over the file; the file wins over the defaults below. Unknown keys are an error so a
typo never silently falls back to a default.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from harness import safeio
from harness.errors import EvalConfigError

DEFAULT_CACHE_DIR = ".harness-cache/eval"
DEFAULT_MIN_COVERAGE = 0.8


class ResponseMapping(BaseModel):
    """Where an HTTP target's JSON answer keeps each part; dotted paths reach nested fields."""

    model_config = ConfigDict(extra="forbid")

    answer: str = "answer"
    contexts: str = "citations"
    context_id: str = "chunk_id"
    context_text: str = "text"
    usage: str = "usage"
    input_tokens: str = "input_tokens"
    output_tokens: str = "output_tokens"
    model: str = "model"
    cost: str = "cost_usd"
    tool_calls: str = "tool_calls"
    outcome: str = "outcome"


class JudgeConfig(BaseModel):
    """An OpenAI-compatible chat endpoint used by ragas' LLM metrics."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    model: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    embedding_model: str = "text-embedding-3-small"

    @property
    def configured(self) -> bool:
        return bool(self.model)


class EvalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: str = "evals/dataset.jsonl"
    target: str | None = None
    url: str | None = None
    request_field: str = "question"
    request_extra: dict[str, Any] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    response: ResponseMapping = Field(default_factory=ResponseMapping)
    metrics: list[str] | None = None
    k: int = Field(default=5, ge=1)
    thresholds: dict[str, float] = Field(default_factory=dict)
    concurrency: int = Field(default=4, ge=1, le=256)
    timeout: float = Field(default=60.0, gt=0)
    retries: int = Field(default=4, ge=0, le=20)
    judge: JudgeConfig = Field(default_factory=JudgeConfig)
    cache_dir: str = DEFAULT_CACHE_DIR
    # A floor by default: a run whose target is down or whose judge fails every call must not
    # pass. Measured over the samples a metric applies to.
    min_coverage: float = Field(default=DEFAULT_MIN_COVERAGE, ge=0.0, le=1.0)
    accept: list[Literal["underpowered", "incomparable"]] = Field(default_factory=list)
    tolerance: float = Field(default=0.02, ge=0.0)
    baseline: str = "evals/baseline.json"
    report: str | None = None  # default: <cache_dir>/report.json
    history: str | None = None  # default: <cache_dir>/history.jsonl (one line per run)

    @property
    def report_path(self) -> str:
        return self.report or f"{self.cache_dir}/report.json"

    @property
    def history_path(self) -> str:
        return self.history or f"{self.cache_dir}/history.jsonl"

    @model_validator(mode="after")
    def _one_target(self) -> EvalConfig:
        if self.target and self.url:
            raise ValueError("set either 'target' or 'url', not both")
        return self


def load_config(project: Path, overrides: dict[str, Any]) -> EvalConfig:
    """Merge pyproject settings with flag overrides (None means 'flag not given')."""
    data = _read_section(project)
    judge = dict(data.get("judge") or {})
    for key in ("base_url", "model"):
        # Flat `judge_model = ...` is accepted too: it reads naturally next to the other keys.
        if f"judge_{key}" in data:
            judge.setdefault(key, data.pop(f"judge_{key}"))
    for key in ("base_url", "model"):
        value = overrides.pop(f"judge_{key}", None)
        if value is not None:
            judge[key] = value
    data["judge"] = judge
    if overrides.get("target") or overrides.get("url"):
        data.pop("target", None)
        data.pop("url", None)
    thresholds = overrides.pop("thresholds", None)
    if thresholds:
        data["thresholds"] = {**data.get("thresholds", {}), **thresholds}
    data.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return EvalConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "[tool.harness.eval]"
        raise EvalConfigError(
            f"invalid eval setting {where}: {err['msg']}",
            "fix [tool.harness.eval] in pyproject.toml or the flag",
        ) from None


def _read_section(project: Path) -> dict[str, Any]:
    pyproject = project / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    try:
        doc = safeio.load_toml_file(pyproject)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, safeio.NestingError) as exc:
        raise EvalConfigError(f"cannot parse {pyproject.name}: {exc}", "fix the TOML") from None
    except OSError as exc:
        raise EvalConfigError(
            f"cannot read {pyproject.name}: {exc.strerror or exc}", "fix pyproject.toml"
        ) from None
    section: Any = doc
    for name in ("tool", "harness", "eval"):
        section = section.get(name, {})
        if not isinstance(section, dict):
            dotted = {"tool": "[tool]", "harness": "[tool.harness]", "eval": "[tool.harness.eval]"}
            raise EvalConfigError(f"{dotted[name]} must be a table", "fix pyproject.toml")
    return dict(section)


def parse_thresholds(values: tuple[str, ...]) -> dict[str, float]:
    """`--threshold metric=value`, repeatable."""
    out: dict[str, float] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        try:
            out[name.strip()] = float(raw)
        except ValueError:
            name = ""
        if not sep or not name.strip():
            raise EvalConfigError(
                f"bad --threshold {item!r}", "write it as METRIC=VALUE, e.g. faithfulness=0.8"
            )
    return out
