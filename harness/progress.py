"""A small progress bar on stderr: runs done / total, trials, elapsed, ETA."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


class Progress:
    """Redraws one line in a terminal; prints a line every few seconds otherwise (CI logs).

    Parameters
    ----------
    total : int
        Runs to do in this invocation.
    skipped : int
        Runs already stored (shown, not counted in the ETA).
    """

    def __init__(self, total: int, skipped: int = 0, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total = total
        self.skipped = skipped
        self.done = 0
        self.trials = 0
        self.failed = 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = self.stream.isatty()
        self.start = time.monotonic()
        self._last = 0.0

    def update(self, trials: int, failed: bool) -> None:
        """Count one finished run with ``trials`` trials."""
        self.done += 1
        self.trials += trials
        self.failed += int(failed)
        now = time.monotonic()
        interval = 0.1 if self.tty else 5.0
        if now - self._last >= interval or self.done == self.total:
            self._last = now
            self.draw()

    def line(self) -> str:
        """The current status line."""
        elapsed = time.monotonic() - self.start
        eta = elapsed / self.done * (self.total - self.done) if self.done else float("nan")
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        extra = f" ({self.skipped} stored before)" if self.skipped else ""
        failed = f" | {self.failed} failed" if self.failed else ""
        eta_text = _clock(eta) if eta == eta else "--:--"
        return (f"[{bar}] {self.done}/{self.total} runs{extra} | {self.trials:,} trials{failed} | "
                f"{_clock(elapsed)} elapsed | ETA {eta_text}")

    def draw(self) -> None:
        """Write the status line."""
        if not self.enabled:
            return
        if self.tty:
            self.stream.write("\r" + self.line() + "\x1b[K")
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def finish(self) -> None:
        """End the line."""
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()
