"""Build real voice notes and video clips whose every metadata field holds a canary.

Made by Debian's ffmpeg in the test run, the way phones and messengers write them: container
tags (title, artist, comment, make, model, ©xyz and Apple's location key, creation time,
encoder), stream tags and handler names, chapters with titles, subtitle and timecode tracks,
Matroska attachments, ID3v2 with a cover picture, FLAC and Ogg comments, RIFF INFO, a display
rotation. The cover pictures are dirty JPEGs from dirty.py, so their own EXIF canaries ride
along. AMR has no encoder in Debian's ffmpeg: its frames are written here (RFC 4867 storage
format), which also makes it a file with no metadata at all.
"""

from __future__ import annotations

import random
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tests.media.dirty import canary, leaked_canaries, make_dirty

# name → (suffix, what the archive keeps it as)
RECORDINGS = {
    "mp4-phone": (".mp4", "mp4"),  # H.264 + AAC, udta tags (©xyz), rotated, chapters, subtitles, cover, timecode
    "mov-hevc": (".mov", "mp4"),  # HEVC (transcoded), QuickTime keys (Apple's location), rotated
    "3gp-h263": (".3gp", "mp4"),  # H.263 (transcoded) + AAC
    "webm-vp9": (".webm", "webm"),  # VP9 + Opus, Matroska tags and chapters
    "mkv-attach": (".mkv", "mp4"),  # H.264 + Vorbis (transcoded), attachment, subtitles, tags
    "m4a-voice": (".m4a", "m4a"),  # AAC with iTunes tags and a cover picture
    "ogg-opus": (".ogg", "ogg"),  # a messenger's voice note
    "ogg-vorbis": (".oga", "ogg"),
    "mp3-id3": (".mp3", "mp3"),  # ID3v2 with a cover picture, ID3v1
    "wav-info": (".wav", "wav"),  # RIFF INFO
    "aac-adts": (".aac", "m4a"),  # raw AAC with ID3v2
    "flac-cover": (".flac", "flac"),  # Vorbis comment and a PICTURE block
    "amr-nb": (".amr", "m4a"),  # no metadata; transcoded (browsers do not play AMR)
}
VIDEOS = ("mp4-phone", "mov-hevc", "3gp-h263", "webm-vp9", "mkv-attach")
ROTATED = ("mp4-phone", "mov-hevc")  # recorded upright on a phone held sideways: rotate 90
SIZE = (320, 240)  # as stored; rotated ones show 240 × 320
SECONDS = 2


@dataclass
class DirtyRecording:
    fmt: str
    data: bytes = field(repr=False)
    canaries: dict[str, str]
    kept_as: str
    video: bool
    rotated: bool

    @property
    def suffix(self) -> str:
        return RECORDINGS[self.fmt][0]


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def _picture(seconds: int = SECONDS, size: tuple[int, int] = SIZE) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size[0]}x{size[1]}:rate=25:duration={seconds}"]


def voice(seconds: float = SECONDS, f0: float = 140.0) -> list[str]:
    """A voiced sound: harmonics of f0 shaped by vowel formants (700, 1200, 2600 Hz), with a
    slow vibrato, so pitch and formants can be measured before and after a disguise."""
    terms = []
    for k in range(1, 30):
        freq = f0 * k
        gain = sum(1 / (1 + ((freq - f) / 120) ** 2) for f in (700, 1200, 2600)) / k**0.3
        terms.append(f"{gain / 12:.4f}*sin(2*PI*{k}*{f0}*(t+0.002*sin(2*PI*5*t)))")
    return ["-f", "lavfi", "-i", f"aevalsrc='{'+'.join(terms)}':s=48000:d={seconds}"]


def _tags(prefix: str, names: tuple[str, ...], seed: int) -> tuple[list[str], dict[str, str]]:
    args, canaries = [], {}
    for name in names:
        value = canary(f"{prefix}-{name}", seed)
        canaries[f"{prefix} {name}"] = value
        args += ["-metadata", f"{name}={value}"]
    return args, canaries


