"""Identifiers with a shape: each is replaced by its typed marker, and the text around it stays.

Every table row is (sentence, identifier): the sentence redacted must equal the sentence with
the identifier, and only the identifier, replaced by the marker.
"""

from __future__ import annotations

import pytest

from archive.redaction import redact
from archive.redaction.patterns import detect_patterns


def assert_only_identifier_replaced(text: str, identifier: str, marker: str, kind: str):
    assert text.count(identifier) == 1, "the table's sentence must hold the identifier once"
    result = redact(text)
    assert result.text == text.replace(identifier, f"[{marker}]")
    assert [s.type for s in result.spans] == [kind]


EMAILS = [
    ("Write to movsar.d@mail.ru if you need me.", "movsar.d@mail.ru"),
    ("Write to MOVSAR.D@MAIL.RU if you need me.", "MOVSAR.D@MAIL.RU"),
    ("Пишите мне на aishat_1995@yandex.ru, я отвечу.", "aishat_1995@yandex.ru"),
    ("Пишите: zelim95 [at] mail [dot] ru, он ответит.", "zelim95 [at] mail [dot] ru"),
    ("Адрес zelim95 (at) gmail (dot) com он дал сам.", "zelim95 (at) gmail (dot) com"),
]
HANDLES = [
    ("His Telegram handle was @movsar_95 and he posted there.", "@movsar_95"),
    ("Ссылка на канал: t.me/gudermes_news — там всё было.", "t.me/gudermes_news"),
    ("Профиль https://vk.com/id123456 удалили через неделю.", "https://vk.com/id123456"),
    ("Страница vk.com/aishat.m была открыта.", "vk.com/aishat.m"),
    ("See instagram.com/zelim.khan/ for the photos.", "instagram.com/zelim.khan/"),
    (
        "His account facebook.com/profile.php?id=100012345678 disappeared.",
        "facebook.com/profile.php?id=100012345678",
    ),
    ("Telegram: movsar_d, he answered at once.", "movsar_d"),
    ("Телеграм: dzhokhar_95, пишите туда.", "dzhokhar_95"),
]
IPS = [
    ("The server logged 192.168.14.7 at night.", "192.168.14.7"),
    ("Последний вход был с адреса 10.0.0.1.", "10.0.0.1"),
    (
        "The log shows 2001:0db8:85a3:0000:0000:8a2e:0370:7334 twice.",
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
    ),
    ("The log shows 2001:db8:85a3::8a2e:370:7334 twice.", "2001:db8:85a3::8a2e:370:7334"),
    ("The log shows fe80::1ff:fe23:4567:890a twice.", "fe80::1ff:fe23:4567:890a"),
]
IMEIS = [
    ("IMEI 356938035643809 записан в протоколе.", "356938035643809"),
    ("IMEI: 35-693803-564380-9 записан в протоколе.", "35-693803-564380-9"),
    ("IMEI 35 693803 564380 9 записан в протоколе.", "35 693803 564380 9"),
    ("Имей телефона: 861536030196001.", "861536030196001"),
    ("В протоколе записан 356938035643809, это его телефон.", "356938035643809"),
    ("В протоколе записан 35-693803-564380-9, это его телефон.", "35-693803-564380-9"),
    ("В протоколе записан 35 693803 564380 9, это его телефон.", "35 693803 564380 9"),
]
PASSPORTS = [
    ("У него забрали паспорт серия 45 22 № 415433 и телефон.", "45 22 № 415433"),
    ("Мой паспорт 4522 415433 остался у них.", "4522 415433"),
    ("They kept my passport 45 22 415433 for a month.", "45 22 415433"),
    ("Паспорт: серия 45 22, номер 415433.", "45 22, номер 415433"),
    ("Мой загранпаспорт 75 1234567 забрали на границе.", "75 1234567"),
]
ID_NUMBERS = [
    ("СНИЛС 123-456-789 01 указан в справке.", "123-456-789 01"),
    ("Его ИНН 201234567890 есть в базе.", "201234567890"),
    ("Водительское удостоверение 99 12 345678 изъяли.", "99 12 345678"),
    ("They took my driving licence 9912 345678 too.", "9912 345678"),
]
PLATES = [
    ("Его увезли на машине А123ВС 95 без номеров на дверях.", "А123ВС 95"),  # Cyrillic
    ("The car A123BC95 was parked by the gate.", "A123BC95"),  # Latin look-alikes
    ("Номер машины Н 279 ТА 95 мы запомнили.", "Н 279 ТА 95"),
    ("Приехала «Приора» С090РК/95 и двое в форме.", "С090РК/95"),
    ("Номер У781ХН 95 RUS я видел сам.", "У781ХН 95 RUS"),
]
COORDINATES = [
    ("Он прислал координаты 43.3169, 45.6981 и пропал.", "43.3169, 45.6981"),
    ("They held us at 43.3169° N, 45.6981° E for a week.", "43.3169° N, 45.6981° E"),
    ("Точка 43°19'01\"N 45°41'53\"E — это база.", "43°19'01\"N 45°41'53\"E"),
    (
        "He sent https://maps.google.com/?q=43.3169,45.6981 before the arrest.",
        "https://maps.google.com/?q=43.3169,45.6981",
    ),
    (
        "Ссылка https://www.google.com/maps?q=43.2941,45.8712 — там дом.",
        "https://www.google.com/maps?q=43.2941,45.8712",
    ),
]
BIRTH_DATES = [
    ("He was born in 1993 and grew up in Argun.", "1993"),
    ("He was born on 28 April 1989, the eldest son.", "28 April 1989"),
    ("Задержанный, 1979 г.р., был избит.", "1979"),
    ("Он родился 23 декабря 1991 года в Гудермесе.", "23 декабря 1991"),
    ("Дата рождения: 16.03.1984, место рождения не указано.", "16.03.1984"),
]
EVENT_DATES = [
    "Его задержали 26 марта 2017 года.",
    "It happened in April 2017, during Ramadan preparations.",
    "On 28 April 2017 they released me.",
    "В 2017 году задержали не менее 27 человек.",
    "Он родился и вырос в Аргуне.",
]
ADDRESSES = [
    ("Меня забрали из дома по адресу ул. Береговая, д. 8, кв. 82.", "ул. Береговая, д. 8, кв. 82"),
    ("Адрес: улица Полевая, дом 1, Аргун.", "улица Полевая, дом 1"),
    ("Квартиру на пр-т Победы, д. 32, кв. 25 опечатали.", "пр-т Победы, д. 32, кв. 25"),
    ("They searched 102 Beregovaya Street, apt. 96 at dawn.", "102 Beregovaya Street, apt. 96"),
    ("My aunt's flat, Sadovaya St. 46, flat 25, was searched.", "Sadovaya St. 46, flat 25"),
]
WORKPLACES = [
    ("Он работал в кафе «Шовда» на рынке.", "кафе «Шовда»"),
    ("Я работал на автомойке «Аврора» три года.", "автомойке «Аврора»"),
    ("He worked at the Mobitek phone shop for two years.", "Mobitek phone shop"),
]


