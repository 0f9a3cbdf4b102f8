"""Generate labelled witness testimonies for the redaction benchmark, in the shared scorer's
format (id, lang, text, names, spans, decoys), with wide variety: other names, spellings,
orders, case forms and scripts, and identifiers written the ways people write them.

    .venv/bin/python benchmarks/redaction_generator.py --count 400 --seed 11 --out cases.jsonl

Every testimony is assembled from sentence templates in Russian or English (some mixed);
every identifier is labelled with its exact offsets as it is placed. Names: Chechen,
Dagestani, Russian and English first names and surnames, in English, German and French
romanisations, "Last, First" order, lower-case slugs and hashtags, diminutives, Russian case
forms (pymorphy3). Identifiers: phones (+7, 8, 00 7, brackets, dashes), e-mails (plain, ＠,
(at)/(dot), "собака … точка"), handles (@, "телега:", "tg:", VK links and ids), cards
(Luhn), IBANs (mod 97), passports, coordinates (decimal points and commas, с.ш./в.д., N/E),
addresses with house and flat numbers, plates, IP addresses, IMEIs, dates of birth.
Public facts (officials with their offices, places, organisations, dates, figures) are the
decoys that must stay.
"""

from __future__ import annotations

import argparse
import json
import random
import string
from pathlib import Path

import pymorphy3

MORPH = pymorphy3.MorphAnalyzer()

# (not the officials' first names: the scorer would read the official's as a leak)
FIRST_RU = [
    "Руслан",
    "Ахмед",
    "Мовсар",
    "Зелимхан",
    "Ислам",
    "Тимур",
    "Шамиль",
    "Адлан",
    "Бислан",
    "Хамзат",
    "Мурад",
    "Иса",
    "Арби",
    "Беслан",
    "Анзор",
    "Лечи",
    "Алихан",
    "Сайд",
    "Иван",
    "Алексей",
    "Сергей",
    "Никита",
    "Артём",
    "Умар",
    "Элина",
    "Малика",
    "Зарема",
    "Мадина",
]
LAST_RU = [
    "Магомедов",
    "Дудаев",
    "Закриев",
    "Мусаев",
    "Батаев",
    "Хасанов",
    "Умаров",
    "Исмаилов",
    "Джамалдинов",
    "Алиев",
    "Гайрбеков",
    "Эльмурзаев",
    "Сайдулаев",
    "Байсаров",
    "Ибрагимов",
    "Тагиров",
    "Кузнецов",
    "Петров",
    "Смирнов",
    "Абдулаев",
]
ROMAN = {  # English, German and French spellings of the same sounds
    "en": {
        "Дж": "Dzh",
        "Ж": "Zh",
        "ж": "zh",
        "Х": "Kh",
        "х": "kh",
        "Ш": "Sh",
        "ш": "sh",
        "Ч": "Ch",
        "ч": "ch",
        "ев": "ev",
        "ай": "ai",
        "ей": "ei",
        "ий": "iy",
        "й": "y",
        "у": "u",
        "ю": "yu",
        "я": "ya",
        "ё": "yo",
        "ы": "y",
        "ь": "",
        "ъ": "",
        "э": "e",
        "Э": "E",
    },
    "de": {
        "Дж": "Dsch",
        "Ж": "Sch",
        "ж": "sch",
        "Х": "Ch",
        "х": "ch",
        "Ш": "Sch",
        "ш": "sch",
        "Ч": "Tsch",
        "ч": "tsch",
        "ев": "ew",
        "ов": "ow",
        "ай": "ai",
        "й": "j",
        "у": "u",
        "ю": "ju",
        "я": "ja",
        "ё": "jo",
        "ы": "y",
        "ь": "",
        "ъ": "",
        "э": "e",
        "Э": "E",
        "в": "w",
        "з": "s",
    },
    "fr": {
        "Дж": "Dj",
        "Ж": "J",
        "ж": "j",
        "Х": "Kh",
        "х": "kh",
        "Ш": "Ch",
        "ш": "ch",
        "Ч": "Tch",
        "ч": "tch",
        "аев": "aïev",
        "ев": "ev",
        "ай": "aï",
        "й": "ï",
        "у": "ou",
        "ю": "iou",
        "я": "ia",
        "ё": "io",
        "ы": "y",
        "ь": "",
        "ъ": "",
        "э": "e",
        "Э": "E",
    },
}
PLAIN = {
    **dict(zip("АБВГДЕЗИКЛМНОПРСТФ", "ABVGDEZIKLMNOPRSTF", strict=True)),
    **dict(zip("абвгдезиклмнопрстф", "abvgdeziklmnoprstf", strict=True)),
    "Ц": "Ts",
    "ц": "ts",
    "Щ": "Shch",
    "щ": "shch",
    "Ю": "Yu",
    "Я": "Ya",
    "Й": "Y",
    "У": "U",
    "Ё": "Yo",
}
FIRST_EN = ["John", "Mary", "David", "Sarah", "Michael", "Anna", "Peter", "Laura"]
LAST_EN = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright"]
DIMINUTIVE = {"Руслан": "Руслик", "Ахмед": "Ахмедик", "Магомед": "Магомедик", "Тимур": "Тимурчик"}

