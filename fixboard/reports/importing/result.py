"""What an import did: counts, skipped rows by reason with a few examples, time taken."""

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

EXAMPLES_PER_REASON = 5


class Example(NamedTuple):
    row: int
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: Counter = field(default_factory=Counter)
    examples: dict[str, list[Example]] = field(default_factory=dict)
    elapsed: float = 0.0
    located_by_address: int = 0
    created_service_types: list[str] = field(default_factory=list)
    created_departments: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Every data row read: each was created, updated or skipped."""
        return self.created + self.updated + self.skipped.total()

    @property
    def rate(self) -> float:
        """Rows per second."""
        return self.rows / self.elapsed if self.elapsed else 0.0

    def skip(self, reason: str, row: int, message: str) -> None:
        self.skipped[reason] += 1
        examples = self.examples.setdefault(reason, [])
        if len(examples) < EXAMPLES_PER_REASON:
            examples.append(Example(row, message))