@pytest.mark.parametrize(("text", "identifier"), EMAILS)
def test_email_is_replaced(text, identifier):
    assert_only_identifier_replaced(text, identifier, "email", "EMAIL")


@pytest.mark.parametrize(("text", "identifier"), HANDLES)
def test_messenger_handle_and_profile_url_are_replaced(text, identifier):
    assert_only_identifier_replaced(text, identifier, "handle", "HANDLE")


@pytest.mark.parametrize(("text", "identifier"), IPS)
def test_ip_address_is_replaced(text, identifier):
    assert_only_identifier_replaced(text, identifier, "ip address", "IP")


@pytest.mark.parametrize(("text", "identifier"), IMEIS)
def test_imei_is_replaced_with_or_without_the_word_imei(text, identifier):
    assert_only_identifier_replaced(text, identifier, "imei", "IMEI")


@pytest.mark.parametrize(("text", "identifier"), PASSPORTS)
def test_passport_number_is_replaced(text, identifier):
    assert_only_identifier_replaced(text, identifier, "passport", "PASSPORT")


@pytest.mark.parametrize(("text", "identifier"), ID_NUMBERS)
def test_snils_inn_and_driving_licence_are_replaced(text, identifier):
    assert_only_identifier_replaced(text, identifier, "id number", "ID")


@pytest.mark.parametrize(("text", "identifier"), PLATES)
def test_number_plate_is_replaced(text, identifier):
    assert_only_identifier_replaced(text, identifier, "plate", "PLATE")


@pytest.mark.parametrize(("text", "identifier"), COORDINATES)
def test_gps_coordinates_are_replaced(text, identifier):
    assert_only_identifier_replaced(text, identifier, "coordinates", "GPS")


@pytest.mark.parametrize(("text", "identifier"), BIRTH_DATES)
def test_date_of_birth_is_replaced(text, identifier):
    assert_only_identifier_replaced(text, identifier, "date of birth", "DOB")


@pytest.mark.parametrize("text", EVENT_DATES)
def test_event_dates_are_kept(text):
    assert redact(text).text == text


@pytest.mark.parametrize(("text", "identifier"), ADDRESSES)
def test_street_address_is_replaced(text, identifier):
    assert_only_identifier_replaced(text, identifier, "address", "ADDRESS")


@pytest.mark.parametrize(("text", "identifier"), WORKPLACES)
def test_workplace_of_a_person_is_replaced(text, identifier):
    assert_only_identifier_replaced(text, identifier, "workplace", "WORKPLACE")


@pytest.mark.parametrize(
    "text",
    [
        "Мы пили чай в кафе у дороги.",
        "The shop was closed on Friday.",
        "Позвоните на горячую линию сети.",
        "Report 2017/04, pages 12-45.",
    ],
)
def test_ordinary_text_has_no_shaped_identifier(text):
    assert detect_patterns(text) == []


def test_a_number_split_across_a_line_break_is_found_whole():
    text = "Паспорт серия 45 22\n№ 415433 остался у них."
    [span] = [s for s in detect_patterns(text) if s.type == "PASSPORT"]
    assert text[span.start : span.end] == "45 22\n№ 415433"
