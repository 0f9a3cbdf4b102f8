"""`archive strip` and `archive inspect`, run as installed, on files full of canaries."""

from __future__ import annotations

import hashlib
import json
import shutil
from functools import cache
from pathlib import Path

import pytest

from tests.media.dirty import FORMATS, DirtyFile, leaked_canaries, make_dirty, make_hostile
from tests.media.recordings import make_recording

# Cleaned extension per format: HEIC becomes JPEG, since browsers cannot show it.
CLEAN_SUFFIX = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "tiff": ".tif", "gif": ".gif"}
CLEAN_SUFFIX |= {"heic": ".jpg", "pdf": ".pdf"}
# The risk categories `inspect` must name for each dirty format.
CATEGORIES = {fmt: {"location", "people"} for fmt in FORMATS}
CATEGORIES |= {fmt: {"location", "device", "people", "time"} for fmt in ("jpeg", "heic", "tiff")}
# Hostile inputs and the words the refusal must use.
HOSTILE = {
    "html-as-jpg": "is HTML",
    "zip": "is ZIP archive",
    "truncated-jpeg": "truncated",
    "jpeg-html-polyglot": "polyglot",
    "png-bomb": "decompression bomb",
}


@cache
def dirty(fmt: str) -> DirtyFile:
    """A dirty file per format, rotated where the format can say so."""
    return make_dirty(fmt, 6 if fmt in ("jpeg", "heic", "png", "webp", "tiff") else 1)


@cache
def hostile() -> dict[str, bytes]:
    return make_hostile()


def every_canary() -> dict[str, str]:
    return {f"{fmt}:{k}": v for fmt in FORMATS for k, v in dirty(fmt).canaries.items()}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture
def inbox(tmp_path) -> Path:
    """A folder with one dirty file per format, named as a witness's phone might name them."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    for fmt in FORMATS:
        (folder / f"witness-{fmt}{dirty(fmt).suffix}").write_bytes(dirty(fmt).data)
    return folder


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "clean"


def inputs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())


# --- archive strip -------------------------------------------------------------------------


def test_strip_writes_clean_files_with_the_same_base_names(archive, inbox, out):
    result = archive("strip", *inputs(inbox), "--out", out)
    assert result.returncode == 0, result.stderr
    assert sorted(_files(out)) == sorted(f"witness-{fmt}{CLEAN_SUFFIX[fmt]}" for fmt in FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_stripped_files_carry_no_canary(archive, inbox, out, fmt):
    result = archive("strip", inbox / f"witness-{fmt}{dirty(fmt).suffix}", "--out", out)
    assert result.returncode == 0, result.stderr
    cleaned = (out / f"witness-{fmt}{CLEAN_SUFFIX[fmt]}").read_bytes()
    assert leaked_canaries(cleaned, dirty(fmt).canaries) == {}


def test_strip_reports_each_file_without_values(archive, inbox, out):
    result = archive("strip", *inputs(inbox), "--out", out)
    lines = result.stdout.splitlines()
    assert sum(line.startswith("cleaned") for line in lines) == len(FORMATS)
    assert sum("metadata removed:" in line for line in lines) == len(FORMATS)
    assert "GPS GPSLatitude" in result.stdout  # fields are named…
    assert leaked_canaries(result.stdout.encode(), every_canary()) == {}  # …values are not
    assert leaked_canaries(result.stderr.encode(), every_canary()) == {}


def test_strip_leaves_the_inputs_and_the_data_folder_alone(archive, inbox, out, data_dir):
    before = _files(inbox)
    assert archive("strip", *inputs(inbox), "--out", out).returncode == 0
    assert _files(inbox) == before
    assert data_dir.exists() is False or all(
        leaked_canaries(data, every_canary()) == {} for data in _files(data_dir).values()
    )
    assert not any(name.startswith(".partial-") for name in _files(out))


def test_strip_json_prints_one_object_per_file(archive, inbox, out):
    result = archive("strip", *inputs(inbox), "--out", out, "--json")
    assert result.returncode == 0, result.stderr
    lines = _json_lines(result.stdout)
    assert len(lines) == len(FORMATS)
    for line in lines:
        source = Path(line["file"])
        written = Path(line["written"])
        assert line["ok"] is True
        assert line["sha256_original"] == _sha256(source.read_bytes())
        assert line["sha256_clean"] == _sha256(written.read_bytes())
        assert written.parent == out and written.stem == source.stem
        report = line["report"]
        assert report["findings"] and report["counts"]
        assert all(set(f) == {"category", "field"} for f in report["findings"])
    assert leaked_canaries(result.stdout.encode(), every_canary()) == {}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_is_refused_and_the_good_ones_still_written(archive, inbox, out, name):
    bad = inbox / "00-suspicious.jpg"
    bad.write_bytes(hostile()[name])
    result = archive("strip", *inputs(inbox), "--out", out)
    assert result.returncode == 1
    (refused,) = [line for line in result.stdout.splitlines() if line.startswith("refused")]
    assert HOSTILE[name] in refused
    assert bad.name in refused  # the operator learns which file it was
    assert sorted(_files(out)) == sorted(f"witness-{fmt}{CLEAN_SUFFIX[fmt]}" for fmt in FORMATS)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_is_reported_as_not_ok_in_json(archive, inbox, out, name):
    bad = inbox / "00-suspicious.jpg"
    bad.write_bytes(hostile()[name])
    result = archive("strip", bad, inbox / "witness-png.png", "--out", out, "--json")
    assert result.returncode == 1
    refused, cleaned = _json_lines(result.stdout)
    assert (refused["ok"], cleaned["ok"]) == (False, True)
    assert HOSTILE[name] in refused["error"]
    assert "written" not in refused and "report" not in refused
    assert sorted(_files(out)) == ["witness-png.png"]


@pytest.mark.parametrize("fmt", ["jpeg", "png", "pdf"])
def test_strip_refuses_to_overwrite_its_input(archive, inbox, fmt):
    source = inbox / f"witness-{fmt}{dirty(fmt).suffix}"
    result = archive("strip", source, "--out", inbox)
    assert result.returncode == 1
    assert "refused" in result.stdout and "overwrite" in result.stdout
    assert source.read_bytes() == dirty(fmt).data


def test_strip_never_overwrites_another_input(archive, tmp_path):
    # photo.heic becomes photo.jpg: written into the same folder, it would replace the
    # original photo.jpg given on the same command line before that one is read.
    folder = tmp_path / "phone"
    folder.mkdir()
    (folder / "photo.heic").write_bytes(dirty("heic").data)
    (folder / "photo.jpg").write_bytes(dirty("jpeg").data)
    archive("strip", folder / "photo.heic", folder / "photo.jpg", "--out", folder)
    assert (folder / "photo.jpg").read_bytes() == dirty("jpeg").data


def test_every_reported_output_holds_its_own_cleaned_file(archive, tmp_path, out):
    # Two inputs with one base name must not end as one output that silently holds the second.
    for sub, fmt in (("a", "jpeg"), ("b", "heic")):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / f"photo{dirty(fmt).suffix}").write_bytes(dirty(fmt).data)
    result = archive("strip", tmp_path / "a" / "photo.jpg", tmp_path / "b" / "photo.heic", "--out", out, "--json")
    for line in _json_lines(result.stdout):
        if line["ok"]:
            assert _sha256(Path(line["written"]).read_bytes()) == line["sha256_clean"], line["file"]


def test_strip_needs_an_output_folder(archive, inbox):
    result = archive("strip", inbox / "witness-png.png")
    assert result.returncode == 2
    assert "--out" in result.stderr


# --- archive inspect -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_inspect_lists_findings_by_category_without_values(archive, inbox, fmt):
    source = inbox / f"witness-{fmt}{dirty(fmt).suffix}"
    result = archive("inspect", source, "--json")
    assert result.returncode == 0, result.stderr
    (line,) = _json_lines(result.stdout)
    assert line["ok"] is True and line["sha256_original"] == _sha256(dirty(fmt).data)
    findings = line["report"]["findings"]
    assert CATEGORIES[fmt] <= {f["category"] for f in findings}
    assert all(set(f) == {"category", "field"} for f in findings)
    assert leaked_canaries(result.stdout.encode(), dirty(fmt).canaries) == {}


def test_inspect_names_gps_position_and_camera_serials(archive, inbox):
    result = archive("inspect", inbox / "witness-jpeg.jpg", "--json")
    fields = {(f["category"], f["field"]) for f in _json_lines(result.stdout)[0]["report"]["findings"]}
    assert {("location", "GPS GPSLatitude"), ("device", "EXIF BodySerialNumber")} <= fields
    assert ("people", "EXIF CameraOwnerName") in fields


def test_inspect_prints_a_readable_report(archive, inbox):
    result = archive("inspect", *inputs(inbox))
    assert result.returncode == 0, result.stderr
    assert sum(line.startswith("found") for line in result.stdout.splitlines()) == len(FORMATS)
    assert "- location   GPS GPSLatitude" in result.stdout
    assert leaked_canaries(result.stdout.encode(), every_canary()) == {}


def test_inspect_writes_nothing(archive, inbox, workdir, data_dir):
    before = _files(inbox)
    assert archive("inspect", *inputs(inbox)).returncode == 0
    assert _files(inbox) == before
    assert _files(workdir) == {}
    assert not data_dir.exists() or not any(leaked_canaries(data, every_canary()) for data in _files(data_dir).values())


@pytest.mark.parametrize("name", HOSTILE)
def test_inspect_refuses_a_hostile_file(archive, tmp_path, name):
    bad = tmp_path / "suspicious.jpg"
    bad.write_bytes(hostile()[name])
    result = archive("inspect", bad, "--json")
    assert result.returncode == 1
    (line,) = _json_lines(result.stdout)
    assert line["ok"] is False and HOSTILE[name] in line["error"]


# --- recordings ----------------------------------------------------------------------------

RECORDED = ("mp4-phone", "mov-hevc", "ogg-opus", "mp3-id3", "wav-info", "amr-nb")
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


@needs_ffmpeg
def test_strip_and_inspect_cover_voice_notes_and_video(archive, tmp_path, out):
    folder = tmp_path / "recordings"
    folder.mkdir()
    for fmt in RECORDED:
        (folder / f"witness-{fmt}{make_recording(fmt).suffix}").write_bytes(make_recording(fmt).data)
    canaries = {f"{f}:{k}": v for f in RECORDED for k, v in make_recording(f).canaries.items()}
    shown = archive("inspect", *inputs(folder))
    assert shown.returncode == 0, shown.stderr
    assert "location" in shown.stdout and "(2.0 s)" in shown.stdout
    assert leaked_canaries(shown.stdout.encode(), canaries) == {}
    result = archive("strip", *inputs(folder), "--out", out, "--json")
    assert result.returncode == 0, result.stderr
    lines = _json_lines(result.stdout)
    written = {Path(line["written"]).name for line in lines}
    expected = {f"witness-{f}.{make_recording(f).kept_as}" for f in RECORDED}
    assert written == expected
    for name, data in _files(out).items():
        assert leaked_canaries(data, canaries) == {}, name
    assert all(abs(line["seconds"] - 2.0) < 0.2 for line in lines)
    assert leaked_canaries(result.stdout.encode(), canaries) == {}


@needs_ffmpeg
def test_strip_can_disguise_a_voice_and_refuses_to_for_a_photo(archive, tmp_path, out):
    voice, photo = tmp_path / "voice.ogg", tmp_path / "photo.jpg"
    voice.write_bytes(make_recording("ogg-opus").data)
    photo.write_bytes(dirty("jpeg").data)
    result = archive("strip", voice, photo, "--out", out, "--disguise-voice")
    assert result.returncode == 1
    assert "voice disguised" in result.stdout
    assert "only voices in audio or video can be disguised" in result.stdout
    assert sorted(_files(out)) == ["voice.ogg"]
