"""Detectors for identifiers with a shape: e-mails, handles, numbers, plates, places, dates.

Each detector is a function text → spans. They run on a copy of the text in which line breaks
are spaces (same offsets), so a number split across lines is still one number.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from archive.redaction.spans import Span

Detector = Callable[[str], Iterator[Span]]
_I = re.IGNORECASE

# Letters that look the same in Cyrillic and Latin, as used on Russian number plates.
_PLATE_LETTER = "[АВЕКМНОРСТУХABEKMHOPCTYX]"
_MONTHS_EN = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MONTHS_RU = (
    r"(?:январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[яй]|июн[ья]|июл[ья]|августа?|сентябр[ья]|"
    r"октябр[ья]|ноябр[ья]|декабр[ья]|янв\.?|фев\.?|мар\.?|апр\.?|авг\.?|сент?\.?|окт\.?|"
    r"нояб?\.?|дек\.?)"
)
_DATE = (
    rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-](?:19|20)?\d{{2}}|(?:19|20)\d{{2}}-\d{{2}}-\d{{2}}|"
    rf"\d{{1,2}}\s+(?:{_MONTHS_EN}|{_MONTHS_RU})\s+(?:19|20)\d{{2}}|"
    rf"{_MONTHS_EN}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}|(?:19|20)\d{{2}})"
)


def _spans(pattern: re.Pattern, kind: str, name: str, group: int | str = 0, trim: str = "") -> Detector:
    def detect(text: str) -> Iterator[Span]:
        for match in pattern.finditer(text):
            start, end = match.span(group)
            while trim and end > start and text[end - 1] in trim:  # a sentence's full stop
                end -= 1
            if start < end:
                yield Span(start, end, kind, name)

    detect.__name__ = name
    return detect


# "@", a full-width "＠", or the word for it in brackets or between spaces: "name (at) mail
# (dot) ru", "name собака mail точка ru". Every repetition is bounded and a local part starts
# only where a run of its characters starts: the pattern runs in linear time (an unbounded
# local part made a 20,000-character note take 19 s).
_AT = r"(?:\s?[@＠]\s?|\s?[\[(<{]\s?(?:at|собака|эт)\s?[\])>}]\s?|\s(?:at|собака)\s)"
_DOT = r"(?:[.．]|\s?[\[(<{]\s?(?:dot|точка)\s?[\])>}]\s?|\s(?:dot|точка)\s)"
EMAIL = re.compile(
    rf"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{{0,63}}{_AT}"
    rf"(?:[A-Za-z0-9-]{{1,63}}{_DOT}){{1,8}}[A-Za-z]{{2,12}}(?![A-Za-z0-9-]|[.@＠][A-Za-z0-9])",
    _I,
)
_SOCIAL = (
    r"t\.me|telegram\.(?:me|org)|vk\.com|m\.vk\.com|vk\.ru|vkontakte\.ru|instagram\.com|"
    r"instagr\.am|facebook\.com|m\.facebook\.com|fb\.com|fb\.me|wa\.me|api\.whatsapp\.com|"
    r"ok\.ru|twitter\.com|x\.com|tiktok\.com|youtube\.com|threads\.net|linkedin\.com"
)
PROFILE_URL = re.compile(rf"(?:https?://)?(?:www\.)?(?:{_SOCIAL})/[^\s)\]>,;«»\"']+", _I)
AT_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_.]{2,31}(?<!\.)")
LABELLED_HANDLE = re.compile(
    r"(?<![\w])(?:telegram|телеграм\w*|телега|тг|tg|vk|вк|вконтакте|instagram|инстаграм\w*|insta|"
    r"инста|whatsapp|ватсап\w*|вотсап\w*|wa|signal|skype|скайп|viber|вайбер\w*|snapchat|снапчат|"
    r"discord|дискорд\w*|imo|ник(?:нейм)?|nick(?:name)?|логин|login|username|юзернейм)"
    r"\s*[:—–-]\s*(@?[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё0-9_.]{2,31})",
    _I,
)
# a numeric VK id without its address: "VK id 5583901", "айди вк: 5583901", "id5583901"
VK_ID = re.compile(
    r"(?:(?<![\w])(?:vk|вк|вконтакте)\s*(?:id|айди)?\s*[:№#]?\s*(\d{5,12})(?!\d))"
    r"|(?<![\w/])(id\d{5,12})(?!\d)",
    _I,
)
IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?!\d|\.\d)")
IPV6 = re.compile(r"(?<![\w:.])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])", _I)
IMEI = re.compile(
    r"(?:IMEI|ИМЕЙ)[^\d\n]{0,40}?(\d{2}[\s-]?\d{6}[\s-]?\d{6}[\s-]?\d)|"
    r"(?<!\d)(\d{2}[\s-]\d{6}[\s-]\d{6}[\s-]\d|35\d{13})(?!\d)",
    _I,
)
PASSPORT = re.compile(
    r"(?:паспорт\w*|passport\w*|серия|серии|series)[^\d\n]{0,25}?"
    r"(\d{2}\s?\d{2}\s*[,.]?\s*(?:(?:№|N|No\.?|номер|number)\s*)?\d{6}|\d{2}\s?\d{7}|\d{9,10})"
    r"|(?<!\d)(\d{2}\s\d{2}\s*(?:№|номер|no\.?)\s*\d{6})(?!\d)",
    _I,
)
FOREIGN_PASSPORT = re.compile(
    r"(?:загранпаспорт\w*|заграничн\w+ паспорт\w*|international passport|foreign passport|"
    r"travel passport)[^\d\n]{0,20}?(\d{2}\s?\d{7})(?!\d)",
    _I,
)
SNILS = re.compile(r"(?<!\d)\d{3}[- ]\d{3}[- ]\d{3}[- ]\d{2}(?!\d)")
LABELLED_ID = re.compile(
    r"(?:ИНН|INN|СНИЛС|SNILS|ОМС|полис\w*|водительск\w+ удостоверени\w+|"
    r"(?:driving|driver'?s) licen[cs]e|удостоверени\w+ личности|ID card|military ID|"
    r"военн\w+ билет\w*|свидетельств\w+ о рождении|birth certificate)"
    r"[^\d\n]{0,25}?(\d[\d\s-]{5,18}\d)",
    _I,
)
PLATE = re.compile(
    rf"(?<![\wА-Яа-яЁё]){_PLATE_LETTER}\s?\d{{3}}\s?{_PLATE_LETTER}{{2}}\s?/?\s?\d{{2,3}}"
    rf"(?:\s?RUS)?(?![\wА-Яа-яЁё])",
    _I,
)
_HEMISPHERE = r"(?:\s?°)?(?:\s?[{}](?![A-Za-zА-Яа-яЁё]))?"
GPS_DECIMAL = re.compile(
    r"(?<![\d.])[-+]?\d{1,2}[.,]\d{3,}"
    + _HEMISPHERE.format("NSСЮ")
    + r"\s*[,;]?\s*[-+]?\d{1,3}[.,]\d{3,}(?!\d)"
    + _HEMISPHERE.format("EWВЗ")
)
GPS_DMS = re.compile(
    r"\d{1,3}\s*°\s*\d{1,2}\s*['′]\s*(?:\d{1,2}(?:[.,]\d+)?\s*(?:[\"″]|''))?\s*[NSEWСЮВЗ]"
    r"(?:[\s,;]*\d{1,3}\s*°\s*\d{1,2}\s*['′]\s*(?:\d{1,2}(?:[.,]\d+)?\s*(?:[\"″]|''))?\s*"
    r"[NSEWСЮВЗ])?"
)
_NORTH = r"(?:с\.?\s?ш\.?|ю\.?\s?ш\.?|северн\w+ широт\w+|южн\w+ широт\w+|[NS]\b)"
_EAST = r"(?:в\.?\s?д\.?|з\.?\s?д\.?|восточн\w+ долгот\w+|западн\w+ долгот\w+|[EW]\b)"
_DEGREES = r"\d{1,3}(?:[.,]\d{1,8})?\s*°?(?:\s*\d{1,2}\s*['′](?:\s*\d{1,2}(?:[.,]\d+)?\s*(?:[\"″]|''))?)?"
# "43,3170 с.ш., 45,6981 в.д.", "N 43.317 E 45.698", "широта 43,317, долгота 45,698"
GPS_WORDS = re.compile(
    rf"{_DEGREES}\s*{_NORTH}[\s,;]*{_DEGREES}\s*{_EAST}"
    rf"|(?<![\w])[NS]\s?{_DEGREES}[\s,;]*[EW]\s?{_DEGREES}"
    rf"|(?:широт\w*|lat(?:itude)?)\s*[:=]?\s*-?\d{{1,2}}[.,]\d{{2,8}}[\s,;]*(?:долгот\w*|lon(?:g(?:itude)?)?)\s*[:=]?\s*-?\d{{1,3}}[.,]\d{{2,8}}",
    _I,
)
# a card number: 13 to 19 digits checked by Luhn's sum (see _cards)
CARD = re.compile(r"(?<![\d.,])\d(?:[ -]?\d){12,18}(?![\d]|[.,]\d)")
_CARD_LABEL = re.compile(r"(?:карт\w*|card|visa|mastercard|мир\b|maestro|сбер\w*|тинькофф|перев\w+)", _I)
# an IBAN (checked by its mod-97 sum), or a Russian account number after its label
IBAN = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?(?![A-Z0-9])")
ACCOUNT = re.compile(
    r"(?:сч[её]т\w*|р/с|л/с|account(?: number)?|acc\.?)\s*(?:№|N|no\.?|номер)?\s*[:#]?\s*"
    r"(\d(?:[ ]?\d){15,25})(?!\d)",
    _I,
)
# a house or a flat on its own ("дом 5", "кв. 12", "flat 4", "apt. 7B")
HOUSE = re.compile(
    r"(?<![\w])(?:(?:кв\.|квартир[аеуы]|apartment|apt\.?|flat|подъезд\w*|entrance)\s*№?\s*\d{1,4}[а-яa-z]?"
    r"|(?:дом[аеу]?|д\.|house(?: number| no\.?)?)\s*№?\s*\d{1,4}[а-яa-z]?(?:/\d{1,3})?"
    r"(?:\s*,?\s*(?:корп\.|корпус|стр\.|строение)\s*\d{1,3})?)(?![\w])",
    _I,
)
MAP_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(?:maps\.google\.[a-z.]+|google\.[a-z.]+/maps|goo\.gl/maps|"
    r"maps\.app\.goo\.gl|yandex\.[a-z]+/maps|2gis\.[a-z]+|openstreetmap\.org|osm\.org)"
    r"[^\s)\]>«»\"']*",
    _I,
)
DOB = re.compile(
    rf"(?:born(?:\s+(?:on|in))?|date of birth\s*:?|d\.?o\.?b\.?\s*:?|"
    rf"родил(?:ся|ась)(?:\s+в)?|дата рождения\s*:?|д\.\s?р\.?\s*:?)\s*({_DATE})"
    rf"|(?<!\d)((?:19|20)\d{{2}})\s*(?:г\.\s?р\.|года рождения|г\.р\b|year of birth)",
    _I,
)
_STREET_RU = (
    r"(?:ул\.|улица|улице|улицы|пр-т|пр-кт|просп\.|проспект\w*|пер\.|переул\w+|бульвар\w*|б-р|"
    r"шоссе|ш\.|проезд\w*|пл\.|площад\w+|мкр\.?|микрорайон\w*|наб\.|набережн\w+|тупик\w*)"
)
_HOUSE_RU = (
    r"(?:,?\s*(?:д\.|дом|д)\s*\d+[а-яa-z]?(?:/\d+)?|,\s*\d+[а-яa-z]?(?:/\d+)?)"
    r"(?:,?\s*(?:корп\.|корпус|к\.|стр\.|строение)\s*\d+)?(?:,?\s*(?:кв\.|квартира|кв)\s*\d+)?"
)
_NAME_RU = r"[А-ЯЁ][а-яё]+(?:[- ][А-ЯЁ][а-яё]+)?"
ADDRESS_RU = re.compile(
    rf"{_STREET_RU}\s*{_NAME_RU}(?:{_HOUSE_RU})?|{_NAME_RU}\s+{_STREET_RU}(?:{_HOUSE_RU})?"
    rf"|(?<=адресу )(?:{_NAME_RU})(?:{_HOUSE_RU})"
    rf"|{_NAME_RU},\s*\d+[а-яa-z]?,\s*(?:кв\.|квартира)\s*\d+"
    rf"|(?<=адресу: )(?:{_NAME_RU})(?:{_HOUSE_RU})"
)
_STREET_EN = (
    r"(?:Street|St\.|Avenue|Ave\.?|Road|Rd\.|Lane|Ln\.|Boulevard|Blvd\.|Drive|Dr\.|"
    r"Prospekt|Prospect|Square|Sq\.)"
)
_FLAT_EN = r"(?:,?\s*(?:apt\.?|apartment|flat|unit|kv\.)\s*\d+\w?)?"
ADDRESS_EN = re.compile(
    rf"\d{{1,5}}\w?,?\s+(?:[A-Z][a-z]+\s){{1,3}}{_STREET_EN}{_FLAT_EN}"
    rf"|(?:[A-Z][a-z]+\s){{1,3}}{_STREET_EN},?\s*\d{{1,5}}\w?{_FLAT_EN}"
    rf"|(?:house|building|bldg\.)\s*\d+\w?,\s*(?:[A-Z][a-z]+\s){{1,3}}(?:street|avenue|road|lane)"
    rf"|(?<=\blived at )\d{{1,5}}\w?\s+[A-Z][a-z]+(?:\s[A-Z][a-z]+)?{_FLAT_EN}"
)
_QUOTED = r"[«\"“„][^»\"”\n]{1,60}[»\"”]"
_BUSINESS_RU = (
    r"(?:кафе|ресторан\w*|магазин\w*|салон\w*(?: связи| красоты)?|барбершоп\w*|парикмахерск\w+|"
    r"компани\w+|фирм\w+|заправк\w+|автомойк\w+|шиномонтаж\w*|склад\w*|рын\w+|пекарн\w+|"
    r"аптек\w+|офис\w*|цех\w*|завод\w*|фабрик\w+|ателье|мастерск\w+|стро\w+ фирм\w+|"
    r"автосервис\w*|СТО|ТЦ|торгов\w+ центр\w*|гостиниц\w+|отел\w+|клиник\w+|больниц\w+|школ\w+)"
)
WORKPLACE_RU = re.compile(
    rf"(?:работа\w*|трудил\w+|подрабатыва\w+|на работе|по месту работы)[^.\n]{{0,12}}?"
    rf"\b(?:в|на|во)\s+((?:{_BUSINESS_RU}\s+)?{_QUOTED}|{_BUSINESS_RU}\s+{_QUOTED})",
    _I,
)
WORKPLACE_EN = re.compile(
    r"(?:worked|works|working|employed|job|right at work)[^.\n]{0,12}?\b(?:at|for|in)\s+"
    r"(?:the\s+)?((?:[A-Z][\w-]*(?:\s|$)){1,4}(?:[a-z]+\s){0,2}"
    r"(?:shop|store|market|cafe|café|restaurant|barbershop|salon|service|company|garage|"
    r"warehouse|bakery|factory|office|station|car wash|hotel|clinic)?|"
    r"[A-Z][\w-]+(?:\s[A-Z][\w-]+){0,3})",
)


def _cards(text: str) -> Iterator[Span]:
    """Card numbers: 16 digits (grouped or not), or 13 to 19 after a word about cards, that
    pass Luhn's check."""
    for match in CARD.finditer(text):
        digits = [int(c) for c in match.group(0) if c.isdigit()]
        labelled = bool(_CARD_LABEL.search(text[max(0, match.start() - 40) : match.start()]))
        if (len(digits) == 16 or labelled) and _luhn(digits):
            yield Span(*match.span(), "CARD", "card-luhn")


