"""Where ../shared (read-only reference material beside the repository) is on this machine."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Beside the checkout, as on a developer's machine; CI may clone elsewhere on the same machine.
CANDIDATES = [ROOT.parent / "shared", Path("/work/shared")]
SHARED = next((path for path in CANDIDATES if (path / "corpora").is_dir()), None)
CORPORA = SHARED / "corpora" if SHARED else None
