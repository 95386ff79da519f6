"""Problems found in dialogue files: each names file, line and node."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

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


def errors(problems: list[Problem]) -> list[Problem]:
    """Only the errors."""
    return [p for p in problems if p.severity == "error"]