def _luhn(digits: list[int]) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _ibans(text: str) -> Iterator[Span]:
    for match in IBAN.finditer(text.upper()):
        code = match.group(0).replace(" ", "")
        if 15 <= len(code) <= 34:
            moved = code[4:] + code[:4]
            number = "".join(str(int(c, 36)) for c in moved)
            if int(number) % 97 == 1:
                yield Span(*match.span(), "IBAN", "iban")
    for match in ACCOUNT.finditer(text):
        yield Span(*match.span(1), "IBAN", "account")


def _ip(text: str) -> Iterator[Span]:
    yield from _spans(IPV4, "IP", "ipv4")(text)
    for match in IPV6.finditer(text):
        try:
            ipaddress.IPv6Address(match.group(0))
        except ValueError:
            continue
        yield Span(*match.span(), "IP", "ipv6")


def _grouped(pattern: re.Pattern, kind: str, name: str) -> Detector:
    """Yield the first non-empty group of each match (patterns with alternatives)."""

    def detect(text: str) -> Iterator[Span]:
        for match in pattern.finditer(text):
            for index in range(1, (pattern.groups or 0) + 1):
                if match.group(index):
                    yield Span(*match.span(index), kind, name)
                    break
            else:
                yield Span(*match.span(), kind, name)

    detect.__name__ = name
    return detect