def _coordinates(seed: int) -> str:
    rng = random.Random(seed)
    return f"+{rng.uniform(42, 44):.4f}+{rng.uniform(44, 47):.4f}"


def _chapters(tmp: Path, seed: int) -> tuple[Path, dict[str, str]]:
    titles = {f"chapter {n}": canary(f"chapter-{n}", seed) for n in (1, 2)}
    lines = [";FFMETADATA1"]
    for n, title in enumerate(titles.values()):
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={n * 1000}", f"END={(n + 1) * 1000}", f"title={title}"]
    path = tmp / "chapters.txt"
    path.write_text("\n".join(lines) + "\n")
    return path, titles


def _subtitles(tmp: Path, seed: int) -> tuple[Path, dict[str, str]]:
    text = canary("subtitle-text", seed)
    path = tmp / "subs.srt"
    path.write_text(f"1\n00:00:00,000 --> 00:00:01,500\n{text}\n")
    return path, {"subtitle text": text}


def _cover(tmp: Path, seed: int) -> tuple[Path, dict[str, str]]:
    dirty = make_dirty("jpeg", 1, seed=seed)
    path = tmp / "cover.jpg"
    path.write_bytes(dirty.data)
    return path, {f"cover {k}": v for k, v in dirty.canaries.items() if "thumbnail" not in k.lower()}


_COMMON = ("title", "artist", "comment", "album", "genre", "copyright", "description", "encoder")


