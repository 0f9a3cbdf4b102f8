"""Voice notes and video clips: cleaned of every canary, still playable, upright, bounded.

Every recording is made by ffmpeg in the run (tests/media/recordings.py) with a canary in every
tag, chapter, track, attachment and cover picture it can carry; the cleaned copy is read back by
three readers the cleaner does not use for its decisions (the bytes themselves, exiftool and
ffprobe), decoded end to end, and its poster looked at.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from archive.errors import MediaRefused
from archive.media import Limits, sanitise
from archive.media.containers import structure_clean
from tests.media.dirty import leaked_canaries
from tests.media.recordings import RECORDINGS, VIDEOS, amr, make_recording, voice

pytestmark = pytest.mark.skipif(
    shutil.which("ffmpeg") is None, reason="ffmpeg is not installed (make test installs it)"
)
# Tags the muxers write themselves (tests/… reads ffprobe's output on its own terms).
MUXER_TAGS = {"major_brand", "minor_version", "compatible_brands", "encoder", "language", "handler_name"}
MUXER_TAGS |= {"vendor_id", "DURATION"}
MUXER = {"mp4": "mp4", "m4a": "mp4", "webm": "webm", "ogg": "ogg", "mp3": "mp3", "wav": "wav", "flac": "flac"}


def probe(data: bytes) -> dict:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters", "-of", "json", "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    return json.loads(done.stdout)


def decodes(data: bytes) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-xerror", "-i", "-", "-f", "null", "-"], input=data, capture_output=True
    )


@pytest.fixture(scope="module", params=sorted(RECORDINGS))
def cleaned(request):
    dirty = make_recording(request.param)
    return dirty, sanitise(dirty.data, source=request.param)


def test_the_dirty_recording_really_carries_its_canaries(cleaned):
    dirty, _ = cleaned
    if dirty.fmt != "amr-nb":  # AMR has no place for any
        assert len(dirty.canaries) >= 5, dirty.canaries


def test_no_canary_is_left_in_the_bytes(cleaned):
    dirty, clean = cleaned
    assert leaked_canaries(clean.data, dirty.canaries) == {}
    assert clean.poster is None or leaked_canaries(clean.poster, dirty.canaries) == {}


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
def test_exiftool_finds_no_canary_and_no_place_or_time(cleaned):
    dirty, clean = cleaned
    shown = subprocess.run(["exiftool", "-a", "-u", "-G1", "-"], input=clean.data, capture_output=True).stdout
    text = shown.decode("utf-8", "replace")
    assert [v for v in dirty.canaries.values() if v in text] == []
    assert "GPS" not in text
    assert not any(year in text for year in ("2009:07:13", "2011:02:03"))


def test_ffprobe_sees_only_what_the_muxer_writes(cleaned):
    dirty, clean = cleaned
    info = probe(clean.data)
    assert info.get("chapters") == []
    kinds = sorted(s["codec_type"] for s in info["streams"])
    assert kinds == (["audio", "video"] if dirty.video else ["audio"])
    tags = set(info["format"].get("tags", {}))
    for stream in info["streams"]:
        tags |= set(stream.get("tags", {}))
        assert not stream["disposition"].get("attached_pic")
    assert tags <= MUXER_TAGS


def test_the_kept_file_is_what_browsers_play_and_it_decodes_end_to_end(cleaned):
    dirty, clean = cleaned
    assert clean.media_type.kind == dirty.kept_as
    assert clean.media_type.family == ("video" if dirty.video else "audio")
    done = decodes(clean.data)
    assert done.returncode == 0 and done.stderr == b""
    streams = probe(clean.data)["streams"]
    codecs = {s["codec_type"]: s["codec_name"] for s in streams}
    playable = {"mp4": {"h264", "aac", "mp3"}, "webm": {"vp8", "vp9", "av1", "opus", "vorbis"}}
    playable |= {"m4a": {"aac"}, "ogg": {"opus", "vorbis"}, "mp3": {"mp3"}, "flac": {"flac"}, "wav": {"pcm_s16le"}}
    assert set(codecs.values()) <= playable[clean.media_type.kind]
    assert abs(clean.seconds - 2.0) < 0.2


def test_the_structure_walk_passes_the_clean_file(cleaned):
    _, clean = cleaned
    assert structure_clean(MUXER[clean.media_type.kind], clean.data)


def test_the_report_names_what_was_removed_by_risk_group(cleaned):
    dirty, clean = cleaned
    groups = clean.report.counts()
    if dirty.fmt == "amr-nb":
        assert groups == {}
        return
    assert {"people", "free_text", "software"} & set(groups), groups
    if any(k.startswith("location") for k in dirty.canaries):
        assert "location" in groups
    if any(k.startswith("cover") for k in dirty.canaries):
        assert "thumbnail" in groups
    if any(k.startswith("chapter") for k in dirty.canaries):
        assert any(f.field == "chapters" for f in clean.report.findings)
    assert all(v not in json.dumps(clean.report.to_dict()) for v in dirty.canaries.values())


@pytest.mark.parametrize("fmt", VIDEOS)
def test_a_video_s_poster_is_a_clean_upright_picture(fmt):
    dirty = make_recording(fmt)
    clean = sanitise(dirty.data)
    with Image.open(io.BytesIO(clean.poster)) as poster:
        assert poster.format == "PNG" and not poster.info.get("exif") and not poster.text
        size = poster.size
    stored = (352, 288) if fmt == "3gp-h263" else (320, 240)
    assert size == (stored[1], stored[0]) if dirty.rotated else size == stored


def test_a_copied_rotated_video_keeps_its_rotation_and_a_transcoded_one_is_turned_upright():
    copied = sanitise(make_recording("mp4-phone").data)
    (video,) = [s for s in probe(copied.data)["streams"] if s["codec_type"] == "video"]
    rotation = [d.get("rotation") for d in video.get("side_data_list", []) if "rotation" in d]
    assert rotation in ([90], [-90], [270], [-270]) and (video["width"], video["height"]) == (320, 240)
    assert "video copied unchanged into MP4" in copied.report.actions
    transcoded = sanitise(make_recording("mov-hevc").data)
    (video,) = [s for s in probe(transcoded.data)["streams"] if s["codec_type"] == "video"]
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 240, 320)
    assert not [d for d in video.get("side_data_list", []) if d.get("rotation")]


def test_nothing_of_the_recording_is_written_to_disk(tmp_path, monkeypatch):
    """ffmpeg reads and writes anonymous memory files: no temporary file holds the original."""
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.chdir(tmp_path)
    sanitise(make_recording("m4a-voice").data)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []


# --- limits, bombs and hostile files ------------------------------------------------------------


def test_a_recording_longer_than_the_limit_is_refused_before_it_is_rebuilt():
    with pytest.raises(MediaRefused, match="lasts .* minutes; the limit is"):
        sanitise(make_recording("ogg-opus").data, Limits(max_media_seconds=1))


def test_an_hours_long_silence_in_a_small_file_is_refused():
    """AMR 'no data' frames are one byte each: 5 hours in 900 KB, gigabytes once decoded."""
    bomb = b"#!AMR\n" + b"\x7c" * (5 * 3600 * 50)
    assert len(bomb) < 1_000_000
    with pytest.raises(MediaRefused, match="lasts 300 minutes"):
        sanitise(bomb)


def test_frames_larger_than_the_limit_are_refused_before_decoding(tmp_path):
    """A tiny file of 8,192 × 8,192 frames: refused from its header, nothing decoded."""
    out = tmp_path / "huge.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=black:size=8192x8192:duration=0.04:rate=25",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out)],
        check=True,
    )  # fmt: skip
    with pytest.raises(MediaRefused, match="8192 × 8192 pixels per frame; the limit is"):
        sanitise(out.read_bytes())


def test_a_process_over_its_memory_budget_is_refused_with_a_clear_message():
    with pytest.raises(MediaRefused, match=r"needed more than 16 MiB to read \(a decompression bomb"):
        sanitise(make_recording("webm-vp9").data, Limits(media_memory=16 * 2**20))


def test_a_process_over_its_time_budget_is_refused():
    """Transcoding 20 s of HEVC cannot finish in a tenth of a second."""
    with pytest.raises(MediaRefused, match="took longer than"):
        sanitise(make_recording("mov-hevc").data, Limits(media_seconds=0.1))


@pytest.mark.parametrize(
    "name,data",
    [
        ("truncated mp4", lambda: make_recording("mp4-phone").data[: len(make_recording("mp4-phone").data) // 3]),
        ("ftyp and noise", lambda: b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + os.urandom(4000)),
        ("matroska header and noise", lambda: b"\x1aE\xdf\xa3" + os.urandom(4000)),
        ("ogg page of noise", lambda: b"OggS" + os.urandom(4000)),
        ("mpeg sync and noise", lambda: b"\xff\xfb" + bytes(4000)),
        ("empty wave", lambda: b"RIFF\x04\x00\x00\x00WAVE"),
        ("amr header alone", lambda: b"#!AMR\n"),
    ],
)
def test_damaged_recordings_are_refused_with_a_message_and_no_traceback(name, data):
    with pytest.raises(MediaRefused) as refused:
        sanitise(data(), source=name)
    message = str(refused.value)
    assert "Traceback" not in message and "/dev/fd" not in message
    assert "cannot be read" in message or "holds no audio" in message or "lasted" in message


def test_without_ffmpeg_a_recording_is_refused_saying_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MediaRefused, match=r"need ffprobe; install Debian's ffmpeg \(apt-get install ffmpeg"):
        sanitise(make_recording("ogg-opus").data)


def test_the_structure_walks_catch_what_the_dirty_files_carry():
    """Each walk fails on the dirty file of its kind: a walk that passes everything proves nothing."""
    walks = {"mp4-phone": "mp4", "m4a-voice": "mp4", "webm-vp9": "webm", "ogg-opus": "ogg", "ogg-vorbis": "ogg"}
    walks |= {"mp3-id3": "mp3", "wav-info": "wav", "flac-cover": "flac"}
    for fmt, muxer in walks.items():
        assert not structure_clean(muxer, make_recording(fmt).data), fmt


def test_amr_frames_are_accepted_and_made_playable():
    clean = sanitise(amr(3.0, seed=5))
    assert clean.media_type.kind == "m4a" and abs(clean.seconds - 3.0) < 0.2
    assert decodes(clean.data).returncode == 0


# --- the voice disguised ------------------------------------------------------------------------


def _pcm(data: bytes) -> np.ndarray:
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", "-", "-ac", "1", "-ar", "16000", "-f", "s16le", "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    return np.frombuffer(done.stdout, np.int16).astype(float)


def _pitch(x: np.ndarray, rate: int = 16000) -> float:
    """Median fundamental over 64 ms frames, by autocorrelation (60–400 Hz)."""
    found = []
    for start in range(rate // 4, len(x) - 1024, 1024):
        frame = x[start : start + 1024] - x[start : start + 1024].mean()
        ac = np.correlate(frame, frame, "full")[1023:]
        lo, hi = rate // 400, rate // 60
        found.append(rate / (lo + int(np.argmax(ac[lo:hi]))))
    return float(np.median(found))


def _envelope(x: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """The log spectral envelope: the magnitude spectrum smoothed over 300 Hz, wider than the
    spacing of the harmonics, so what remains is the shape the formants give it."""
    n = min(len(x), 32768)
    spectrum = np.abs(np.fft.rfft(x[:n] * np.hanning(n)))
    smooth = np.convolve(spectrum, np.ones(601) / 601, "same")
    return np.fft.rfftfreq(n, 1 / rate), np.log(smooth + 1e-9)


def _formant_shift(original: np.ndarray, disguised: np.ndarray, rate: int = 16000) -> float:
    """How far, in semitones, the formants moved: the scaling of the frequency axis that best
    lays the disguised envelope over the original's between 400 and 3,200 Hz (all three
    formants at once, so no single peak's position between two harmonics decides it)."""
    freqs, before = _envelope(original, rate)
    after_freqs, after = _envelope(disguised, rate)
    band = (freqs > 400) & (freqs < 3200)
    steps = np.arange(-10, 10.001, 0.05)
    fits = [np.corrcoef(before[band], np.interp(freqs[band] * 2 ** (s / 12), after_freqs, after))[0, 1] for s in steps]
    return float(steps[int(np.argmax(fits))])