def _workplace(text: str) -> Iterator[Span]:
    for pattern in (WORKPLACE_RU, WORKPLACE_EN):
        for match in pattern.finditer(text):
            start, end = match.span(1)
            while end > start and text[end - 1] in " ,.;:":
                end -= 1
            if end - start >= 3:
                yield Span(start, end, "WORKPLACE", "workplace")


def _near(words: str, before: int, after: int, detector: Detector) -> Detector:
    """Run a detector only near the words its pattern needs (a label, a street word, a site's
    name): each pattern tries a match at every position of a text, and a megabyte without the
    words it needs is not worth scanning. Every match of the pattern contains one of `words`
    (lower case, between "|", found by plain substring search) and reaches at most `before` characters
    before it and `after` after it; the text is cut around them with that much room (windows
    that touch are joined), so the detector finds what it finds in the whole text.
    `tests/redaction/test_bounded.py` compares the two."""
    needles = tuple(words.split("|"))

    def detect(text: str) -> Iterator[Span]:
        lowered = _lowered(text)
        spots: list[tuple[int, int]] = []
        for needle in needles:
            at = lowered.find(needle)
            while at != -1:
                spots.append((at, at + len(needle)))
                at = lowered.find(needle, at + 1)
        windows: list[list[int]] = []
        for found, ends in sorted(spots):
            start, end = max(0, found - before - 8), min(len(text), ends + after + 8)
            if windows and start <= windows[-1][1]:
                windows[-1][1] = max(end, windows[-1][1])
            else:
                windows.append([start, end])
        for start, end in windows:
            for span in detector(text[start:end]):
                yield Span(span.start + start, span.end + start, span.type, span.detector, span.key)

    detect.__name__ = getattr(detector, "__name__", "detector")
    detect.whole = detector  # type: ignore[attr-defined]
    return detect