def _build(fmt: str, tmp: Path, seed: int) -> tuple[bytes, dict[str, str]]:
    out = tmp / f"out{RECORDINGS[fmt][0]}"
    stage = tmp / f"stage{RECORDINGS[fmt][0]}"
    tags, canaries = _tags(fmt, _COMMON, seed)
    if fmt == "mp4-phone":
        chapters, more = _chapters(tmp, seed)
        canaries |= more
        subs, more = _subtitles(tmp, seed)
        canaries |= more
        cover, more = _cover(tmp, seed)
        canaries |= more
        _ffmpeg(*_picture(), *voice(), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(stage))
        place = f"{_coordinates(seed)}/"
        canaries["location (©xyz)"] = place
        more_tags, more = _tags("udta", ("make", "model"), seed)
        canaries |= more
        handler = canary("handler", seed)
        canaries["video handler"] = handler
        _ffmpeg(
            "-i", str(stage), "-i", str(chapters), "-i", str(subs), "-i", str(cover),
            "-map", "0:v", "-map", "0:a", "-map", "2:s", "-map", "3:v",
            "-map_chapters", "1", "-c", "copy", "-c:s", "mov_text",
            "-disposition:v:1", "attached_pic", *tags, *more_tags, "-metadata", f"location={place}",
            "-metadata", "creation_time=2009-07-13T04:21:09Z", "-metadata:s:v:0", f"handler_name={handler}",
            "-metadata:s:v:0", "rotate=90", "-timecode", "01:02:03:04", str(out),
        )  # fmt: skip
    elif fmt == "mov-hevc":
        _ffmpeg(*_picture(), *voice(), "-c:v", "libx265", "-x265-params", "log-level=error", "-tag:v", "hvc1",
                "-c:a", "aac", "-shortest", str(stage))  # fmt: skip
        place = f"{_coordinates(seed + 1)}+120.000/"
        canaries["location (Apple key)"] = place
        apple, more = _tags("mdta", ("com.apple.quicktime.make", "com.apple.quicktime.model"), seed)
        canaries |= more
        _ffmpeg("-i", str(stage), "-c", "copy", *tags, *apple,
                "-metadata", f"com.apple.quicktime.location.ISO6709={place}",
                "-metadata", "com.apple.quicktime.creationdate=2011-02-03T04:05:06+0300",
                "-metadata:s:v:0", "rotate=90", "-movflags", "use_metadata_tags", str(out))  # fmt: skip
    elif fmt == "3gp-h263":
        _ffmpeg(*_picture(size=(352, 288)), *voice(), "-c:v", "h263", "-c:a", "aac", "-ar", "16000", "-shortest",
                *tags, str(out))  # fmt: skip
    elif fmt == "webm-vp9":
        chapters, more = _chapters(tmp, seed)
        canaries |= more
        stream, more = _tags("stream", ("title",), seed)
        canaries |= more
        _ffmpeg(*_picture(), *voice(), "-i", str(chapters), "-map", "0:v", "-map", "1:a", "-map_chapters", "2",
                "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k",
                "-c:a", "libopus", "-shortest", *tags, "-metadata:s:a:0", stream[1], str(out))  # fmt: skip
    elif fmt == "mkv-attach":
        subs, more = _subtitles(tmp, seed)
        canaries |= more
        note = tmp / "note.txt"
        note.write_text(canary("attachment-content", seed))
        canaries["attachment content"] = canary("attachment-content", seed)
        canaries["attachment name"] = "witness-" + canary("attachment-name", seed)
        _ffmpeg(*_picture(), *voice(), "-i", str(subs), "-map", "0:v", "-map", "1:a", "-map", "2:s",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "libvorbis", "-c:s", "srt", "-shortest",
                "-attach", str(note), "-metadata:s:t", "mimetype=text/plain",
                "-metadata:s:t", f"filename={canaries['attachment name']}", *tags, str(out))  # fmt: skip
    elif fmt in ("m4a-voice", "mp3-id3", "flac-cover"):
        cover, more = _cover(tmp, seed)
        canaries |= more
        codec = {"m4a-voice": ["-c:a", "aac"], "mp3-id3": ["-c:a", "libmp3lame", "-id3v2_version", "3"]}
        codec["flac-cover"] = ["-c:a", "flac"]
        _ffmpeg(*voice(), "-i", str(cover), "-map", "0:a", "-map", "1:v", "-c:v", "copy",
                "-disposition:v:0", "attached_pic", *codec[fmt], *tags, str(out))  # fmt: skip
    elif fmt in ("ogg-opus", "ogg-vorbis", "wav-info"):
        codec = {"ogg-opus": ["-c:a", "libopus"], "ogg-vorbis": ["-c:a", "libvorbis"], "wav-info": []}[fmt]
        _ffmpeg(*voice(), *codec, *tags, str(out))
    elif fmt == "aac-adts":
        _ffmpeg(*voice(), "-c:a", "aac", "-f", "adts", "-write_id3v2", "1", *tags, str(out))
    elif fmt == "amr-nb":
        return amr(SECONDS, seed), {}
    return out.read_bytes(), canaries


def amr(seconds: float, seed: int = 0) -> bytes:
    """AMR-NB 12.2 kbit/s frames (20 ms each) of random bits: a valid file with no metadata."""
    rng = random.Random(seed)
    frames = (b"\x3c" + rng.randbytes(31) for _ in range(int(seconds * 50)))
    return b"#!AMR\n" + b"".join(frames)


@lru_cache(maxsize=64)
def make_recording(fmt: str, seed: int = 0) -> DirtyRecording:
    """Return a dirty recording of this kind (cached: each takes ffmpeg a fraction of a second)."""
    with tempfile.TemporaryDirectory() as tmp:
        data, planted = _build(fmt, Path(tmp), seed)
    # Some containers have no place for some tags (Ogg keeps no `comment`, muxers write their
    # own `encoder`): only the canaries the file really carries count.
    canaries = {k: v for k, v in planted.items() if leaked_canaries(data, {k: v})}
    return DirtyRecording(fmt, data, canaries, RECORDINGS[fmt][1], fmt in VIDEOS, fmt in ROTATED)