def _semitones(a: float, b: float) -> float:
    return abs(12 * np.log2(a / b))


def test_a_disguised_voice_has_other_pitch_and_formants_and_the_same_length(tmp_path):
    source = tmp_path / "voice.ogg"
    subprocess.run(["ffmpeg", "-v", "error", *voice(4.0, f0=130.0), "-c:a", "libopus", str(source)], check=True)
    original = _pcm(source.read_bytes())
    shifts = set()
    # three files at least; up to six while all measure the same (the pitch is measured by a
    # whole lag, so about a dozen values each way: three draws agreed once in CI)
    for n in range(6):
        clean = sanitise(source.read_bytes(), disguise_voice=True)
        disguised = _pcm(clean.data)
        assert abs(len(disguised) - len(original)) < 0.05 * len(original)
        assert _semitones(_pitch(disguised), _pitch(original)) >= 2.0
        assert abs(_formant_shift(original, disguised)) >= 2.0
        assert any("voice disguised" in a for a in clean.report.actions)
        shifts.add(round(_pitch(disguised)))
        if n >= 2 and len(shifts) > 1:
            break
    assert len(shifts) > 1, "the shift must be drawn afresh for every file"


def test_a_video_s_voice_can_be_disguised_and_its_picture_is_still_copied():
    clean = sanitise(make_recording("mp4-phone").data, disguise_voice=True)
    assert "video copied unchanged into MP4" in clean.report.actions
    assert any("voice disguised" in a for a in clean.report.actions)
    assert decodes(clean.data).returncode == 0


