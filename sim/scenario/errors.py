"""ScenarioError: bad scenario input, told as file, line, dotted key, expected and found."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.util.naming import did_you_mean


@dataclass(frozen=True)
class Issue:
    """One problem in a scenario: where it is and what is wrong."""

    message: str
    file: str | None = None
    line: int | None = None
    key: str | None = None
    expected: str | None = None
    found: str | None = None
    suggestion: str | None = None

    def location(self) -> str:
        """``file:line: key`` (whatever is known)."""
        parts = []
        if self.file:
            parts.append(self.file + (f":{self.line}" if self.line else ""))
        elif self.line:
            parts.append(f"line {self.line}")
        if self.key:
            parts.append(self.key)
        return ": ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        text = f"{loc}: {self.message}" if loc else self.message
        if self.expected is not None:
            text += f"\n  expected: {self.expected}"
        if self.found is not None:
            text += f"\n  found: {self.found}"
        if self.suggestion:
            text += f"\n  did you mean {self.suggestion!r}?"
        return text


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; ``str()`` is the message shown to the user.

    The first issue's fields are also attributes (``file``, ``line``, ``key``, ``expected``,
    ``found``, ``suggestion``) for tests and callers.
    """

    def __init__(self, message: str | Iterable[Issue], *, file: str | Path | None = None,
                 line: int | None = None, key: str | None = None, expected: str | None = None,
                 found: Any = None, suggestion: str | None = None):
        if isinstance(message, str):
            issues = [Issue(message, str(file) if file is not None else None, line, key,
                            expected, None if found is None else str(found), suggestion)]
        else:
            issues = list(message)
        if not issues:
            raise ValueError("ScenarioError needs at least one issue")
        self.issues: list[Issue] = issues
        super().__init__(str(self))

    def __getattr__(self, name: str) -> Any:
        if name in {"message", "file", "line", "key", "expected", "found", "suggestion"}:
            return getattr(self.__dict__["issues"][0], name)
        raise AttributeError(name)

    def __str__(self) -> str:
        return "\n".join(str(i) for i in self.issues)

    def with_file(self, file: str | Path) -> ScenarioError:
        """The same issues, located in ``file`` where no file was known."""
        return ScenarioError([i if i.file else Issue(**{**i.__dict__, "file": str(file)})
                              for i in self.issues])


def found_repr(value: Any, limit: int = 60) -> str:
    """A short display of a found value."""
    text = repr(value) if isinstance(value, str) else _plain(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null (empty)"
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


__all__ = ["Issue", "ScenarioError", "did_you_mean", "found_repr"]
