"""Uploads are bounded by what they really hold: zips that lie, zip bombs, nested archives and
front matter that expands or nests. Each is refused within a second and 50 MB of memory."""

import io
import struct
import time
import tracemalloc
import zipfile

import pytest
from django.urls import reverse

from decisions import workflow
from decisions.adr_files import importer, parse
from decisions.models import Decision

ONE_GB = 1 << 30
BUDGET_SECONDS, BUDGET_BYTES = 1.0, 50_000_000


def measured(read):
    """What `read()` raised or returned, its peak of new memory, and the seconds it took."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        outcome = read()
    except (importer.CollectionError, parse.BrokenFile) as refusal:
        outcome = refusal
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return outcome, peak, seconds


def _zip_of(name: str, size: int, chunk: bytes = b"\0" * (1 << 20)) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w") as member:
        for _ in range(size // len(chunk)):
            member.write(chunk)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def lying_zip() -> bytes:
    """1 GB of zeros in about 1 MB, whose headers say the file holds 1,000 bytes."""
    data = bytearray(_zip_of("adr/0001-bomb.md", ONE_GB))
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, 1000)
    struct.pack_into("<I", data, central + 24, 1000)
    return bytes(data)


def test_a_zip_that_lies_about_its_sizes_is_refused_without_inflating(lying_zip):
    assert len(lying_zip) < 1_100_000
    outcome, peak, seconds = measured(lambda: importer.read_zip(io.BytesIO(lying_zip)))
    assert isinstance(outcome, importer.CollectionError), outcome
    assert "cannot be unpacked" in str(outcome)
    assert peak < BUDGET_BYTES and seconds < BUDGET_SECONDS, (peak, seconds)


def test_a_zip_bomb_that_tells_the_truth_is_refused_by_its_ratio():
    bomb = _zip_of("0001-zeros.md", 8 << 20)
    outcome, peak, seconds = measured(lambda: importer.read_zip(io.BytesIO(bomb)))
    assert isinstance(outcome, importer.CollectionError) and "times its packed size" in str(outcome)
    assert peak < BUDGET_BYTES and seconds < BUDGET_SECONDS


def test_a_zip_that_says_it_unpacks_past_the_limit_is_refused_before_unpacking():
    outcome, _, seconds = measured(lambda: importer.read_zip(io.BytesIO(_zip_of("a.md", 60 << 20))))
    assert isinstance(outcome, importer.CollectionError) and "more than 50 MB" in str(outcome)


def test_headers_that_understate_many_files_are_refused_within_the_budget():
    text = bytes(range(256)) * 4096  # 1 MB that does not pack
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(60):
            archive.writestr(f"{n:04}-x.md", text[:900_000])
    data = bytearray(buffer.getvalue())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:  # every central entry says 10 bytes
        struct.pack_into("<I", data, start + 24, 10)
        start += 4
    outcome, peak, _ = measured(lambda: importer.read_zip(io.BytesIO(bytes(data))))
    assert isinstance(outcome, importer.CollectionError), outcome  # the first file's checksum fails
    assert peak < BUDGET_BYTES


def test_a_nested_archive_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("0001-a.md", "# A")
        archive.writestr("more/inner.zip", _zip_of("x.md", 1 << 20))
    with pytest.raises(importer.CollectionError, match="another archive"):
        importer.read_zip(io.BytesIO(buffer.getvalue()))


def test_a_zip_packed_with_bzip2_is_refused_in_plain_words():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("0001-a.md", "# A")
    with pytest.raises(importer.CollectionError, match="usual \\(deflate\\) compression"):
        importer.read_zip(io.BytesIO(buffer.getvalue()))


def _laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels):
        name, previous = chr(97 + n), chr(96 + n)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + "\n---\n# Laughs\n\n## Context\n\nHa.\n"


HOSTILE_FRONT_MATTER = {
    "aliases": (_laughs(), "YAML aliases"),
    "deep": ("---\nx: " + "[" * 5000 + "]" * 5000 + "\n---\n# Deep\n", "nests deeper than"),
    "deep blocks": ("---\n" + "".join(" " * n + f"k{n}:\n" for n in range(50)) + "---\n# Deep\n", "nests deeper"),
    "long": ("---\nnote: " + "x" * 30_000 + "\n---\n# Long\n", "longer than 20,000 characters"),
}


@pytest.mark.parametrize("case", HOSTILE_FRONT_MATTER)
def test_front_matter_that_expands_or_nests_is_a_broken_file(case):
    text, says = HOSTILE_FRONT_MATTER[case]
    assert len(_laughs()) < 500
    outcome, peak, seconds = measured(lambda: parse.parse("0001-x.md", text))
    assert isinstance(outcome, parse.BrokenFile) and says in str(outcome), outcome
    assert peak < BUDGET_BYTES and seconds < BUDGET_SECONDS, (peak, seconds)


def test_an_impossible_date_is_a_warning_not_an_error():
    adr = parse.parse("0001-x.md", "---\ndate: 9999-99-99\n---\n# Title\n\n## Context\n\nText.\n")
    assert adr.decided_on is None and any("9999-99-99" in warning for warning in adr.warnings)
    assert parse.parse("0001-x.md", "---\ndate: 2023-03-14\n---\n# T\n").decided_on.isoformat() == "2023-03-14"


@pytest.mark.django_db
def test_a_path_too_long_to_keep_is_a_broken_file(architect):
    long_path = "deep/" * 120 + "0001-x.md"
    report = workflow.adrs_import([(long_path, b"# X\n"), ("0002-y.md", b"# Y\n")], collection="c", by=architect)
    assert not report.committed and "longer than 500 characters" in report.broken[0].reason
    assert not Decision.objects.exists()  # nothing half-imported


@pytest.mark.django_db
def test_the_upload_page_refuses_each_calmly_and_stores_nothing(architect_client, lying_zip, settings):
    settings.DEBUG = False
    uploads = [("bomb.zip", lying_zip), ("laughs.md", _laughs().encode())]
    for name, data in uploads:
        upload = io.BytesIO(data)
        upload.name = name
        started = time.perf_counter()
        response = architect_client.post(reverse("adr_import"), {"files": upload})
        assert response.status_code == 200 and time.perf_counter() - started < 2 * BUDGET_SECONDS
        page = response.content.decode()
        assert "cannot be unpacked" in page or "YAML aliases" in page
    assert not Decision.objects.exists()