def test_only_recordings_can_have_a_voice_disguised():
    from tests.media.dirty import make_dirty

    with pytest.raises(MediaRefused, match="only voices in audio or video"):
        sanitise(make_dirty("jpeg").data, disguise_voice=True)


def test_sound_recorded_losslessly_stays_lossless(tmp_path):
    """24-bit WAV (a field recorder's) is not cut to a lossy codec: it becomes FLAC, bit for bit."""
    source = tmp_path / "recorder.wav"
    subprocess.run(["ffmpeg", "-v", "error", *voice(1.0), "-c:a", "pcm_s24le", str(source)], check=True)
    clean = sanitise(source.read_bytes())
    assert clean.media_type.kind == "flac"

    def samples(data: bytes) -> bytes:
        return subprocess.run(
            ["ffmpeg", "-v", "error", "-i", "-", "-f", "s24le", "-"], input=data, capture_output=True, check=True
        ).stdout

    assert samples(clean.data) == samples(source.read_bytes())


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
@pytest.mark.parametrize("codec", ["libx264", "libx265"])  # copied; transcoded
@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_every_rotation_is_shown_upright(tmp_path, codec, rotation):
    """Four coloured quadrants stored turned, with the display matrix saying how to turn them
    back: the poster (decoded as a player decodes) shows them upright."""
    from tests.media.dirty import upright_image

    upright = upright_image((320, 240))
    stored = tmp_path / "stored.png"
    upright.rotate(rotation, expand=True).save(stored)  # PIL turns anticlockwise
    stage, source = tmp_path / "stage.mp4", tmp_path / "source.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-loop", "1", "-i", str(stored), "-t", "1", "-r", "25", "-c:v", codec,
         "-pix_fmt", "yuv420p", *(["-x265-params", "log-level=error"] if codec == "libx265" else []), str(stage)],
        check=True,
    )  # fmt: skip
    # exiftool writes the track's matrix as QuickTime defines it: turn by `rotation` clockwise
    subprocess.run(["exiftool", "-q", f"-Rotation={rotation}", "-o", str(source), str(stage)], check=True)
    clean = sanitise(source.read_bytes())
    with Image.open(io.BytesIO(clean.poster)) as poster:
        shown = poster.convert("RGB")
    assert shown.size == upright.size
    corners = [(40, 30), (280, 30), (40, 210), (280, 210)]
    for xy in corners:
        assert all(abs(a - b) < 40 for a, b in zip(shown.getpixel(xy), upright.getpixel(xy), strict=True)), xy
