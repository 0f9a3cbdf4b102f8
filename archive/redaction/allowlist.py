"""Public people and organisations of the record: named in the public text, never redacted.

Officials who ordered, carried out or denied the abuses, and the organisations and journalists
who documented them, are facts researchers need. Each case can add its own (custodians edit the
case's list); these defaults cover the Chechnya 2017 record and Russian federal office holders.
"""

from __future__ import annotations

from collections.abc import Iterable

from archive.redaction.names import WORD, word_keys
from archive.redaction.ner import is_given_name
from archive.translit import skeleton

DEFAULT_PUBLIC = (
    # Chechen Republic and its security services
    "Ramzan Kadyrov", "Рамзан Кадыров", "Akhmat Kadyrov", "Ахмат Кадыров",
    "Magomed Daudov", "Магомед Даудов", "Alvi Karimov", "Альви Каримов",
    "Ayub Kataev", "Аюб Катаев", "Adam Delimkhanov", "Адам Делимханов",
    "Apti Alaudinov", "Апти Алаудинов", "Dzhambulat Umarov", "Джамбулат Умаров",
    "Kheda Saratova", "Хеда Саратова", "Abuzaid Vismuradov", "Абузайд Висмурадов",
    # Russian federal officials
    "Vladimir Putin", "Владимир Путин", "Dmitry Peskov", "Дмитрий Песков",
    "Tatyana Moskalkova", "Татьяна Москалькова", "Sergei Lavrov", "Сергей Лавров",
    "Alexander Bastrykin", "Александр Бастрыкин", "Yury Chaika", "Юрий Чайка",
    "Valentina Matviyenko", "Валентина Матвиенко",
    # Journalists, rights defenders and foreign officials of the record
    "Elena Milashina", "Елена Милашина", "Igor Kochetkov", "Игорь Кочетков",
    "Tanya Lokshina", "Таня Локшина", "Tatyana Lokshina", "Татьяна Локшина",
    "Chrystia Freeland", "Кристия Фриланд", "Христя Фриланд", "Христия Фриланд",
    "Justin Trudeau", "Джастин Трюдо",
    "Ahmed Hussen", "Ахмед Хуссен", "John McCain", "Джон Маккейн",
    "Oleg Orlov", "Олег Орлов", "Natalia Estemirova", "Наталья Эстемирова",
    "Maxim Lapunov", "Максим Лапунов", "Kimahli Powell", "Кимали Пауэлл",
)  # fmt: skip
ORGANISATIONS = (
    "Human Rights Watch",
    "Amnesty International",
    "Memorial",
    "Мемориал",
    "Russian LGBT Network",
    "Российская ЛГБТ-сеть",
    "ЛГБТ-сеть",
    "Rainbow Railroad",
    "Novaya Gazeta",
    "Новая газета",
    "Globe and Mail",
    "OSCE",
    "ОБСЕ",
    "UN",
    "ООН",
    "Council of Europe",
    "Совет Европы",
    "Investigative Committee",
    "Следственный комитет",
    "Kremlin",
    "Кремль",
    "FSB",
    "ФСБ",
    "MVD",
    "МВД",
    "Rosgvardia",
    "Росгвардия",
)


class Allowlist:
    """Surnames and full names that stay readable; matched in any case and script."""

    def __init__(self, names: Iterable[str] = DEFAULT_PUBLIC):
        self._surnames: set[str] = set()
        self._full: set[tuple[str, ...]] = set()
        self._by_part: dict[str, set[tuple[str, ...]]] = {}  # a part of a full name → the names
        self._covered: dict[str, bool] = {}
        for name in names:
            tokens = WORD.findall(name)
            if not tokens:
                continue
            self._surnames.add(skeleton(tokens[-1]))
            full = tuple(skeleton(t) for t in tokens)
            self._full.add(full)
            for part in full:
                self._by_part.setdefault(part, set()).add(full)

    def registered_alone(self, name: str) -> bool:
        """Whether the word is a public name registered on its own ("Hamzat", a pseudonym the
        press gave a witness), not only as one part of a full name."""
        tokens = WORD.findall(name)
        return len(tokens) == 1 and any(len(full) == 1 and full[0] in word_keys(tokens[0]) for full in self._full)

    def namesake_in(self, surname: str, text: str) -> bool:
        """Whether the text names someone with this surname and a first name no public person
        with it has ("Лечи Умаров" beside Джамбулат Умаров the official)."""
        tokens = WORD.findall(surname)
        if not tokens:
            return False
        keys = set(word_keys(tokens[0]))
        firsts = {full[0] for full in self._full if len(full) > 1 and full[-1] in keys}
        words = list(WORD.finditer(text))
        for i, match in enumerate(words):
            if not keys & set(word_keys(match.group(0))):
                continue
            # the words right beside it, with nothing but a space between (not "Кадырову. Дарье")
            around = (words[i - 1] if i else None, words[i + 1] if i + 1 < len(words) else None)
            beside = [
                other
                for other in around
                if other is not None
                and text[min(other.end(), match.end()) : max(other.start(), match.start())].strip() in ("", ",")
            ]
            for other in beside:
                word = other.group(0)
                if word[:1].isupper() and not firsts & set(word_keys(word)) and is_given_name(word):
                    return True
        return False

    def named_in_full(self, surname: str, text: str) -> bool:
        """Whether the text names in full a public person whose surname this word is (Кадыров
        with Рамзан Кадыров somewhere in the text), in any case form and script."""
        keys = set(word_keys(surname.split()[0])) if surname.split() else set()
        fulls = [full for full in self._full if len(full) > 1 and full[-1] in keys]
        if not fulls:
            return False
        words = [set(word_keys(w)) for w in WORD.findall(text)]
        for full in fulls:
            for i in range(len(words) - 1):
                pair = (words[i], words[i + 1])
                if (full[0] in pair[0] and full[-1] in pair[1]) or (full[-1] in pair[0] and full[0] in pair[1]):
                    return True
        return False

    def covers(self, text: str) -> bool:
        """Return whether a detected name is a public person of the record."""
        if text not in self._covered:
            if len(self._covered) > 50_000:
                self._covered.clear()
            self._covered[text] = self._covers(text)
        return self._covered[text]

    def _covers(self, text: str) -> bool:
        tokens = WORD.findall(text)
        if not tokens:
            return False
        if len(tokens) == 1:
            return any(key in self._surnames for key in word_keys(tokens[0]))
        # With a first name present, the whole name must be a public one (any order, any case
        # form): Лечи Умаров the neighbour is not Джамбулат Умаров the official.
        keys = [set(word_keys(t)) for t in tokens]
        candidates = {full for k in keys for key in k for full in self._by_part.get(key, ())}
        return any(all(any(part in k for k in keys) for part in full) for full in candidates)
