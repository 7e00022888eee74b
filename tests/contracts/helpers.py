"""The shared contract documents, read the way each import door reads them."""

from pathlib import Path

CONTRACTS = Path(__file__).resolve().parents[3] / "shared" / "contracts"
CATALOG = CONTRACTS / "event-catalog__eventcatalog" / "default"
ASYNCAPI = CONTRACTS / "asyncapi__spec"


def folder_files(root: Path) -> list[tuple[str, bytes]]:
    return [(p.relative_to(root).as_posix(), p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file()]


def catalog_files() -> dict[str, bytes]:
    return dict(folder_files(CATALOG))


def receives(files: dict[str, bytes], service: str, message: str) -> None:
    """Make a catalog service receive one more message (a new consumer), as a team's edit would."""
    path = next(p for p in files if p.endswith(f"services/{service}/index.mdx"))
    files[path] = files[path].replace(b"receives:\n", f"receives:\n  - id: {message}\n".encode(), 1)
