"""What `vrede check` finds: one problem type for every check, from YAML syntax to the
reading level of a text. Each names the file, line and node it is about."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from bot.engine.model import Origin

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding of `vrede check`."""

    severity: Severity
    code: str
    message: str
    file: str = ""
    line: int = 0
    node: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file or "-"
        node = f" [{self.node}]" if self.node else ""
        return f"{where}:{node} {self.severity}: {self.message} ({self.code})"

    def as_dict(self) -> dict[str, Any]:
        """For `--format json`."""
        return asdict(self)


def found(
    origins: Mapping[str, Origin],
    severity: Severity,
    code: str,
    message: str,
    where: str = "",
    node: str = "",
) -> Problem:
    """A problem at a place of the dialogue (`where`: a key of Dialogue.origins such as
    'node:start'), with the file and line of that place."""
    origin = origins.get(where)
    file, line = (origin.file, origin.line) if origin is not None else ("", 0)
    return Problem(severity, code, message, file, line, node)


def errors(problems: list[Problem]) -> list[Problem]:
    """Only the errors."""
    return [p for p in problems if p.severity == "error"]
