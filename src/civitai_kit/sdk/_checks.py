"""Argument checks shared by the builders: each failure is a ``ValueError``/``TypeError`` naming the argument."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import timedelta

from civitai_kit.core.air import AirIdentifier

_TIMESPAN = re.compile(r"(?:\d+\.)?\d{1,2}:[0-5]\d:[0-5]\d(?:\.\d{1,7})?")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def integer(name: str, value: object, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}")
    _within(name, value, low, high)
    return value


def number(name: str, value: object, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    _within(name, value, low, high)
    return value


def _within(name: str, value: float, low: float | None, high: float | None) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"between {low} and {high}"
            if low is not None and high is not None
            else (f"at least {low}" if low is not None else f"at most {high}")
        )
        raise ValueError(f"{name} must be {bounds}, got {value!r}")


def step_range(start: object, end: object) -> tuple[float, float]:
    """A ControlNet's active part of the sampling, as fractions: ``0 <= start_step <= end_step <= 1``."""
    low, high = number("start_step", start, 0, 1), number("end_step", end, 0, 1)
    if low > high:
        raise ValueError(f"start_step ({low}) must not be after end_step ({high})")
    return low, high


def text(name: str, value: object, *, max_length: int | None = None, allow_blank: bool = False) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not allow_blank and not value.strip():
        raise ValueError(f"{name} must not be blank")
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"{name} must be at most {max_length} characters, got {len(value)}")
    return value


def dimension(name: str, value: object, low: int, high: int) -> int:
    """An image side: within the schema's bounds and a multiple of 8 (what the samplers work in)."""
    side = integer(name, value, low, high)
    if side % 8:
        raise ValueError(f"{name} must be a multiple of 8, got {side}")
    return side


def air(name: str, value: object) -> str:
    """An AIR as canonical text; accepts an [`AirIdentifier`][] or its text."""
    if isinstance(value, AirIdentifier):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be an AIR (AirIdentifier or 'urn:air:…' text), not {type(value).__name__}")
    try:
        return str(AirIdentifier.parse(value))
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def timespan(name: str, value: object) -> str:
    """A .NET TimeSpan string (``[d.]hh:mm:ss[.fffffff]``) from a ``timedelta``, seconds or such a string.

    Days are kept (``1.01:00:00``), unlike CivitaiSharp's ``hh:mm:ss`` formatting that dropped them.
    """
    if isinstance(value, str):
        if not _TIMESPAN.fullmatch(value):
            raise ValueError(f"{name} must look like 'hh:mm:ss' or 'd.hh:mm:ss', got {value!r}")
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = timedelta(seconds=number(name, value, 1))
    if not isinstance(value, timedelta):
        raise TypeError(f"{name} must be a timedelta, seconds or 'hh:mm:ss' text, not {type(value).__name__}")
    if value <= timedelta(0):
        raise ValueError(f"{name} must be positive, got {value}")
    whole = int(value.total_seconds())
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{days}.{clock}" if days else clock


def strings(name: str, values: Iterable[object], *, max_length: int | None = None) -> tuple[str, ...]:
    if isinstance(values, str):
        raise TypeError(f"{name} must be a list of strings, not a single string")
    return tuple(text(f"{name}[{index}]", item, max_length=max_length) for index, item in enumerate(values))
