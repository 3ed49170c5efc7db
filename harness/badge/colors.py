"""Colour scales: which colour a figure earns, with defaults a thresholds file can override.

A thresholds file (YAML or JSON) has up to three keys, each a scale; anything left out keeps its
default::

    audit:   {better: higher, steps: [[90, brightgreen], [80, green]], otherwise: red}
    metrics: {default: {...}, faithfulness: {...}}
    cost:    {better: lower, steps: [[0.001, brightgreen], [0.01, green]], otherwise: orange}

A step `[bound, colour]` applies when the figure is at least `bound` (better: higher) or at most
`bound` (better: lower); steps are read best first and the first that applies wins.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from harness import safeio
from harness.errors import ThresholdsError

# shields.io's named colours, so the SVG we draw matches what shields draws from the endpoint JSON.
NAMED_COLORS: dict[str, str] = {
    "brightgreen": "#4c1",
    "green": "#97ca00",
    "yellowgreen": "#a4a61d",
    "yellow": "#dfb317",
    "orange": "#fe7d37",
    "red": "#e05d44",
    "blue": "#007ec6",
    "lightgrey": "#9f9f9f",
    "grey": "#555",
    "blueviolet": "#8a2be2",
}
STALE_COLOR = "lightgrey"
UNMEASURED_COLOR = "lightgrey"
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def to_hex(color: str) -> str:
    """The fill for an SVG: a named colour's hex, or the hex colour itself."""
    return NAMED_COLORS.get(color, color)


class Scale(BaseModel):
    """Steps from best to worst; `otherwise` when no step applies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    better: Literal["higher", "lower"] = "higher"
    steps: tuple[tuple[float, str], ...] = Field(min_length=1)
    otherwise: str = "red"

    @field_validator("steps")
    @classmethod
    def _colors_in_steps(
        cls, steps: tuple[tuple[float, str], ...]
    ) -> tuple[tuple[float, str], ...]:
        for _, color in steps:
            _check_color(color)
        return steps

    @field_validator("otherwise")
    @classmethod
    def _color_otherwise(cls, color: str) -> str:
        return _check_color(color)

    @model_validator(mode="after")
    def _best_first(self) -> Scale:
        bounds = [bound for bound, _ in self.steps]
        ordered = sorted(bounds, reverse=self.better == "higher")
        if bounds != ordered:
            order = "descending" if self.better == "higher" else "ascending"
            raise ValueError(
                f"steps must be best first: bounds {order} when better is {self.better}"
            )
        return self

    def color_for(self, value: float) -> str:
        for bound, color in self.steps:
            if (value >= bound) if self.better == "higher" else (value <= bound):
                return color
        return self.otherwise


def _check_color(color: str) -> str:
    if color in NAMED_COLORS or _HEX.match(color):
        return color
    names = ", ".join(NAMED_COLORS)
    raise ValueError(f"colour {color!r} is neither a shields name ({names}) nor #rgb/#rrggbb")


_GRADES: tuple[tuple[float, str], ...] = (
    (90, "brightgreen"),
    (80, "green"),
    (70, "yellowgreen"),
    (60, "yellow"),
    (50, "orange"),
)
DEFAULT_AUDIT = Scale(better="higher", steps=_GRADES, otherwise="red")
DEFAULT_METRIC = Scale(
    better="higher", steps=tuple((bound / 100, color) for bound, color in _GRADES), otherwise="red"
)
DEFAULT_COST = Scale(
    better="lower",
    steps=((0.001, "brightgreen"), (0.01, "green"), (0.05, "yellow"), (0.1, "orange")),
    otherwise="red",
)


class Thresholds(BaseModel):
    """Every scale a badge run uses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    audit: Scale = DEFAULT_AUDIT
    metrics: dict[str, Scale] = Field(default_factory=lambda: {"default": DEFAULT_METRIC})
    cost: Scale = DEFAULT_COST

    def metric(self, name: str) -> Scale:
        return self.metrics.get(name) or self.metrics.get("default") or DEFAULT_METRIC


def load_thresholds(path: Path | None) -> Thresholds:
    """The defaults, overridden by the scales a thresholds file names."""
    if path is None:
        return Thresholds()
    hint = "fix the thresholds file (see `harness badge --help` for its shape)"
    try:
        data = safeio.loads_yaml(safeio.read_text(path))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, safeio.NestingError) as exc:
        raise ThresholdsError(f"cannot read thresholds {path}: {_first_line(exc)}", hint) from exc
    if not isinstance(data, dict):
        raise ThresholdsError(f"thresholds {path} is not a mapping of scales", hint)
    try:
        return Thresholds.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise ThresholdsError(f"thresholds {path}: {where}: {error['msg']}", hint) from exc


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror  # the reason in words, not "[Errno 1] ...: 'path'"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
