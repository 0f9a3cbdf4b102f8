"""Romanisations of Russian Cyrillic, written from each system's table, to test that search reads them
all back: BGN/PCGN, ISO 9, ICAO 9303 (passports), German (Duden), French, and the newspapers'
plain spellings (Sergei, Dmitri). Each table is the letters where the system differs from BGN."""

from __future__ import annotations

ALPHABET = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
BGN = dict(
    zip(ALPHABET, "a b v g d e ë zh z i y k l m n o p r s t u f kh ts ch sh shch ” y ’ e yu ya".split(), strict=True)  # noqa: SIM905
)
ISO9 = BGN | dict(ж="ž", й="j", х="h", ц="c", ч="č", ш="š", щ="ŝ", ъ="ʺ", ь="ʹ", э="è", ю="û", я="â")
ICAO = BGN | dict(ё="e", й="i", ъ="ie", ь="", ю="iu", я="ia")
GERMAN = BGN | dict(в="w", ё="jo", ж="sch", з="s", й="j", х="ch", ц="z", ч="tsch", ш="sch", щ="schtsch", ъ="",
                    ь="", ю="ju", я="ja")  # fmt: skip
FRENCH = BGN | dict(ё="io", ж="j", й="ï", у="ou", ч="tch", ш="ch", щ="chtch", ъ="", ь="", ю="iou", я="ia")
POPULAR = BGN | dict(ё="yo", ъ="", ь="", й="i")  # newspapers: Sergei, Dmitri
SYSTEMS = {"bgn": BGN, "iso9": ISO9, "icao": ICAO, "german": GERMAN, "french": FRENCH, "popular": POPULAR}
VOWELS = "аеёиоуыэюяъь"


def romanise(word: str, table: dict, system: str = "") -> str:
    """The word as the system writes it, with the rules beyond single letters that matter here:
    е after a vowel or at the start is ye (je in German); the newspapers drop the й of -ий."""
    out = []
    low = word.lower()
    for i, ch in enumerate(low):
        letter = table.get(ch, ch)
        if system == "popular" and ch == "й" and i == len(low) - 1 and i and low[i - 1] in "иы":
            letter = ""  # Дмитрий → Dmitri
        if ch == "е" and (i == 0 or low[i - 1] in VOWELS):
            letter = {"bgn": "ye", "popular": "ye", "german": "je"}.get(system, letter)
        out.append(letter)
    spelled = "".join(out)
    return spelled[:1].upper() + spelled[1:]


NAMES = """Гусейнов Кадыров Рамзан Хамзат Зелимхан Юрий Дмитрий Сергей Алексей Андрей Горбачёв Хрущёв Шамиль Ахмат
Малика Грозный Аргун Шали Гудермес Беслан Цой Ковалёв Соловьёв Васильев Николаев Зайцев Чечня Ингушетия Назрань
Магомед Муса Ибрагим Исмаил Лечи Адам Айшат Зарема Хеда Мадина Ислам Умар Алиев Исаев Ахмедов Дудаев Масхадов
Басаев Евлоев Мальсагов Яндиев Жуков Щукин Яковлев Ермаков Юсупов Эльмурзаев Тимур Руслан Азамат Ильяс Вайнах
Курчалой Ведено Урус-Мартан Ачхой-Мартан Наур Шелковская Кизляр Хасавюрт Махачкала Дербент Нальчик Владикавказ
Ростов Москва Петербург Екатеринбург Новосибирск Волгоград Ставрополь Краснодар Пятигорск Моздок""".split()  # noqa: SIM905
