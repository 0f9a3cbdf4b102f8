"""Voice notes and video clips: rebuilt from their audio and video packets alone.

Threat: a phone's recording names its witness through its container (GPS in `©xyz` or Apple's
location key, make, model and software, creation times, the owner in `artist`), through streams
beside the picture and sound (timed GPS tracks, subtitles, chapters with titles, cover images
with their own EXIF, attached files) and through the voice itself. The file is probed, every
field found is reported by risk group, and a new file is written by ffmpeg from the first video
stream and the first audio stream only, with no metadata, chapters or other streams, SEI user
data (an encoder's notes inside H.264/HEVC/AV1) filtered out, and creation times zeroed
(bitexact). Streams browsers play are copied bit for bit; others are transcoded. The result is
then probed again and its container walked (containers.py: boxes, elements, chunks, blocks,
pages, tags read by code that did not write them) before it is kept.

A custodian may ask for the voice to be disguised in the public copy: pitch and formants are
shifted by amounts drawn at random for each file and kept nowhere, so the shift cannot be
undone by applying its inverse; the original stays sealed in the vault.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from archive.errors import MediaRefused
from archive.media import ffmpeg
from archive.media.containers import structure_clean
from archive.media.detect import FLAC, M4A, MP3, MP4, OGG, WAV, WEBM, MediaType
from archive.media.inspect import Found
from archive.media.raster import Limits
from archive.media.report import Report

# Codecs every current browser plays, by the container they are kept in.
KEY_FRAMES = 8  # of a video, besides its poster, searched for faces
_VIDEO_COPY = {"h264": MP4, "vp8": WEBM, "vp9": WEBM, "av1": WEBM}
_AUDIO_WITH = {MP4: {"aac", "mp3"}, WEBM: {"opus", "vorbis"}}
_AUDIO_ALONE = {"aac": M4A, "mp3": MP3, "opus": OGG, "vorbis": OGG, "flac": FLAC, "pcm_s16le": WAV, "pcm_u8": WAV}
_LOSSLESS = {"alac", "wavpack", "tta", "ape", "mlp", "truehd"}
_BROWSER_PIXELS = {"yuv420p", "yuvj420p"}
# Re-encoding: what each output container's audio becomes.
_AUDIO_ENCODER = {MP4: ("aac", "128k"), M4A: ("aac", "128k"), WEBM: ("libopus", "96k"), OGG: ("libopus", "64k")}
_AUDIO_ENCODER |= {MP3: ("libmp3lame", "128k"), WAV: ("pcm_s16le", None), FLAC: ("flac", None)}
_MUXER = {MP4: "mp4", M4A: "mp4", WEBM: "webm", OGG: "ogg", MP3: "mp3", WAV: "wav", FLAC: "flac"}
_SEI = {"h264": "6", "hevc": "39|40", "av1": "5"}  # NAL/OBU types of user data and metadata
# Tags a muxer writes itself, with the values it writes: anything else left over is metadata.
_STRUCTURAL_TAGS = {"major_brand", "minor_version", "compatible_brands", "language", "vendor_id"}
_STANDARD_HANDLERS = {"VideoHandler", "SoundHandler"}
_WRITTEN = {
    "encoder": re.compile(r"Lav[cf]( lib[a-z0-9_-]+| aac| flac| png| pcm_s16le)?"),
    "handler_name": re.compile("|".join(_STANDARD_HANDLERS)),
    "language": re.compile("und"),
    "vendor_id": re.compile(r"\[0\]\[0\]\[0\]\[0\]"),
    "major_brand": re.compile("isom|M4A "),
    "minor_version": re.compile("512|0|1"),
    "compatible_brands": re.compile("(isom|iso2|iso5|iso6|avc1|av01|mp41|M4A )+"),
    "DURATION": re.compile(r"\d\d:\d\d:\d\d\.\d{9}"),  # Matroska's, per track
}


@dataclass
class Cleaned:
    data: bytes
    media_type: MediaType
    width: int | None
    height: int | None
    seconds: float


@dataclass(frozen=True)
class _Plan:
    media_type: MediaType
    video: dict | None
    audio: dict | None
    copy_video: bool
    copy_audio: bool


def clean(data: bytes, report: Report, found: Found, limits: Limits, disguise_voice: bool = False) -> Cleaned:
    """Return the recording rebuilt without metadata, or raise MediaRefused saying why."""
    budget = ffmpeg.Budget(limits.media_memory, max(1, int(limits.media_seconds)), limits.media_seconds)
    info = ffmpeg.probe(data, budget, count_packets=True)
    streams = info.get("streams") or []
    video = _first(streams, "video")
    audio = _first(streams, "audio")
    if video is None and audio is None:
        raise MediaRefused("holds no audio or video that can be read")
    seconds = _seconds(info, (video, audio))
    _check_limits(video, seconds, limits)
    _inspect(info, report, found)
    if disguise_voice and audio is None:
        raise MediaRefused("has no sound, so there is no voice to disguise")
    plan = _plan(video, audio, disguise_voice)
    out = ffmpeg.convert(data, [], _output_args(plan, disguise_voice), budget)
    width, height = verify(out, plan, seconds, budget)
    _describe(plan, video, report, disguise_voice)
    return Cleaned(out, plan.media_type, width, height, seconds)


def poster(clean_video: bytes, seconds: float, limits: Limits) -> bytes:
    """Return one frame of a cleaned video as PNG (upright), to be cleaned like any image."""
    return frame_at(clean_video, looked_at(seconds)[0], limits)


def looked_at(seconds: float, count: int = KEY_FRAMES) -> list[float]:
    """The moments of a video whose frames are searched for faces: the poster's, then `count`
    spread evenly over its length."""
    return [min(1.0, seconds / 2)] + [seconds * (n + 1) / (count + 1) for n in range(count if seconds > 0 else 0)]


def frame_at(clean_video: bytes, at: float, limits: Limits) -> bytes:
    """The frame of a cleaned video at `at` seconds, as PNG (upright)."""
    budget = ffmpeg.Budget(
        limits.media_memory, max(1, min(60, int(limits.media_seconds))), min(120.0, limits.media_seconds)
    )
    args = ["-map", "0:V:0", "-frames:v", "1", "-map_metadata", "-1", "-fflags", "+bitexact"]
    return ffmpeg.convert(clean_video, ["-ss", f"{at:.3f}"], [*args, "-c:v", "png", "-f", "image2pipe"], budget)


def _first(streams: list[dict], kind: str) -> dict | None:
    """The first stream of this kind with packets in it (a cover picture is not video)."""
    for stream in streams:
        attached = (stream.get("disposition") or {}).get("attached_pic")
        packets = int(stream.get("nb_read_packets") or 0)
        if stream.get("codec_type") == kind and not attached and packets > 0:
            return stream
    return None


def _seconds(info: dict, kept: tuple[dict | None, ...]) -> float:
    """The recording's length: its container's, or its picture's or sound's if longer (a
    timecode or cover stream's own length does not count)."""
    values = [info.get("format", {}).get("duration")]
    values += [s.get("duration") for s in kept if s is not None]
    known = [float(v) for v in values if v not in (None, "N/A")]
    return max(known, default=0.0)


def _check_limits(video: dict | None, seconds: float, limits: Limits) -> None:
    if seconds > limits.max_media_seconds:
        raise MediaRefused(
            f"lasts {seconds / 60:,.0f} minutes; the limit is {limits.max_media_seconds / 60:,.0f} "
            "(ARCHIVE_MAX_MEDIA_SECONDS)"
        )
    if video is not None:
        width, height = int(video.get("width") or 0), int(video.get("height") or 0)
        if width < 1 or height < 1:
            raise MediaRefused("has a video stream with no picture size")
        if width * height > limits.max_video_pixels:
            raise MediaRefused(
                f"is {width} × {height} pixels per frame; the limit is {limits.max_video_pixels:,} "
                "(ARCHIVE_MAX_VIDEO_PIXELS)"
            )


def _inspect(info: dict, report: Report, found: Found) -> None:
    """Report every field and stream the cleaning removes, by risk group (never the values)."""
    container = (info.get("format") or {}).get("format_name", "media").split(",")[0].upper()
    for name, value in ((info.get("format") or {}).get("tags") or {}).items():
        if name not in _STRUCTURAL_TAGS:
            report.add(f"{container} {name}", _category(name))
            found.add(value)
    kept = {id(_first(info.get("streams") or [], k)) for k in ("video", "audio")}
    for stream in info.get("streams") or []:
        kind = stream.get("codec_type", "data")
        for name, value in (stream.get("tags") or {}).items():
            if name in _STRUCTURAL_TAGS or (name == "handler_name" and value in _STANDARD_HANDLERS):
                continue
            report.add(f"{kind} stream {name}", _category(name))
            found.add(value)
        if id(stream) in kept:
            continue
        if (stream.get("disposition") or {}).get("attached_pic"):
            report.add("cover image (with its own metadata)", "thumbnail")
        elif kind == "data":
            report.add("timed metadata track (GPS, sensors)", "location")
        elif kind == "subtitle":
            report.add("subtitle or text track", "free_text")
        elif kind == "attachment":
            report.add("attached file", "other")
        else:
            report.add(f"further {kind} stream (kept in the original only)", "other")
    for chapter in info.get("chapters") or []:
        report.add("chapters", "free_text")
        for value in (chapter.get("tags") or {}).values():
            found.add(value)


def _category(name: str) -> str | None:
    """Risk groups for media tags whose names the image rules do not know."""
    lowered = name.lower()
    if "location" in lowered or "xyz" in lowered or "gps" in lowered:
        return "location"
    if lowered in ("encoder", "encoded_by", "handler_name", "com.android.version") or "software" in lowered:
        return "software"
    return None


def _plan(video: dict | None, audio: dict | None, disguise_voice: bool) -> _Plan:
    acodec = audio.get("codec_name") if audio else None
    if video is None:
        alone = _AUDIO_ALONE.get(acodec)
        lossless = acodec.startswith("pcm_") or acodec in _LOSSLESS
        target = alone or (FLAC if lossless else M4A)  # evidence recorded losslessly stays so
        return _Plan(target, None, audio, False, alone is not None and not disguise_voice)
    vcodec = video.get("codec_name")
    target = _VIDEO_COPY.get(vcodec)
    copy_video = target is not None and (vcodec != "h264" or video.get("pix_fmt") in _BROWSER_PIXELS)
    if not copy_video:
        target = MP4
    copy_audio = acodec in _AUDIO_WITH[target] and not disguise_voice
    return _Plan(target, video, audio, copy_video, copy_audio)


def _output_args(plan: _Plan, disguise_voice: bool) -> list[str]:
    args = ["-map_metadata", "-1", "-map_chapters", "-1", "-dn", "-sn"]
    args += ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]
    if plan.video is not None:
        args += ["-map", f"0:{plan.video['index']}"]
        if plan.copy_video:
            args += ["-c:v", "copy"]
        else:
            args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
            args += ["-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-threads", "2"]
        codec = plan.video["codec_name"] if plan.copy_video else "h264"
        if codec in _SEI:
            args += ["-bsf:v", f"filter_units=remove_types={_SEI[codec]}"]
    if plan.audio is not None:
        args += ["-map", f"0:{plan.audio['index']}"]
        if plan.copy_audio:
            args += ["-c:a", "copy"]
        else:
            encoder, bitrate = _AUDIO_ENCODER[plan.media_type]
            args += ["-c:a", encoder] + (["-b:a", bitrate] if bitrate else [])
            if encoder == "libopus" or plan.media_type is MP3:
                args += ["-ar", "48000" if encoder == "libopus" else "44100"]
        if disguise_voice:
            args += ["-af", _disguise_filter(int(plan.audio.get("sample_rate") or 48000))]
    muxer = _MUXER[plan.media_type]
    if muxer == "mp4":
        args += ["-movflags", "+faststart"]
    elif muxer == "mp3":
        args += ["-id3v2_version", "0", "-write_id3v1", "0", "-write_xing", "0"]
    return [*args, "-f", muxer]