OFFICIALS = [
    ("Рамзан Кадыров", "глава Чечни", "Ramzan Kadyrov", "head of Chechnya"),
    ("Магомед Даудов", "спикер парламента", "Magomed Daudov", "speaker of parliament"),
    ("Дмитрий Песков", "пресс-секретарь Кремля", "Dmitry Peskov", "Kremlin spokesman"),
    ("Татьяна Москалькова", "уполномоченный по правам человека", "Tatyana Moskalkova", "ombudsman"),
]
PLACES_RU = ["Грозный", "Аргун", "Гудермес", "Шали", "Урус-Мартан", "Москва"]
PLACES_EN = ["Grozny", "Argun", "Gudermes", "Shali", "Urus-Martan", "Moscow"]
ORGS = ["Human Rights Watch", "Rainbow Railroad", "Memorial", "Russian LGBT Network", "Новая газета", "Мемориал"]
STREETS_RU = ["Береговая", "Мира", "Ленина", "Шерипова", "Кадырова"]
STREETS_EN = ["Lenin", "Pobedy", "Mira", "Sheripova"]


def roman(name: str, style: str) -> str:
    out = name
    for cyr, lat in sorted(ROMAN[style].items(), key=lambda kv: -len(kv[0])):
        out = out.replace(cyr, lat)
    return "".join(PLAIN.get(c, c) for c in out)


def inflect(word: str, case: str, tag: str = "Name") -> str:
    """The word in a Russian case, when the dictionary reads it as a name (or a surname)."""
    parsed = next((p for p in MORPH.parse(word) if tag in p.tag and p.tag.number == "sing" and "nomn" in p.tag), None)
    form = parsed.inflect({case, "sing"}) if parsed is not None else None
    return form.word.capitalize() if form else word


def luhn_complete(digits: str) -> str:
    for last in "0123456789":
        total = 0
        for i, d in enumerate(reversed(digits + last)):
            d = int(d)
            if i % 2:
                d = d * 2 - 9 if d > 4 else d * 2
            total += d
        if total % 10 == 0:
            return digits + last
    raise AssertionError


def iban(rng: random.Random) -> str:
    bban = "".join(rng.choice(string.digits) for _ in range(18))
    check = 98 - int("".join(str(int(c, 36)) for c in bban + "DE00")) % 97
    code = f"DE{check:02d}{bban}"
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def phone(rng: random.Random) -> str:
    d = "".join(rng.choice(string.digits) for _ in range(7))
    code = rng.choice(["928", "938", "963", "999", "916"])
    return rng.choice(
        [
            f"+7 {code} {d[:3]}-{d[3:5]}-{d[5:]}",
            f"8 ({code}) {d[:3]}-{d[3:5]}-{d[5:]}",
            f"00 7 {code} {d[:3]} {d[3:5]} {d[5:]}",
            f"+7{code}{d}",
            f"8-{code}-{d[:3]}-{d[3:5]}-{d[5:]}",
            f"007 {code} {d[:3]} {d[3:]}",
        ]
    )