# lower case letter for letter (str.lower may change a text's length: "İ" becomes two)
_LOWER = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
    "abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюя",
)


@lru_cache(maxsize=2)
def _lowered(text: str) -> str:
    return text.translate(_LOWER)


# The words each gated pattern needs, lower case, between "|": one of them is in every match.
_SOCIAL_WORDS = (
    "t.me|telegram.|vk.com|vk.ru|vkontakte.|instagr|facebook.|fb.com|fb.me|wa.me|whatsapp.|ok.ru|"
    "twitter.|x.com|tiktok.|youtube.|threads.|linkedin."
)
_LABEL_WORDS = (
    "telegram|телег|тг|tg|vk|вк|insta|инста|whatsapp|ватсап|вотсап|wa|signal|skype|скайп|viber|"
    "вайбер|snapchat|снапчат|discord|дискорд|imo|ник|nick|логин|login|username|юзернейм"
)
_VK_WORDS = "vk|вк|id"
_PASSPORT_WORDS = "паспорт|passport|серия|серии|series|№|номер|no"
_FOREIGN_WORDS = "загранпаспорт|заграничн|passport"
_ID_WORDS = (
    "инн|inn|снилс|snils|омс|полис|водительск|driving|driver|удостоверени|id card|military|военн|свидетельств|birth"
)
_MAP_WORDS = "maps|2gis|openstreetmap|osm.org"
# the hemispheres' letters (N, S after a number or before one), the words and abbreviations
_GPS_WORDS = "ш|широт|lat|n|s"
_DOB_WORDS = "born|birth|d.o.b|dob|d.ob|do.b|родил|рождения|д.р|д. р|г.р|г. р"
_STREET_RU_WORDS = (
    "ул.|улиц|пр-т|пр-кт|просп.|проспект|пер.|переул|бульвар|б-р|шоссе|ш.|проезд|пл.|площад|мкр|"
    "микрорайон|наб.|набережн|тупик|адресу|кв.|квартира"
)
_STREET_EN_WORDS = (
    "street|st.|avenue|ave|road|rd.|lane|ln.|boulevard|blvd.|drive|dr.|prospekt|prospect|square|"
    "sq.|house|building|bldg|lived"
)
_HOUSE_WORDS = "кв.|квартир|apartment|apt|flat|подъезд|entrance|дом|д.|house"
_WORK_WORDS = "работ|трудил|подрабатыва|work|employed|job"

