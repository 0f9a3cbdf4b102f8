"""Media: bytes in → clean bytes and a report out. Pure: no Flask, no database."""

from archive.media.raster import Limits
from archive.media.sanitise import CleanMedia, sanitise

__all__ = ["CleanMedia", "Limits", "sanitise"]