def email(rng: random.Random, login: str) -> str:
    domain, tld = rng.choice([("mail", "ru"), ("gmail", "com"), ("yandex", "ru"), ("proton", "me")])
    return rng.choice(
        [
            f"{login}@{domain}.{tld}",
            f"{login}＠{domain}.{tld}",
            f"{login} (at) {domain} (dot) {tld}",
            f"{login} собака {domain} точка {tld}",
            f"{login} [at] {domain} [dot] {tld}",
        ]
    )


class Case:
    """A testimony being written: text with labelled spans and decoys."""

    def __init__(self, lang: str):
        self.lang = lang
        self.text = ""
        self.spans: list[dict] = []
        self.decoys: list[dict] = []

    def add(self, *parts) -> None:
        """Append literal strings and (value, type, entity) identifiers or ("decoy", value, type)."""
        for part in parts:
            if isinstance(part, str):
                self.text += part
            elif part[0] == "decoy":
                start = len(self.text)
                self.text += part[1]
                self.decoys.append({"start": start, "end": len(self.text), "type": part[2], "value": part[1]})
            else:
                value, kind, entity = part
                start = len(self.text)
                self.text += value
                self.spans.append(
                    {"start": start, "end": len(self.text), "type": kind, "value": value, "entity": entity, "tags": []}
                )


def person(rng: random.Random, lang: str) -> dict:
    first, last = rng.choice(FIRST_RU), rng.choice(LAST_RU)
    if lang == "en" and rng.random() < 0.2:
        return {"ru": None, "first": rng.choice(FIRST_EN), "last": rng.choice(LAST_EN)}
    style = rng.choice(["en", "en", "de", "fr"])
    if lang == "ru":
        return {"ru": True, "first": first, "last": last}
    return {"ru": False, "first": roman(first, style), "last": roman(last, style), "cyr": (first, last)}


def mention(rng: random.Random, p: dict, lang: str, case: str = "nomn") -> str:
    if p["ru"]:
        form = rng.choice(["full", "full", "first", "last_first", "diminutive"])
        if form == "diminutive" and p["first"] in DIMINUTIVE:
            return DIMINUTIVE[p["first"]]
        first, last = inflect(p["first"], case), inflect(p["last"], case, "Surn")
        return {"full": f"{first} {last}", "first": first, "last_first": f"{last} {first}"}.get(form, f"{first} {last}")
    form = rng.choice(["full", "full", "first", "comma", "slug", "hashtag"])
    first, last = p["first"], p["last"]
    return {
        "full": f"{first} {last}",
        "first": first,
        "comma": f"{last}, {first}",
        "slug": f"{first.lower()}-{last.lower()}",
        "hashtag": f"#{first}{last}",
    }[form]


