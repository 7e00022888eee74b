"""A plain-text progress bar for long management commands."""

import time


class Progress:
    WIDTH = 30

    def __init__(self, out, label: str, total: int) -> None:
        self.out, self.label, self.total = out, label, max(total, 1)
        self.count, self.started, self.shown = 0, time.monotonic(), -1.0

    def advance(self, step: int = 1) -> None:
        self.count = min(self.count + step, self.total)
        now = time.monotonic()
        if now - self.shown >= 0.5 or self.count == self.total:
            self.shown = now
            filled = int(self.WIDTH * self.count / self.total)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            self.out.write(
                f"\r{self.label} [{bar}] {self.count:,}/{self.total:,} {now - self.started:5.1f}s", ending=""
            )
            self.out.flush()

    def phase(self, label: str, total: int) -> None:
        """Start a new bar, on a line of its own, for the next part of the work."""
        if self.shown >= 0:
            self.done()
        self.label, self.total = label, max(total, 1)
        self.count, self.started, self.shown = 0, time.monotonic(), -1.0

    def done(self) -> None:
        self.out.write("")
