"""The detector registry: built-in detectors plus those other packages register.

A detector is a small pure function `(index, params) -> Outcome`. Its parameters are a pydantic
model, so a checklist that passes bad params is refused at load time with the field named.
Third-party packages expose `Detector` objects (or plain functions taking a params dict) in the
`harness.detectors` entry-point group; the entry point's name is the detector's name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from harness.audit.index import RepoIndex
from harness.audit.model import Outcome
from harness.errors import DetectorError

ENTRY_POINT_GROUP = "harness.detectors"
_BUILTIN_MODULES = (
    "harness.audit.detectors.files",
    "harness.audit.detectors.docker",
    "harness.audit.detectors.workflows",
    "harness.audit.detectors.python_code",
    "harness.audit.detectors.llm_calls",
    "harness.audit.detectors.docs",
    "harness.audit.detectors.security",
    "harness.audit.detectors.agent_code",
    "harness.audit.detectors.datasets",
    "harness.audit.detectors.environment",
    "harness.audit.detectors.ci_systems",
    "harness.audit.detectors.rag_code",
    "harness.audit.detectors.portfolio",
)


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class Detector:
    name: str
    run: Callable[[RepoIndex, Any], Outcome]
    params_model: type[BaseModel]
    doc: str

    def parse_params(self, params: dict[str, Any]) -> BaseModel:
        return self.params_model.model_validate(params)


_REGISTRY: dict[str, Detector] = {}
_loaded = False


def detector(
    name: str,
    params: type[P] = NoParams,  # type: ignore[assignment]
) -> Callable[[Callable[[RepoIndex, P], Outcome]], Callable[[RepoIndex, P], Outcome]]:
    """Register a detector under `name`; its docstring is its documentation."""

    def register(fn: Callable[[RepoIndex, P], Outcome]) -> Callable[[RepoIndex, P], Outcome]:
        if name in _REGISTRY:
            raise DetectorError(f"detector {name!r} is registered twice")
        _REGISTRY[name] = Detector(name, fn, params, (fn.__doc__ or "").strip())
        return fn

    return register


class _DictParams(BaseModel):
    model_config = ConfigDict(extra="allow")


def _from_entry_point(name: str, loaded: object) -> Detector:
    if isinstance(loaded, Detector):
        return loaded
    if callable(loaded):

        def run(index: RepoIndex, params: BaseModel) -> Outcome:
            outcome = loaded(index, params.model_dump())
            if not isinstance(outcome, Outcome):
                raise DetectorError(f"detector {name!r} returned {type(outcome).__name__}")
            return outcome

        return Detector(name, run, _DictParams, (getattr(loaded, "__doc__", "") or "").strip())
    raise DetectorError(f"entry point {name!r} in {ENTRY_POINT_GROUP} is not a detector")


def detectors() -> dict[str, Detector]:
    """All detectors: built-ins first, then entry points (which may not shadow a built-in)."""
    global _loaded
    if not _loaded:
        for module in _BUILTIN_MODULES:
            importlib.import_module(module)
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in _REGISTRY:
                raise DetectorError(
                    f"entry point {ep.name!r} ({ep.value}) shadows a built-in detector",
                    "rename the third-party detector",
                )
            _REGISTRY[ep.name] = _from_entry_point(ep.name, ep.load())
        _loaded = True
    return _REGISTRY


def get(name: str) -> Detector:
    found = detectors().get(name)
    if found is None:
        raise DetectorError(
            f"unknown detector {name!r}",
            f"use one of: {', '.join(sorted(detectors()))}, or install the package providing it",
        )
    return found