def testimony(rng: random.Random, number: int) -> dict:
    lang = rng.choice(["ru", "ru", "en"])
    c = Case(lang)
    witness, friend = person(rng, lang), person(rng, lang)
    official = rng.choice(OFFICIALS)
    place = rng.choice(PLACES_RU if lang == "ru" else PLACES_EN)
    year = rng.choice(["2017", "2018", "2019"])
    login = "".join(
        c
        for c in roman(witness["cyr"][1] if witness.get("cyr") else witness["last"], "en").lower()
        if c.isascii() and c.isalpha()
    )[:6]
    login = f"{login or 'user'}{rng.randint(10, 99)}"
    digits = "".join(rng.choice(string.digits) for _ in range(15))
    card = luhn_complete("2202" + "".join(rng.choice(string.digits) for _ in range(11)))
    card = " ".join(card[i : i + 4] for i in range(0, 16, 4))
    lat, lon = f"43{rng.choice(',.')}{rng.randint(1000, 9999)}", f"45{rng.choice(',.')}{rng.randint(1000, 9999)}"
    house, flat = rng.randint(1, 120), rng.randint(1, 300)
    pieces = []
    if lang == "ru":
        pieces.append(
            [
                "Меня зовут ",
                (mention(rng, witness, lang), "PERSON", "w"),
                ". В ",
                ("decoy", year, "EVENT_DATE"),
                " году меня задержали в городе ",
                ("decoy", place, "PLACE"),
                ".\n",
            ]
        )
        pieces.append(
            [
                "Вместе со мной держали ",
                (mention(rng, friend, lang, "accs"), "PERSON", "f"),
                ". ",
                "Его номер ",
                (phone(rng), "PHONE", "p1"),
                ", почта ",
                (email(rng, login), "EMAIL", "e1"),
                ".\n",
            ]
        )
        pieces.append(
            [
                rng.choice(["Телега: ", "tg: ", "Телеграм: ", "ник: "]),
                (f"{login}_tg", "HANDLE", "h1"),
                ", страница ",
                (f"vk.com/id{digits[:8]}", "HANDLE", "h2"),
                ".\n",
            ]
        )
        pieces.append(
            [
                "Я жил по адресу ул. ",
                (f"{rng.choice(STREETS_RU)}, д. {house}, кв. {flat}", "ADDRESS", "a"),
                ". Он прислал координаты ",
                (f"{lat} с.ш., {lon} в.д.", "GPS", "g"),
                ".\n",
            ]
        )
        pieces.append(
            ["Деньги на адвоката переводили на карту ", (card, "ID", "c"), ", IBAN ", (iban(rng), "ID", "i"), ".\n"]
        )
        pieces.append(
            [
                ("decoy", official[0], "PUBLIC_PERSON"),
                ", ",
                official[1],
                ", заявил, что ничего не было. ",
                "Нам помогли ",
                ("decoy", rng.choice(ORGS), "ORG"),
                ".\n",
            ]
        )
    else:
        pieces.append(
            [
                "My name is ",
                (mention(rng, witness, lang), "PERSON", "w"),
                ". In ",
                ("decoy", year, "EVENT_DATE"),
                " I was detained in ",
                ("decoy", place, "PLACE"),
                ".\n",
            ]
        )
        pieces.append(
            [
                "They held me with ",
                (mention(rng, friend, lang), "PERSON", "f"),
                ". ",
                "Call him on ",
                (phone(rng), "PHONE", "p1"),
                " or write to ",
                (email(rng, login), "EMAIL", "e1"),
                ".\n",
            ]
        )
        pieces.append(
            [
                rng.choice(["Telegram: ", "tg: ", "Signal: ", "nick: "]),
                (f"{login}_tg", "HANDLE", "h1"),
                ", VK id ",
                (digits[:8], "HANDLE", "h2"),
                ".\n",
            ]
        )
        pieces.append(
            [
                "I lived at ",
                (f"{house} {rng.choice(STREETS_EN)} Street, flat {flat}", "ADDRESS", "a"),
                ". He sent the position ",
                (f"N {lat.replace(',', '.')} E {lon.replace(',', '.')}", "GPS", "g"),
                ".\n",
            ]
        )
        pieces.append(
            ["Money for the lawyer went to card ", (card, "ID", "c"), " and IBAN ", (iban(rng), "ID", "i"), ".\n"]
        )
        pieces.append(
            [
                ("decoy", official[2], "PUBLIC_PERSON"),
                ", the ",
                official[3],
                ", denied it. ",
                "We were helped by ",
                ("decoy", rng.choice(ORGS), "ORG"),
                ".\n",
            ]
        )
    rng.shuffle(pieces[1:-1])
    for piece in pieces:
        c.add(*piece)
    names = []
    if rng.random() < 0.5:  # the custodian protected the witness
        first, last = witness["cyr"] if witness.get("cyr") else (witness["first"], witness["last"])
        names = [f"{first} {last}"]
    return {
        "id": f"g{number:04d}",
        "lang": lang,
        "mixed": False,
        "text": c.text,
        "names": names,
        "spans": c.spans,
        "decoys": c.decoys,
    }


def generate(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [testimony(rng, n) for n in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with args.out.open("w", encoding="utf-8") as out:
        for case in generate(args.count, args.seed):
            out.write(json.dumps(case, ensure_ascii=False) + "\n")
    print(f"{args.count} testimonies written to {args.out}")


if __name__ == "__main__":
    main()
