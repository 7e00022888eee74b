"""Images: kept from an import, attached in the page, served as files, and written back on export."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from decisions import images, workflow
from decisions.adr_files import export, importer
from decisions.models import Attachment, Decision
from tests.archives import zipped
from tests.factories import DecisionFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 32
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n'
ADR = (
    b"# 1. Use Kafka\n\nDate: 2024-01-02\n\n## Status\n\nAccepted\n\n## Context\n\n"
    b'![the flow](./images/flow.png)\n\n<img src="diagram.svg" alt="d">\n\n'
    b"![elsewhere](https://example.org/a.png) ![gone](images/missing.png)\n"
)


@pytest.mark.parametrize(
    ("data", "kind"),
    [(PNG, "image/png"), (b"\xff\xd8\xff\xe0" + b"\x00" * 8, "image/jpeg"), (GIF, "image/gif"),
     (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"), (SVG, "image/svg+xml"), (b"<html><script>", None),
     (b"MZ\x90\x00", None)],
)  # fmt: skip
def test_the_kind_of_an_image_comes_from_its_bytes(data, kind):
    assert images.content_type(data) == kind


def test_a_file_named_png_that_is_not_one_is_refused():
    with pytest.raises(images.NotAnImage, match="its content says so"):
        images.check("flow.png", b"<html>not an image</html>")
    with pytest.raises(images.NotAnImage, match="larger than 5 MB"):
        images.check("big.png", PNG + b"\x00" * images.MAX_IMAGE_BYTES)


def test_an_import_keeps_the_images_its_files_link_and_says_which_are_missing(db, architect):
    files = importer.read_zip(zipped({"adr/0001-use-kafka.md": ADR, "adr/images/flow.png": PNG,
                                    "adr/diagram.svg": SVG, "adr/images/unused.png": PNG}))  # fmt: skip
    report = workflow.adrs_import(files, collection="team", by=architect)
    decision = Decision.objects.get(source_path="team/0001-use-kafka.md")
    assert sorted(decision.attachments.values_list("name", "content_type")) == [
        ("diagram.svg", "image/svg+xml"),
        ("images/flow.png", "image/png"),
    ]
    assert report.ignored == 1  # the image no file links
    assert "the image images/missing.png is not in the import" in report.results[0].warnings[0]
    again = workflow.adrs_import(files, collection="team", by=architect)
    assert again.count("unchanged") == 1 and Attachment.objects.count() == 2


def test_an_imported_image_that_is_not_one_is_left_out_with_a_note(db, architect):
    files = [("0001-use-kafka.md", ADR), ("images/flow.png", b"<script>alert(1)</script>")]
    report = workflow.adrs_import(files, collection="team", by=architect)
    assert not Attachment.objects.filter(name="images/flow.png").exists()
    assert any("not a PNG" in warning for warning in report.results[0].warnings)


def test_the_page_shows_the_images_and_serves_them_with_safe_headers(db, architect, architect_client):
    workflow.adrs_import([("0001-use-kafka.md", ADR), ("images/flow.png", PNG), ("diagram.svg", SVG)],
                         collection="team", by=architect)  # fmt: skip
    decision = Decision.objects.get()
    page = architect_client.get(decision.get_absolute_url()).content.decode()
    served = f"/decisions/{decision.number}/images/images/flow.png"
    assert f'<img alt="the flow" src="{served}"' in page or f'src="{served}"' in page
    assert f'src="/decisions/{decision.number}/images/diagram.svg"' in page
    assert 'src="https://example.org/a.png"' in page  # other sites' images stay as written
    response = architect_client.get(served)
    assert (response.status_code, response["Content-Type"], response.content) == (200, "image/png", PNG)
    assert response["X-Content-Type-Options"] == "nosniff"
    svg = architect_client.get(f"/decisions/{decision.number}/images/diagram.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert "sandbox" in svg["Content-Security-Policy"] and "script-src" not in svg["Content-Security-Policy"]
    assert architect_client.get(served, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert architect_client.get(f"/decisions/{decision.number}/images/nope.png").status_code == 404


def test_an_author_attaches_an_image_in_the_page_and_replacing_it_is_a_revision(db, architect, architect_client):
    decision = DecisionFactory(author=architect, context="![flow](flow.png)")
    url = f"/decisions/{decision.number}/images/"
    response = architect_client.post(url, {"image": SimpleUploadedFile("flow.png", PNG), "name": ""}, follow=True)
    assert "Attached flow.png" in response.content.decode()
    assert f'src="/decisions/{decision.number}/images/flow.png"' in response.content.decode()
    architect_client.post(url, {"image": SimpleUploadedFile("new.gif", GIF), "name": "flow.png"})
    attachment = Attachment.objects.get()
    assert (attachment.content_type, attachment.history.count()) == ("image/gif", 2)


@pytest.mark.parametrize(
    ("upload", "name", "error"),
    [
        (SimpleUploadedFile("evil.png", b"<html>"), "", "This cannot be attached"),
        (SimpleUploadedFile("notes.txt", PNG), "", "Give a name ending in .png"),
        (SimpleUploadedFile("a.png", PNG), "../../etc/a.png", "no “..”"),
        (SimpleUploadedFile("a.png", PNG), "https://evil.example/a.png", "no address"),
    ],
)
def test_a_wrong_upload_is_refused_in_plain_words(db, architect, architect_client, upload, name, error):
    decision = DecisionFactory(author=architect)
    response = architect_client.post(f"/decisions/{decision.number}/images/", {"image": upload, "name": name},
                                     follow=True)  # fmt: skip
    assert error in response.content.decode()
    assert not Attachment.objects.exists()


def test_only_people_who_may_edit_attach_and_only_people_who_may_view_see(db, architect, manager_client, client):
    decision = DecisionFactory(author=architect)
    workflow.attachment_save(decision=decision, name="flow.png", data=PNG, by=architect)
    upload = {"image": SimpleUploadedFile("a.png", PNG)}
    assert manager_client.post(f"/decisions/{decision.number}/images/", upload).status_code == 403
    assert manager_client.get(f"/decisions/{decision.number}/images/flow.png").status_code == 200
    assert client.get(f"/decisions/{decision.number}/images/flow.png").status_code == 302  # signed out


def test_export_writes_images_beside_the_files_and_the_round_trip_keeps_them(db, architect, tmp_path):
    one = DecisionFactory(
        author=architect, title="One", context="![flow](images/flow.png)\n\n```mermaid\ngraph LR\n  A-->B\n```"
    )
    two = DecisionFactory(author=architect, title="Two", context="![flow](images/flow.png) ![up](../up.png)")
    workflow.attachment_save(decision=one, name="images/flow.png", data=PNG, by=architect)
    workflow.attachment_save(decision=two, name="images/flow.png", data=GIF, by=architect)  # same name, other image
    workflow.attachment_save(decision=two, name="../up.png", data=PNG, by=architect)
    export.write_folder(tmp_path, export.for_export(Decision.objects.order_by("number")), "nygard")
    assert (tmp_path / "images/flow.png").read_bytes() == PNG
    moved = tmp_path / f"images/{two.code}/flow.png"
    assert moved.read_bytes() == GIF and (tmp_path / f"images/{two.code}/up.png").read_bytes() == PNG
    assert "```mermaid\ngraph LR\n  A-->B\n```" in (tmp_path / export.file_name(one)).read_text()
    text = (tmp_path / export.file_name(two)).read_text()
    assert f"![flow](images/{two.code}/flow.png)" in text and f"![up](images/{two.code}/up.png)" in text

    report = workflow.adrs_import(importer.read_folder(tmp_path), collection="back", by=architect)
    assert report.committed
    again = Decision.objects.get(source_path=f"back/{export.file_name(two)}")
    assert {a.name: bytes(a.data) for a in again.attachments.all()} == {
        f"images/{two.code}/flow.png": GIF,
        f"images/{two.code}/up.png": PNG,
    }


def test_images_uploaded_beside_loose_markdown_files_are_found_by_name(db, architect):
    files = [("0001-use-kafka.md", ADR), ("flow.png", PNG), ("diagram.svg", SVG)]  # no folders, as a browser sends
    workflow.adrs_import(files, collection="loose", by=architect)
    assert sorted(Attachment.objects.values_list("name", flat=True)) == ["diagram.svg", "images/flow.png"]


def test_the_edit_form_attaches_images_and_comes_back_to_the_form(db, architect, architect_client):
    decision = DecisionFactory(author=architect, status="draft")
    edit = f"/decisions/{decision.number}/edit/"
    assert 'aria-label="Attach an image"' in architect_client.get(edit).content.decode()
    response = architect_client.post(f"/decisions/{decision.number}/images/",
                                     {"image": SimpleUploadedFile("flow.png", PNG), "next": edit})  # fmt: skip
    assert response["Location"] == f"{edit}#images"
    upload = {"image": SimpleUploadedFile("b.png", PNG), "next": "https://evil.example/"}
    elsewhere = architect_client.post(f"/decisions/{decision.number}/images/", upload)
    assert elsewhere["Location"] == f"{decision.get_absolute_url()}#images"
    assert "flow.png" in architect_client.get(edit).content.decode()
