"""Voice notes and video clips through the web form and the API, to every audience.

A custodian attaches a dirty video and a dirty voice note (tests/media/recordings.py) under a
file name that names the witness; readers of the published document get players, a cleaned
poster, files that stream by range, and not one canary; the voice can be disguised only where
the original can be kept sealed.
"""

from __future__ import annotations

import io
import re
import shutil

import pytest

from archive.storage.models import MediaFile
from tests.media.dirty import leaked_canaries
from tests.media.recordings import make_recording
from tests.web import test_media
from tests.web.conftest import token_from
from tests.web.test_media import (
    SECRET_NAME,
    api_attach,
    count_rows,
    created_id,
    fetch,
    new_document,
    publish_via_review,
    stored_files,
    token,
)

# The fixtures of the image tests, shared (a custodian's clients, an app with a vault).
readers, vault_app, vault_readers = test_media.readers, test_media.vault_app, test_media.vault_readers
pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None, reason="ffmpeg is not installed (make test installs it)"
)
RECORDED = ("mp4-phone", "ogg-opus", "mov-hevc", "mp3-id3")


def _canaries() -> dict[str, str]:
    return {f"{f}:{k}": v for f in RECORDED for k, v in make_recording(f).canaries.items()}


def _named() -> list[tuple[str, bytes]]:
    return [(f"{SECRET_NAME}-{f}{make_recording(f).suffix}", make_recording(f).data) for f in RECORDED]


@pytest.fixture
def published(readers):
    custodian = readers("custodian")
    return publish_via_review(custodian, created_id(new_document(custodian, _named())))


@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_readers_get_players_and_files_without_a_canary(readers, published, role):
    client = readers(role)
    page = client.get(f"/documents/{published}")
    assert page.status_code == 200
    videos = re.findall(r'<video controls preload="metadata" src="([^"]+)" poster="([^"]+)"', page.text)
    audios = re.findall(r'<audio controls preload="metadata" src="([^"]+)"', page.text)
    assert len(videos) == 2 and len(audios) == 2
    assert "0:02" in page.text
    canaries = _canaries()
    assert leaked_canaries(page.data, canaries) == {} and SECRET_NAME not in page.text
    served = {}
    for url in [u for pair in videos for u in pair] + audios:
        response = fetch(client, url)
        assert response.status_code == 200
        assert leaked_canaries(response.data, canaries) == {}
        assert SECRET_NAME not in response.headers.get("Content-Disposition", "")
        served[url] = response.mimetype
    assert sorted(served[v] for v, _ in videos) == ["video/mp4", "video/mp4"]
    assert sorted(served[p] for _, p in videos) == ["image/jpeg", "image/jpeg"]
    assert sorted(served[a] for a in audios) == ["audio/mpeg", "audio/ogg"]
    api = client.get(f"/api/v1/documents/{published}").get_json()
    assert sorted(m["kind"] for m in api["media"]) == ["mp3", "mp4", "mp4", "ogg"]
    assert all(abs(m["seconds"] - 2) < 0.2 and m["voice_disguised"] is False for m in api["media"])
    assert leaked_canaries(client.get(f"/api/v1/documents/{published}").data, canaries) == {}


def test_a_recording_streams_by_range_as_players_ask(readers, published):
    client = readers("anonymous")
    page = client.get(f"/documents/{published}").text
    url = re.search(r'<video controls preload="metadata" src="([^"]+)"', page)[1]
    whole = fetch(client, url).data
    part = fetch(client, url, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206 and part.data == whole[100:1100]
    assert part.headers["Content-Range"] == f"bytes 100-1099/{len(whole)}"
    assert "media-src 'self'" in part.headers["Content-Security-Policy"]


def test_no_file_under_the_data_dir_holds_a_canary(app, published):
    canaries = _canaries()
    for path in stored_files(app, "media"):
        assert leaked_canaries(path.read_bytes(), canaries) == {}, path


def test_the_api_attaches_a_recording_with_its_report(readers, make_document):
    document = make_document()
    client = readers("custodian")
    response = api_attach(
        client, document, [("voice.ogg", make_recording("ogg-opus").data)], token(client, "custodian")
    )
    assert response.status_code == 201, response.text
    (item,) = response.get_json()["items"]
    assert item["mime"] == "audio/ogg" and item["thumbnail_url"] is None
    assert {"people", "software"} <= set(item["metadata_removed"]["counts"])


def test_disguising_a_voice_without_the_vault_is_refused_and_nothing_is_kept(app, readers, make_document):
    document = make_document()
    client = readers("custodian")
    data = {
        "csrf_token": token_from(client, f"/documents/{document}"),
        "media": [(io.BytesIO(make_recording("ogg-opus").data), "voice.ogg")],
        "disguise_voice": "1",
    }
    response = client.post(f"/documents/{document}/media", data=data, follow_redirects=True)
    assert "Not attached" in response.text and "without the vault" in response.text
    assert count_rows(app, MediaFile) == 0 and stored_files(app, "media") == []


def test_a_disguised_voice_is_marked_and_its_original_stays_sealed_for_custodians(vault_app, vault_readers):
    custodian = vault_readers("custodian")
    voice = make_recording("ogg-opus")
    posted = new_document(custodian, [("v.ogg", voice.data)], disguise_voice="1")
    doc_id = publish_via_review(custodian, created_id(posted))
    page = custodian.get(f"/documents/{doc_id}").text
    assert "voice disguised to protect the speaker" in page
    (item,) = custodian.get(f"/api/v1/documents/{doc_id}").get_json()["media"]
    assert item["voice_disguised"] is True
    original = fetch(custodian, f"/media/{item['id']}/original")
    assert original.status_code == 200 and original.data == voice.data
    assert fetch(vault_readers("researcher"), f"/media/{item['id']}/original").status_code in (403, 404)
    assert fetch(custodian, f"/media/{item['id']}").data != voice.data