DETECTORS: tuple[Detector, ...] = (
    _spans(EMAIL, "EMAIL", "email"),
    _near(_SOCIAL_WORDS, 40, 4096, _spans(PROFILE_URL, "HANDLE", "profile-url", trim=".!?")),
    _spans(AT_HANDLE, "HANDLE", "at-handle"),
    _near(_LABEL_WORDS, 40, 200, _spans(LABELLED_HANDLE, "HANDLE", "labelled-handle", 1)),
    _near(_VK_WORDS, 40, 200, _grouped(VK_ID, "HANDLE", "vk-id")),
    _cards,
    _ibans,
    _ip,
    _grouped(IMEI, "IMEI", "imei"),
    _near(_PASSPORT_WORDS, 40, 200, _grouped(PASSPORT, "PASSPORT", "passport")),
    _near(_FOREIGN_WORDS, 40, 200, _spans(FOREIGN_PASSPORT, "PASSPORT", "foreign-passport", 1)),
    _spans(SNILS, "ID", "snils"),
    _near(_ID_WORDS, 40, 200, _spans(LABELLED_ID, "ID", "labelled-id", 1)),
    _spans(PLATE, "PLATE", "plate"),
    _near(_MAP_WORDS, 100, 4096, _spans(MAP_URL, "GPS", "map-url")),
    _spans(GPS_DECIMAL, "GPS", "gps-decimal"),
    _spans(GPS_DMS, "GPS", "gps-dms"),
    _near(_GPS_WORDS, 300, 300, _spans(GPS_WORDS, "GPS", "gps-words", trim=" ,;")),
    _near(_DOB_WORDS, 40, 200, _grouped(DOB, "DOB", "date-of-birth")),
    _near(_STREET_RU_WORDS, 200, 300, _spans(ADDRESS_RU, "ADDRESS", "address-ru")),
    _near(_STREET_EN_WORDS, 300, 300, _spans(ADDRESS_EN, "ADDRESS", "address-en")),
    _near(_HOUSE_WORDS, 40, 200, _spans(HOUSE, "ADDRESS", "house-or-flat")),
    _near(_WORK_WORDS, 40, 400, _workplace),
)


def detect_patterns(text: str) -> list[Span]:
    """Run every shape detector; line breaks count as spaces so split numbers are found."""
    flat = text.replace("\n", " ").replace("\r", " ")
    return [span for detector in DETECTORS for span in detector(flat)]
