"""Problems found in a questionnaire file, each pointing at a file, line and column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a questionnaire file.

    ``line`` and ``column`` count from 1 and are ``None`` when the problem concerns the whole file
    (it cannot be read, it is empty). ``path`` names the spot in the document the way a researcher
    would point at it, e.g. ``pages[2].items[3].scale`` (list positions count from 0).
    """

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        if self.path:
            return f"{where}: {self.path}: {self.message}"
        return f"{where}: {self.message}"


class QuestionnaireError(Exception):
    """A questionnaire file has problems. ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        lines = [str(problem) for problem in self.problems]
        noun = "problem" if count == 1 else "problems"
        return "\n".join(lines + [f"{count} {noun} found."])


def format_path(path: tuple) -> str:
    """``("pages", 2, "items", 3, "scale")`` -> ``pages[2].items[3].scale``."""
    text = ""
    for part in path:
        if isinstance(part, str) and part and all(ch.isalnum() or ch in "_-" for ch in part):
            text += f".{part}" if text else part
        elif isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f"[{part!r}]"
    return text
