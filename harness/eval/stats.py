"""Summary statistics: means with bootstrap CIs, paired bootstrap of differences, percentiles.

Resampling uses a fixed seed so the same scores always give the same report (CI output is
diffable and a rerun cannot flip a verdict by chance).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SEED = 20261124
RESAMPLES = 4000


@dataclass(frozen=True)
class Interval:
    mean: float
    lo: float
    hi: float


def bootstrap_mean(values: Sequence[float], resamples: int = RESAMPLES) -> Interval | None:
    """Mean and 95% percentile-bootstrap interval; None when there is nothing to average."""
    if not values:
        return None
    data = np.asarray(values, dtype=float)
    mean = float(data.mean())
    if data.size < 2:
        return Interval(mean, math.nan, math.nan)
    rng = np.random.default_rng(SEED)
    idx = rng.integers(0, data.size, size=(resamples, data.size))
    means = data[idx].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return Interval(mean, float(lo), float(hi))


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), None for no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


def finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
