"""Zips built in memory for the import tests."""

import io
import zipfile


def zipped(files: dict[str, bytes]) -> io.BytesIO:
    """A zip holding these files (path: bytes), ready to read."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer
