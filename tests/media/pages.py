"""Pages to read: lines of Russian and English text with names and telephone numbers, drawn with
Pillow in Debian's DejaVu fonts (fonts-dejavu-core, which `make test` installs) at several
sizes, then turned a little, blurred, speckled and saved as a low-quality JPEG, as a scanner
or a phone camera leaves them. Every word drawn is returned with its box, so a reader's words
can be checked against what is on the page. Names are made from syllables, not taken from a
list: the reader must read letters, not recognise a name it knows."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = "/usr/share/fonts/truetype/dejavu/"
FACES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSansMono.ttf")
_RU = ("ма", "ка", "ра", "ли", "ту", "зе", "ро", "ва", "ни", "са", "ха", "до", "ги", "ле", "му", "ша", "ю", "ев")
_EN = ("ma", "ka", "ro", "li", "tu", "ze", "van", "ni", "sa", "hal", "don", "gi", "le", "mur", "sha", "bert")
_RU_ENDINGS = ("ов", "ев", "ин", "ова", "ева", "ская", "ский", "енко")
_EN_ENDINGS = ("son", "ton", "ley", "man", "ford", "ers")
_RU_WORDS = (
    "задержан",
    "в",
    "Грозном",
    "допрос",
    "заявил",
    "сообщил",
    "видел",
    "свидетель",
    "ночью",
    "полиция",
    "отпустили",
)
_EN_WORDS = (
    "detained",
    "in",
    "Grozny",
    "questioned",
    "said",
    "reported",
    "saw",
    "witness",
    "night",
    "police",
    "released",
)


@dataclass
class Drawn:
    text: str
    box: tuple[int, int, int, int]  # left, top, width, height
    kind: str  # "name", "phone" or "word"


@dataclass
class Page:
    image: Image.Image
    words: list[Drawn] = field(default_factory=list)
    language: str = ""

    @property
    def names(self) -> list[Drawn]:
        return [w for w in self.words if w.kind == "name"]

    @property
    def phones(self) -> list[Drawn]:
        return [w for w in self.words if w.kind == "phone"]


def name(rng: random.Random, cyrillic: bool) -> str:
    syllables, endings = (_RU, _RU_ENDINGS) if cyrillic else (_EN, _EN_ENDINGS)
    stem = "".join(rng.choice(syllables) for _ in range(rng.randint(1, 3)))
    return (stem + rng.choice(endings)).capitalize()


def phone(rng: random.Random) -> str:
    digits = [str(rng.randint(0, 9)) for _ in range(10)]
    a, b, c, d = "".join(digits[:3]), "".join(digits[3:6]), "".join(digits[6:8]), "".join(digits[8:])
    return rng.choice(
        (
            f"+7 ({a}) {b}-{c}-{d}",
            f"8 {a} {b}{c}{d}",
            f"+7{a}{b}{c}{d}",
            f"+1 {a} {b} {c}{d}",
            f"{b}-{c}-{d}",
        )
    )


def lines(rng: random.Random, language: str, count: int) -> list[list[tuple[str, str]]]:
    """`count` lines of (word, kind): a name and a number in most of them."""
    out = []
    for _ in range(count):
        cyrillic = language == "rus" or (language == "rus+eng" and rng.random() < 0.5)
        words = _RU_WORDS if cyrillic else _EN_WORDS
        line = [(rng.choice(words), "word") for _ in range(rng.randint(1, 3))]
        line.insert(rng.randint(0, len(line)), (name(rng, cyrillic), "name"))
        if rng.random() < 0.7:
            line.append((phone(rng), "phone"))
        out.append(line)
    return out


def page(
    seed: int,
    language: str = "rus+eng",
    size: int = 32,
    face: str = "DejaVuSans.ttf",
    line_count: int = 8,
    width: int = 1700,
) -> Page:
    """A clean page: black text on white, every word's box recorded."""
    rng = random.Random(seed)
    font = ImageFont.truetype(FONTS + face, size)
    spacing = int(size * 1.8)
    height = spacing * line_count + 4 * size
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    drawn: list[Drawn] = []
    y = 2 * size
    for line in lines(rng, language, line_count):
        x = 2 * size
        for text, kind in line:
            left, top, right, bottom = draw.textbbox((x, y), text, font=font)
            if right > width - size:
                break
            draw.text((x, y), text, font=font, fill=0)
            drawn.append(Drawn(text, (left, top, right - left, bottom - top), kind))
            x = right + int(size * rng.uniform(0.6, 1.0))
        y += spacing
    return Page(image, drawn, language)


def scanned(clean: Page, seed: int, angle: float = 1.5, noise: float = 18.0, quality: int = 55) -> Page:
    """The page as a scanner leaves it: turned by up to `angle` degrees, softened, speckled with
    grey noise, saved as a JPEG of this quality (boxes are no longer exact: the text only)."""
    rng = random.Random(seed)
    image = clean.image.rotate(rng.uniform(-angle, angle), resample=Image.Resampling.BICUBIC, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    speckle = Image.effect_noise(image.size, noise)
    image = Image.blend(image, speckle, 0.25)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return Page(Image.open(io.BytesIO(out.getvalue())), clean.words, clean.language)


def overlap(a, b) -> float:
    """Intersection over union of two (left, top, width, height) boxes."""
    left, top = max(a[0], b[0]), max(a[1], b[1])
    right, bottom = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)
