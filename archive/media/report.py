"""What a file carried, named by field and grouped by risk; never the values themselves."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

CATEGORIES = (
    "location",
    "device",
    "people",
    "time",
    "software",
    "thumbnail",
    "free_text",
    "other",
)
CATEGORY_LABELS = {
    "location": "location",
    "device": "device and serial numbers",
    "people": "people and accounts",
    "time": "time",
    "software": "software",
    "thumbnail": "embedded thumbnails and previews",
    "free_text": "comments and descriptions",
    "other": "other metadata",
}
# First match wins; patterns are matched against the field name, case-insensitively.
_RULES = (
    ("thumbnail", r"thumb|preview|jpeginterchange|ifd1|0x040c"),
    ("location", r"gps|latitude|longitude|altitude|\bcity|country|province|sublocation|location"),
    ("free_text", r"comment|description|caption|keyword|headline|contents"),
    (
        "people",
        r"artist|author|creator(?!tool)|by-?line|copyright|owner|credit|contact|rights|"
        r"annotation|person|\buser",
    ),
    (
        "device",
        r"make|model|serial|lens|maker|hostcomputer|uniquecamera|imageunique|icc|profile|"
        r"device|body|camera|firmware",
    ),
    ("time", r"date|time|created|modified|offset"),
    ("software", r"software|producer|creatortool|processing|history"),
    ("free_text", r"title|subject|text|label|txt"),
)


def categorise(name: str) -> str:
    """Return the risk category of a metadata field name."""
    lowered = name.lower()
    for category, pattern in _RULES:
        if re.search(pattern, lowered):
            return category
    return "other"


@dataclass(frozen=True, order=True)
class Finding:
    category: str
    field: str


@dataclass
class Report:
    """A sanitisation report: fields found (and removed), and what was done to the pixels."""

    kind: str
    findings: list[Finding] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    orientation: int = 1
    reencoded: bool = False
    psnr_db: float | None = None

    def add(self, name: str, category: str | None = None) -> None:
        finding = Finding(category or categorise(name), name)
        if finding not in self.findings:
            self.findings.append(finding)

    def counts(self) -> dict[str, int]:
        """Return the number of fields found per category, in the order of CATEGORIES."""
        counts = {c: 0 for c in CATEGORIES}
        for finding in self.findings:
            counts[finding.category] += 1
        return {c: n for c, n in counts.items() if n}

    def summary(self) -> str:
        """Return e.g. 'metadata removed: 12 fields (location, device and serial numbers)'."""
        return summarise(self.to_dict())

    def to_dict(self) -> dict:
        data = asdict(self)
        data["findings"] = [asdict(f) for f in sorted(self.findings)]
        data["counts"] = self.counts()
        return data


def summarise(report: dict) -> str:
    """Summarise a stored report (Report.to_dict()) in one line."""
    counts = report.get("counts") or {}
    if not counts:
        return "no metadata found"
    labels = ", ".join(CATEGORY_LABELS.get(c, c) for c in counts)
    return f"metadata removed: {sum(counts.values())} fields ({labels})"