def _disguise_filter(rate: int) -> str:
    """Pitch and formants moved, each by its own amount drawn at random and kept nowhere.

    Resampling shifts formants and pitch together by one factor; rubberband then moves the pitch
    alone (formants preserved) the rest of the way to a second. Both move in one direction, drawn
    at random: rubberband's formant preservation holds for the small residual shift this leaves
    (at most 2 semitones) but leaks for the 5–9 semitones opposite directions would need, which
    can cancel most of the formant shift. Neither factor can be read back from the file.
    """
    up = secrets.randbelow(2) == 1
    formant = _factor(up)
    pitch = _factor(up)
    return (
        f"asetrate={rate * formant:.0f},aresample={rate},atempo={1 / formant:.6f},"
        f"rubberband=pitch={pitch / formant:.6f}:formant=preserved"
    )


def _factor(up: bool) -> float:
    """A shift of 2.5 to 4.5 semitones, up or down, drawn from the system's random source."""
    semitones = 2.5 + secrets.randbelow(2001) / 1000
    return 2 ** ((semitones if up else -semitones) / 12)


def verify(out: bytes, plan: _Plan, seconds: float, budget: ffmpeg.Budget) -> tuple[int | None, int | None]:
    """Probe the cleaned file afresh and walk its structure; refuse it if anything is left."""
    info = ffmpeg.probe(out, budget, count_packets=True)
    streams = info.get("streams") or []
    expected = [k for k, s in (("video", plan.video), ("audio", plan.audio)) if s is not None]
    if sorted(s.get("codec_type") for s in streams) != sorted(expected):
        raise MediaRefused("did not come out of cleaning with exactly its picture and sound; refused")
    if info.get("chapters") or any(int(s.get("nb_read_packets") or 0) < 1 for s in streams):
        raise MediaRefused("came out of cleaning incomplete or with chapters; refused (please report this)")
    tags = dict((info.get("format") or {}).get("tags") or {})
    for stream in streams:
        if (stream.get("disposition") or {}).get("attached_pic"):
            raise MediaRefused("still carried a cover image after cleaning; refused")
        tags |= {f"stream:{k}": v for k, v in (stream.get("tags") or {}).items()}
    for name, value in tags.items():
        written = _WRITTEN.get(name.removeprefix("stream:"))
        if written is None or not written.fullmatch(str(value)):
            raise MediaRefused("still carried metadata after cleaning; refused (please report this)")
    left = _seconds(info, tuple(streams))
    if seconds and abs(left - seconds) > max(2.0, seconds * 0.05):
        raise MediaRefused(f"lasted {seconds:.1f} s but {left:.1f} s after cleaning; refused (please report this)")
    if not structure_clean(_MUXER[plan.media_type], out):
        raise MediaRefused("still carried a place for metadata after cleaning; refused (please report this)")
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    return (int(video["width"]), int(video["height"])) if video else (None, None)


def _describe(plan: _Plan, video: dict | None, report: Report, disguise_voice: bool) -> None:
    container = plan.media_type.ext.upper()
    if plan.video is not None:
        how = "copied unchanged" if plan.copy_video else f"transcoded from {video.get('codec_name')} to H.264"
        report.actions.append(f"video {how} into {container}")
        rotation = next((d.get("rotation") for d in video.get("side_data_list") or [] if "rotation" in d), None)
        if rotation:
            report.actions.append("display rotation kept as the track's matrix (players show it upright)")
    if plan.audio is not None:
        how = "copied unchanged" if plan.copy_audio else f"re-encoded from {plan.audio.get('codec_name')}"
        report.actions.append(f"sound {how}" + ("" if plan.video else f" into {container}"))
    if disguise_voice:
        report.actions.append("voice disguised (pitch and formants shifted by random amounts kept nowhere)")
    report.actions.append("container rebuilt: tags, chapters, cover images and other streams removed")
