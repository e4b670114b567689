"""One root error, so the CLI can turn anything a user caused into a message and an exit code."""

from __future__ import annotations

from pathlib import Path


class GeomapError(Exception):
    """Something the user can fix: bad input, bad config, a refused output folder."""

    exit_code = 1


class InputError(GeomapError):
    """An article or article folder cannot be used."""


class ConfigError(GeomapError):
    """A YAML file (gazetteer, lexicon) is invalid. Carries ``file:line`` like a compiler."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else f"{self.path}"
        super().__init__(f"{where}: {message}")


class OutputError(GeomapError):
    """The output folder is unsafe to write to or to replace."""
