"""Result values: what every network or file operation returns.

Every network or file operation returns ``Result[T]`` (``Success[T] | Failure``) instead of raising, so
callers decide where failure handling lives. ``unwrap()`` turns a failure into a typed exception from the
tree rooted at [`CivitaiError`][], for code that prefers exceptions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, NoReturn, TypeAlias, TypeVar

from civitai_kit.errors import Error, ErrorCode

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Success(Generic[T]):
    """A successful outcome carrying ``value``."""

    value: T
    __match_args__ = ("value",)

    @property
    def is_success(self) -> bool:
        return True

    @property
    def is_failure(self) -> bool:
        return False

    @property
    def error(self) -> None:
        return None

    def unwrap(self) -> T:
        return self.value

    def unwrap_or(self, default: object) -> T:
        return self.value

    def unwrap_or_else(self, fallback: Callable[[Error], object]) -> T:
        return self.value

    def map(self, fn: Callable[[T], U]) -> Success[U]:
        return Success(fn(self.value))

    def bind(self, fn: Callable[[T], Result[U]]) -> Result[U]:
        return fn(self.value)

    def on_success(self, fn: Callable[[T], object]) -> Success[T]:
        fn(self.value)
        return self

    def on_failure(self, fn: Callable[[Error], object]) -> Success[T]:
        return self

    def match(self, *, on_success: Callable[[T], U], on_failure: Callable[[Error], U]) -> U:
        return on_success(self.value)


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed outcome carrying an [`Error`][]. ``value`` and ``unwrap()`` raise its exception."""

    error: Error
    __match_args__ = ("error",)

    @property
    def is_success(self) -> bool:
        return False

    @property
    def is_failure(self) -> bool:
        return True

    @property
    def value(self) -> NoReturn:
        raise self.error.to_exception()

    def unwrap(self) -> NoReturn:
        raise self.error.to_exception()

    def unwrap_or(self, default: U) -> U:
        return default

    def unwrap_or_else(self, fallback: Callable[[Error], U]) -> U:
        return fallback(self.error)

    def map(self, fn: Callable[[Any], object]) -> Failure:
        return self

    def bind(self, fn: Callable[[Any], object]) -> Failure:
        return self

    def on_success(self, fn: Callable[[Any], object]) -> Failure:
        return self

    def on_failure(self, fn: Callable[[Error], object]) -> Failure:
        fn(self.error)
        return self

    def match(self, *, on_success: Callable[[Any], U], on_failure: Callable[[Error], U]) -> U:
        return on_failure(self.error)

    @classmethod
    def of(cls, code: ErrorCode, message: str, **fields: Any) -> Failure:
        """Shorthand: ``Failure.of(ErrorCode.NOT_FOUND, "No model with id 1", http_status=404)``."""
        return cls(Error(code, message, **fields))


Result: TypeAlias = Success[T] | Failure
"""``Success[T] | Failure``; use ``match`` or ``is_success`` to tell them apart."""

__all__ = ["Failure", "Result", "Success"]
