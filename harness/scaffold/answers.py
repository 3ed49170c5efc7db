"""Answers given with --data: what Copier refuses, and the yes/no answers it would not.

Copier validates answers itself (choices, each question's validator) and raises a ValueError;
`answer_refusal` turns that into one line. It reads any unknown word as *yes* for a bool
question, so `bool_answer_errors` checks those against the source's copier.yml first.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from harness import safeio
from harness.suggest import did_you_mean

# The words Copier reads as yes or no (copier._tools.cast_to_bool); anything else it takes as yes.
BOOL_WORDS = frozenset({"y", "yes", "t", "true", "on", "1", "n", "no", "f", "false", "off", "0"})

# Copier reports a refused answer (a validator's message, or a value outside the choices) as a
# plain ValueError with one of these prefixes, before it writes anything.
_REFUSALS = (
    re.compile(r"^Validation error for question '(?P<name>[^']+)': (?P<why>.+)$", re.S),
    re.compile(r"^Invalid choice for '(?P<name>[^']+)': (?P<why>.+)$", re.S),
)


def answer_refusal(exc: ValueError) -> str | None:
    """The one-line reason Copier refused an answer, or None for any other ValueError."""
    for pattern in _REFUSALS:
        match = pattern.match(str(exc))
        if match:
            why = " ".join(match["why"].split())
            return f"answer {match['name']!r} refused: {why}"
    return None


def _questions(copier_yml: Path) -> dict[str, Any]:
    try:
        config: Any = safeio.loads_yaml(safeio.read_text(copier_yml))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError):
        return {}  # Copier reads the source itself and reports what is wrong with it
    if not isinstance(config, dict):
        return {}
    return {str(name): spec for name, spec in config.items() if not str(name).startswith("_")}


def bool_questions(copier_yml: Path) -> set[str]:
    """Names of the bool questions in a (flat, generated) copier.yml."""
    return {
        name
        for name, spec in _questions(copier_yml).items()
        if isinstance(spec, dict) and spec.get("type") == "bool"
    }


def unknown_answer_errors(data: dict[str, str], copier_yml: Path) -> list[str]:
    """One message per --data key the template asks no question for (Copier ignores those
    silently, so a misspelt `vectorstore=pgvector` would quietly yield the default)."""
    questions = _questions(copier_yml)
    if not questions:
        return []
    return [
        f"unknown answer {name!r}: the template asks no such question; "
        f"{did_you_mean(name, questions)}"
        for name in data
        # `template` is the harness's own answer (the KIND argument), asked by the root only.
        if name not in questions and name != "template"
    ]


def answer_errors(data: dict[str, str], copier_yml: Path) -> list[str]:
    """Everything wrong with --data answers that can be known before Copier runs."""
    if not copier_yml.is_file():
        return []
    return unknown_answer_errors(data, copier_yml) + bool_answer_errors(
        data, bool_questions(copier_yml)
    )


def bool_answer_errors(data: dict[str, str], bools: set[str]) -> list[str]:
    """One message per yes/no answer that is not a yes or a no."""
    return [
        f"answer {name!r} refused: {value!r} is not a yes/no answer: use true or false"
        for name, value in data.items()
        if name in bools and value.strip().lower() not in BOOL_WORDS
    ]
