"""A synthetic corpus for benchmarks: plausible structure, invented text, clearly labelled.

Never loaded by default. Every document says SYNTHETIC in its title, tags and body, so that a
generated record can never be mistaken for evidence.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import yaml

SAMPLE_CASE = "synthetic-sample"
_KINDS = ("testimony", "news_report", "official_statement")
_PLACES = ("Grozny", "Argun", "Gudermes", "Shali", "Urus-Martan", "Moscow", "Nalchik")
_TAGS = ("detention", "torture", "denial", "refugees", "hotline", "family", "police")
_EN = (
    "the men were held at a former military base for several days",
    "officials denied that any detentions had taken place",
    "relatives were summoned and told to deal with the matter themselves",
    "the hotline recorded new calls from people seeking evacuation",
    "investigators declined to open a criminal case",
    "witnesses describe beatings and electric shocks during interrogation",
    "phones were searched for the contacts of other men",
    "the statement called the reports provocations and lies",
    "a safe house arranged onward travel for those at risk",
    "journalists were unable to verify the number of detainees",
)
_RU = (
    "мужчин несколько дней удерживали на территории бывшей воинской части",
    "официальные лица отрицали, что задержания вообще происходили",
    "родственников вызвали и предложили решить вопрос самим",
    "на горячую линию поступили новые обращения от людей, просивших об эвакуации",
    "следователи отказались возбуждать уголовное дело",
    "свидетели рассказывают об избиениях и пытках током во время допросов",
    "телефоны задержанных проверяли в поисках контактов других мужчин",
    "в заявлении сообщения назвали провокацией и ложью",
    "через убежище удалось организовать дальнейший выезд для тех, кому грозила опасность",
    "журналисты не смогли проверить число задержанных",
)


def sample_case() -> tuple[str, bytes]:
    """Return the case file of the synthetic corpus."""
    return "case.yaml", _yaml(
        {
            "slug": SAMPLE_CASE,
            "title": "SYNTHETIC sample case (benchmarks only)",
            "summary": "Generated text for measuring the archive. Not evidence; not real events.",
            "region": "synthetic",
            "period": "2015/2020",
        }
    )


_CONSONANTS = {"en": "bdklmnrstvz", "ru": "бдклмнрствз"}
_VOWELS = {"en": "aeiou", "ru": "аеиоу"}


def _vocabulary(rng: random.Random, language: str, size: int = 20_000) -> list[str]:
    """Invented words, shortest first: the order in which _sentence favours them."""
    syllables = [c + v for c in _CONSONANTS[language] for v in _VOWELS[language]]
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size)}
    return sorted(words, key=lambda w: (len(w), w))


def _sentence(rng: random.Random, pool: tuple[str, ...], vocabulary: list[str]) -> str:
    """A sentence from the pool, or invented words with a Zipf-like spread of frequencies."""
    if rng.random() < 0.3:
        return rng.choice(pool).capitalize() + "."
    # rank = n ** u for uniform u: the word of rank r comes up about 1/r as often as the first
    words = [sample_word(rng, vocabulary) for _ in range(rng.randint(6, 15))]
    return " ".join(words).capitalize() + "."


def sample_vocabularies(seed: int = 1) -> dict[str, list[str]]:
    """The invented words of each language's synthetic documents, most frequent first."""
    return {
        lang: _vocabulary(random.Random(seed + i), lang)  # noqa: S311
        for i, lang in enumerate(("en", "ru"))
    }


def sample_word(rng: random.Random, vocabulary: list[str]) -> str:
    """An invented word, drawn as the documents draw them: rank r about 1/r as often as
    the first."""
    return vocabulary[int(len(vocabulary) ** rng.random()) - 1]


def sample_documents(count: int, seed: int = 1) -> Iterator[tuple[str, bytes]]:
    """Yield (file name, Markdown bytes) for count synthetic documents, reproducibly."""
    rng = random.Random(seed)  # noqa: S311 - reproducible text, not secrets
    vocabularies = sample_vocabularies(seed)
    width = max(5, len(str(count)))
    for n in range(1, count + 1):
        language = "ru" if rng.random() < 0.5 else "en"
        pool = _RU if language == "ru" else _EN
        year, month = rng.randint(2015, 2020), rng.randint(1, 12)
        sentences = [_sentence(rng, pool, vocabularies[language]) for _ in range(rng.randint(4, 14))]
        front = {
            "slug": f"synthetic-{n:0{width}d}",
            "case": SAMPLE_CASE,
            "kind": rng.choice(_KINDS),
            "title": f"SYNTHETIC {n}: {rng.choice(pool)[:60]}",
            "language": language,
            "published": f"{year}-{month:02d}",
            "events": f"{year}-{month:02d}",
            "places": rng.sample(_PLACES, rng.randint(1, 2)),
            "tags": ["synthetic", *rng.sample(_TAGS, rng.randint(1, 3))],
            "consent": rng.choice(("public", "public", "researchers", "custodians")),
            "status": "published",
            "redaction": "reviewed",  # invented text: nothing to protect
            # invented, so neither source nor information can be judged
            "grading": {"source": "F", "information": "6", "note": "Invented by the generator."},
            "source": {"outlet": "Synthetic generator", "reliability": "Invented text."},
            "attribution": "Generated by `archive generate-sample`; not evidence.",
        }
        body = "_Synthetic document for benchmarks._\n\n" + " ".join(sentences) + "\n"
        yield f"documents/{n:0{width}d}.md", b"---\n" + _yaml(front) + b"---\n" + body.encode()


def _yaml(data: dict) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()
