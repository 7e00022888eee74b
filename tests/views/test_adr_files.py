"""The upload page and the zip export from the log."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from decisions import search
from decisions.forms import UPLOAD_LIMIT_MB
from decisions.models import Decision
from tests.factories import AssessedDecisionFactory, DecisionFactory

pytestmark = pytest.mark.django_db


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _md(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/markdown")


class TestImportPage:
    url = reverse("adr_import")

    def test_architects_see_the_form_with_its_limits(self, architect_client):
        page = architect_client.get(self.url).content.decode()
        assert "<title>Import ADR files" in page
        assert f"Up to {UPLOAD_LIMIT_MB} MB in all" in page
        assert 'type="file"' in page and "multiple" in page

    def test_viewers_may_not_import(self, manager_client, reviewer_client):
        assert manager_client.get(self.url).status_code == 403
        upload = SimpleUploadedFile("a.zip", _zip({"0001-a.md": b"# 1. A\n"}))
        assert reviewer_client.post(self.url, {"files": upload}).status_code == 403
        assert not Decision.objects.exists()

    def test_signed_out_people_are_sent_to_sign_in(self, client):
        response = client.get(self.url)
        assert response.status_code == 302 and "/login/" in response["Location"]

    def test_a_zip_is_imported_with_a_report_per_file(self, architect_client, architect):
        upload = SimpleUploadedFile(
            "team-adrs.zip",
            _zip({"adr/0001-use-kafka.md": b"# 1. Use Kafka\n\n## Status\n\nAccepted\n", "adr/index.md": b"# ADRs\n"}),
        )
        page = architect_client.post(self.url, {"files": upload}).content.decode()
        decision = Decision.objects.get()
        assert (decision.number, decision.author, decision.source_path) == (1, architect, "team-adrs/0001-use-kafka.md")
        assert "Imported “team-adrs”" in page
        assert f'imported as <a href="{decision.get_absolute_url()}">ADR-0001</a>' in page
        assert "an index page, not a decision" in page

    def test_markdown_files_go_into_the_named_collection_and_again_update_in_place(self, architect_client):
        files = [_md("0001-a.md", "# 1. A\n"), _md("0002-b.md", "# 2. B\n")]
        architect_client.post(self.url, {"files": files, "collection": "payments adrs"})
        assert set(Decision.objects.values_list("source_path", flat=True)) == {
            "payments-adrs/0001-a.md",
            "payments-adrs/0002-b.md",
        }
        page = architect_client.post(
            self.url, {"files": [_md("0001-a.md", "# 1. A changed\n")], "collection": "payments adrs"}
        ).content.decode()
        assert "0 imported, 1 updated" in page
        assert Decision.objects.count() == 2

    def test_a_broken_file_imports_nothing_and_says_which(self, architect_client):
        files = [_md("0001-a.md", "# 1. A\n"), SimpleUploadedFile("0002-b.md", b"# B \x81\x8d")]
        page = architect_client.post(self.url, {"files": files}).content.decode()
        assert "Nothing was imported" in page and "cannot be read" in page and "not UTF-8" in page
        assert not Decision.objects.exists()
        files = [_md("0001-a.md", "# 1. A\n"), SimpleUploadedFile("0002-b.md", b"# B \x81\x8d")]
        architect_client.post(self.url, {"files": files, "skip_broken": "on"})
        assert Decision.objects.get().title == "A"

    @pytest.mark.parametrize(
        ("files", "message"),
        [
            ([], "Choose a .zip or Markdown files to import."),
            ([SimpleUploadedFile("a.zip", b"not a zip")], "not a valid zip"),
            ([SimpleUploadedFile("a.zip", _zip({"x.md": b"#"})), _md("b.md", "#")], "Upload one zip on its own"),
            ([SimpleUploadedFile("huge.md", b"x" * (UPLOAD_LIMIT_MB * 1_000_000 + 1))], "more than 20 MB"),
            ([SimpleUploadedFile("bomb.zip", _zip({"big.md": b"0" * 50_000_001}))], "unpacks to more than"),
        ],
    )
    def test_bad_uploads_are_explained_and_never_a_500(self, architect_client, files, message):
        response = architect_client.post(self.url, {"files": files})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Decision.objects.exists()


class TestExport:
    url = reverse("adr_export")

    def test_the_log_offers_downloads_of_the_current_search(self, manager_client):
        DecisionFactory()
        page = manager_client.get(reverse("decision_list"), {"status": "draft", "page": "1"}).content.decode()
        assert f'href="{self.url}?format=nygard&amp;status=draft"' in page

    def test_a_zip_of_the_filtered_decisions_with_an_index(self, manager_client, django_assert_max_num_queries):
        kept = AssessedDecisionFactory.create_batch(3, style="event", status="accepted")
        DecisionFactory(title="Left out", status="draft")
        with django_assert_max_num_queries(12):
            response = manager_client.get(self.url, {"format": "nygard", "status": "accepted"})
        assert response["Content-Type"] == "application/zip"
        assert 'attachment; filename="decisions-nygard-' in response["Content-Disposition"]
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        names = sorted(archive.namelist())
        assert names == sorted([f"{d.number:04d}-{d.title.lower().replace(' ', '-')}.md" for d in kept] + ["index.md"])
        first = archive.read(names[0]).decode()
        assert first.startswith(f"# {kept[0].number}. {kept[0].title}") and "- Chosen style: Event" in first

    def test_search_text_narrows_the_export(self, manager_client):
        made = [DecisionFactory(title="Kafka for orders"), DecisionFactory(title="Postgres for billing")]
        search.index_decisions(decision.pk for decision in made)
        response = manager_client.get(self.url, {"format": "madr", "q": "kafka"})
        names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
        assert [name for name in names if name != "index.md"] == ["0001-kafka-for-orders.md"]

    def test_an_unknown_format_falls_back_to_madr_and_an_empty_log_gives_an_index(self, manager_client):
        response = manager_client.get(self.url, {"format": "<script>"})
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        assert archive.namelist() == ["index.md"]
        assert "decisions-madr-" in response["Content-Disposition"]

    def test_signed_out_people_cannot_download(self, client):
        assert client.get(self.url).status_code == 302
