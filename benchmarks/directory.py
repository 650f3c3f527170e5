"""The employee directory at 100,000 employees: search latency through the API next to the same
SQL on a bare asyncpg connection, and the Excel import and export next to openpyxl alone.

Run from the repository root with the venv's Python:

    python benchmarks/directory.py [--employees 100000] [--queries 500] [--keep]

A deterministic generator writes the workbook: Russian names with their gender endings and
patronymics, some Latin names, departments in ten branches, positions, phones as people type
them, extensions, e-mails, Telegram names, workstations (ws-...), IPs (10.x.y.z), MACs and
personnel numbers, in the format `tbot directory import` reads (`write_directory`). One
`tbot up --role api` node runs on the embedded PostgreSQL and Redis of a temp folder; the import
and the export are the operator's CLI commands, attached to the node's servers. The last line is
machine-readable:

    search_p50_ms=X search_p99_ms=X raw_p50_ms=X ratio_p50=X import_100k_s=X
    openpyxl_read_100k_s=X import_ratio=X export_100k_s=X

(one line). Goals missed are reported, not failed: the exit code is 0 unless the benchmark
itself broke (a command that failed, a node that would not start or stop cleanly, an answer
other than expected).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import re
import resource
import secrets
import signal
import statistics
import sys
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg  # type: ignore[import-untyped]
import psutil  # type: ignore[import-untyped]
from openpyxl import load_workbook
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from _harness import (
    ADMIN,
    BenchmarkError,
    Child,
    Children,
    child_env,
    embedded_pids,
    interrupt,
    prepare_api_node,
    report_complaints,
    say,
    stop_node,
    stop_tree,
    temp_folder,
    wait_for_200,
)
from tbot.adapters.embedded.ports import LOCALHOST, free_port
from tbot.adapters.excel.directory_reader import CHUNK_ROWS, read_directory
from tbot.adapters.excel.directory_writer import write_directory
from tbot.adapters.phones.normalizer import PhonenumbersNormalizer
from tbot.adapters.postgres.directory import search as search_adapter
from tbot.adapters.postgres.directory.employees import (
    lexicon_words,
    name_token_rows,
    phone_digits,
)
from tbot.adapters.postgres.directory.search import PostgresDirectorySearch
from tbot.application.directory.drafts import (
    EmployeeDraft,
    WorkstationDraft,
    validate_employee,
    validate_workstation,
)
from tbot.application.directory.query_parser import could_be_name, name_plan, parse_query
from tbot.application.ports.directory import SearchKind, SearchPlan
from tbot.domain.directory.model import Employee, Workstation
from tbot.domain.directory.text import fold, swap_layout, to_latin

# The goals.
GOAL_RATIO_P50 = 1.5  # API search p50 / the same SQL on plain asyncpg
GOAL_P99_MS = 20.0
GOAL_IMPORT_RATIO = 2.0  # `tbot directory import` / openpyxl alone reading the same file

# Raised so that the limiter never refuses; it still runs on every authenticated request.
SEARCH_ROUTE = "/api/v1/employees/search"
LOGIN_ROUTE = "/api/v1/auth/login"
PAGE = 20  # the API's default page; the use case asks the adapter for one more row
NODE_TIMEOUT_S = 120.0
POLL_S = 0.25
PROGRESS_EVERY_S = 15.0
# The tables a search reads: the import must be analysed before they are searched.
SEARCH_TABLES = (
    "departments",
    "employees",
    "name_tokens",
    "name_lexicon",
    "phone_keys",
    "workstations",
    "workstation_addresses",
    "employee_workstations",
)


# ---------------------------------------------------------------- the generator


def _words(text: str) -> list[str]:
    return text.split()


# Surnames in their masculine form, most common first (the draw favours the head of the list,
# as real directories do: many Ивановы, few Ерёмины). Feminine forms follow the rules in
# `_feminine`: -ов/-ев/-ин/-ын + а, -ский/-цкий -> -ская/-цкая, -ой/-ый -> -ая, others unchanged.
SURNAMES = _words(
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов"
    " Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев"
    " Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв"
    " Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков"
    " Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров"
    " Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов"
    " Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов"
    " Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин"
    " Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев Воронин Климов Филатов Пономарёв"
    " Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников Трофимов Леонов Соболев"
    " Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин Ефремов Архипов"
    " Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов"
    " Анисимов Ерёмин Тихомиров Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов"
    " Прокофьев Харитонов Князев Цветков Левин Митрофанов Воронов Аксёнов Софронов Мальцев"
    " Логинов Горшков Савин Краснов Майоров Демидов Елисеев Рыбаков Сафонов Плотников Дёмин"
    " Хохлов Жданов Ахметов Галиев Сафин Алиев Мамедов Гасанов Юсупов Хабибуллин Нуриев"
    " Островский Вишневский Покровский Заболоцкий Белецкий Жуковский Добровольский Садовский"
    " Яблонский Соколовский Оболенский Трубецкой Толстой Шевченко Бондаренко Коваленко Ткаченко"
    " Кравченко Лысенко Левченко Сидоренко Руденко Ковальчук Полищук Савчук Марчук Бойко"
    " Карпович Бабич Черных Седых Белых Долгих"
)
MALE_NAMES = _words(
    "Александр Сергей Дмитрий Андрей Алексей Максим Евгений Иван Михаил Владимир Артём Николай"
    " Денис Павел Роман Игорь Олег Виктор Юрий Антон Илья Никита Кирилл Константин Вадим"
    " Вячеслав Георгий Григорий Егор Леонид Борис Василий Анатолий Валерий Станислав Тимур"
    " Руслан Фёдор Пётр Степан Глеб Матвей Ярослав Лев Геннадий Аркадий"
)
FEMALE_NAMES = _words(
    "Елена Ольга Наталья Татьяна Ирина Светлана Анна Мария Екатерина Юлия Марина Анастасия"
    " Людмила Галина Дарья Оксана Ксения Виктория Алёна Надежда Валентина Евгения Вера Полина"
    " Любовь Лариса Алина Кристина Софья Нина Яна Маргарита Елизавета Жанна Зоя Инна Лидия Раиса"
    " Тамара Алла"
)
# The fathers' names patronymics are made from (Артём, Глеб, Матвей, Ярослав are young names).
FATHERS = [n for n in MALE_NAMES if n not in {"Артём", "Глеб", "Матвей", "Ярослав", "Тимур"}]
_PATRONYMIC_EXCEPTIONS = {
    "Илья": ("Ильич", "Ильинична"),
    "Никита": ("Никитич", "Никитична"),
    "Лев": ("Львович", "Львовна"),
    "Пётр": ("Петрович", "Петровна"),
    "Павел": ("Павлович", "Павловна"),
    "Михаил": ("Михайлович", "Михайловна"),
    "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Георгий": ("Георгиевич", "Георгиевна"),
}
LATIN_SURNAMES = _words(
    "Smith Johnson Brown Miller Wilson Taylor Anderson Müller Schmidt Schneider Fischer Weber"
    " Meyer Garcia Martinez Rossi Bianchi Dupont Martin Bernard Nowak Kowalski O'Brien"
)
LATIN_MALE = _words("John Michael David James Robert Thomas Peter Hans Klaus Marco Luca Pierre Jan")
LATIN_FEMALE = _words("Emily Anna Laura Sophie Marie Sarah Olivia Julia Claire Eva")

# (branch, its code in host names, city code of its phones)
BRANCHES = (
    ("Москва", "msk", "495"),
    ("Санкт-Петербург", "spb", "812"),
    ("Казань", "kzn", "843"),
    ("Екатеринбург", "ekb", "343"),
    ("Новосибирск", "nsk", "383"),
    ("Нижний Новгород", "nnv", "831"),
    ("Самара", "sam", "846"),
    ("Ростов-на-Дону", "rnd", "863"),
    ("Краснодар", "krd", "861"),
    ("Пермь", "prm", "342"),
)
# (function, its code in host names, relative size, its own positions)
FUNCTIONS = (
    ("Отдел продаж", "sales", 14, ("Менеджер по продажам", "Старший менеджер по продажам")),
    ("Контакт-центр", "cc", 12, ("Оператор контакт-центра", "Старший оператор")),
    ("Производственный отдел", "prod", 10, ("Инженер-технолог", "Мастер участка", "Технолог")),
    ("Склад", "sklad", 8, ("Кладовщик", "Комплектовщик", "Заведующий складом")),
    ("Служба логистики", "log", 6, ("Логист", "Диспетчер", "Экспедитор")),
    ("Бухгалтерия", "buh", 5, ("Бухгалтер", "Главный бухгалтер", "Кассир", "Экономист")),
    ("Служба информационных технологий", "it", 5,
     ("Системный администратор", "Инженер техподдержки", "Программист", "Сетевой инженер")),
    ("Отдел кадров", "hr", 3, ("Специалист по кадрам", "Инспектор по кадрам", "Рекрутер")),
    ("Отдел закупок", "zak", 3, ("Специалист по закупкам", "Менеджер по закупкам")),
    ("Отдел маркетинга", "mkt", 3, ("Маркетолог", "Дизайнер", "Аналитик")),
    ("Юридический отдел", "law", 2, ("Юрист", "Юрисконсульт", "Помощник юриста")),
    ("Служба безопасности", "sec", 2, ("Специалист по безопасности", "Охранник")),
    ("Отдел качества", "qa", 2, ("Инженер по качеству", "Контролёр ОТК")),
    ("Административно-хозяйственный отдел", "aho", 2,
     ("Завхоз", "Водитель", "Уборщица", "Администратор")),
    ("Планово-экономический отдел", "pes", 2, ("Экономист", "Ведущий экономист")),
    ("Канцелярия", "doc", 1, ("Делопроизводитель", "Секретарь", "Архивариус")),
)  # fmt: skip
COMMON_POSITIONS = (
    "Начальник отдела", "Заместитель начальника отдела", "Ведущий специалист",
    "Главный специалист", "Специалист", "Стажёр",
)  # fmt: skip
MOBILE_CODES = _words(
    "900 901 903 905 906 909 910 912 915 916 917 919 920 921 925 926 929 950 960 977 985 999"
)
OUIS = ("00:1A:A0", "3C:52:82", "D4:BE:D9", "F8:B1:56", "00:25:64", "B8:CA:3A", "18:66:DA")
EMAIL_DOMAIN = "corp.example"


def _feminine(surname: str) -> str:
    for masculine, feminine in (("ский", "ская"), ("цкий", "цкая"), ("ой", "ая"), ("ый", "ая")):
        if surname.endswith(masculine):
            return surname[: -len(masculine)] + feminine
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname  # -енко, -ук, -ич, -их/-ых, -ко: the same for women


def patronymic(father: str, female: bool) -> str:
    """Сергей -> Сергеевич/Сергеевна, Юрий -> Юрьевич, Игорь -> Игоревич, Иван -> Иванович."""
    if father in _PATRONYMIC_EXCEPTIONS:
        return _PATRONYMIC_EXCEPTIONS[father][female]
    if father.endswith("ий"):
        stem = father[:-2] + "ье"
    elif father.endswith(("ей", "ай", "ь")):  # Сергей, Николай, Игорь
        stem = father[:-1] + "е"
    else:
        stem = father + "о"
    return stem + ("вна" if female else "вич")


def _zipf(count: int, exponent: float = 0.5) -> list[float]:
    """Cumulative weights for random.choices: item i drawn in proportion to 1 / (i + 1)^s."""
    total, cumulative = 0.0, []
    for i in range(count):
        total += 1.0 / (i + 1) ** exponent
        cumulative.append(total)
    return cumulative


def _ascii(text: str) -> str:
    latin = to_latin(text) if re.search("[а-яё]", text.lower()) else text.lower()
    folded = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded)


@dataclass
class Department:
    name: str
    host_prefix: str  # ws-<branch>-<function>-
    city_code: str
    positions: tuple[str, ...]
    subnets: list[tuple[int, int]] = field(default_factory=list)  # (second, third) octets
    hosts: int = 0


def departments() -> tuple[list[Department], list[float]]:
    """Every function in every branch ("Отдел продаж (Казань)"), with cumulative weights: the
    head office is three times a branch, and functions differ in size."""
    found, weights, total = [], [], 0.0
    for b, (branch, branch_code, city_code) in enumerate(BRANCHES):
        for name, code, size, own in FUNCTIONS:
            found.append(
                Department(
                    f"{name} ({branch})", f"ws-{branch_code}-{code}-", city_code,
                    own + COMMON_POSITIONS,
                )
            )  # fmt: skip
            total += size * (3.0 if b == 0 else 1.0 / (1 + b * 0.15))
            weights.append(total)
    return found, weights


class Generator:
    """100,000 plausible employees from one seed: the same rows, cell for cell, every run."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.departments, self._department_weights = departments()
        self._surname_weights = _zipf(len(SURNAMES))
        self._emails: set[str] = set()
        self._next_subnet = 0

    def rows(self, count: int) -> list[dict[str, str]]:
        return [self.row(n) for n in range(1, count + 1)]

    def row(self, n: int) -> dict[str, str]:
        rng = self.rng
        department = rng.choices(self.departments, cum_weights=self._department_weights)[0]
        female = rng.random() < 0.5
        if rng.random() < 0.02:  # a foreign colleague, in Latin letters and without patronymic
            last = rng.choice(LATIN_SURNAMES)
            first = rng.choice(LATIN_FEMALE if female else LATIN_MALE)
            middle = ""
        else:
            last = rng.choices(SURNAMES, cum_weights=self._surname_weights)[0]
            last = _feminine(last) if female else last
            first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
            middle = patronymic(rng.choice(FATHERS), female)
        hired = (rng.randint(1995, 2025), rng.randint(1, 12), rng.randint(1, 28))
        row = {
            "last_name": last,
            "first_name": first,
            "middle_name": middle,
            "position": rng.choice(department.positions),
            "department": department.name,
            "room": self._room(),
            "personnel_number": f"{(n * 7919 + 12345) % 1_000_000:06d}",  # unique for n < 10^6
            "hired_on": f"{hired[2]:02d}.{hired[1]:02d}.{hired[0]}" if rng.random() < 0.8 else "",
        }
        if rng.random() < 0.85:
            row["work_phone"] = self._phone(department.city_code)
        if rng.random() < 0.7:
            row["mobile_phone"] = self._phone(rng.choice(MOBILE_CODES))
        if rng.random() < 0.9:
            row["extension"] = str(rng.randint(1000, 9999))
        if rng.random() < 0.92:
            row["email"] = self._email(first, last)
        if rng.random() < 0.25:
            row["telegram_username"] = f"{_ascii(last)[:20] or 'user'}_{_ascii(first)[:1]}{n % 97}"
        if rng.random() < 0.92:
            row.update(self._workstation(department, n))
        status = rng.random()
        if status < 0.04:
            row["status"] = "в отпуске"
        elif status < 0.08:
            row["status"] = "уволен" if not female else "уволена"
            row["dismissed_on"] = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2026"
        return row

    def _room(self) -> str:
        floor, room = self.rng.randint(1, 9), self.rng.randint(1, 40)
        return self.rng.choice((f"{floor}{room:02d}", f"{floor}-{room:02d}", f"{floor}{room:02d}а"))

    def _phone(self, code: str) -> str:
        """A valid Russian number, written the ways people write them."""
        rng = self.rng
        a, b, c = rng.randint(200, 999), rng.randint(0, 99), rng.randint(0, 99)
        return rng.choice(
            (
                f"+7 ({code}) {a}-{b:02d}-{c:02d}",
                f"8 ({code}) {a}-{b:02d}-{c:02d}",
                f"+7 {code} {a} {b:02d} {c:02d}",
                f"8{code}{a}{b:02d}{c:02d}",
                f"+7{code}{a}{b:02d}{c:02d}",
            )
        )

    def _email(self, first: str, last: str) -> str:
        local = f"{_ascii(first)[:1]}.{_ascii(last)}"
        candidate, k = local, 1
        while candidate in self._emails:
            k += 1
            candidate = f"{local}{k}"
        self._emails.add(candidate)
        return f"{candidate}@{EMAIL_DOMAIN}"

    def _workstation(self, department: Department, n: int) -> dict[str, str]:
        """A host name, an address in one of the department's /24s, and a MAC (unique)."""
        index = department.hosts
        department.hosts += 1
        if index % 240 == 0:  # a new /24 for the department: 10.<1..>.<0..255>.0
            subnet = self._next_subnet
            self._next_subnet += 1
            department.subnets.append((1 + subnet // 256, subnet % 256))
        second, third = department.subnets[index // 240]
        low = (n * 2_654_435_761) % (1 << 24)  # a bijection on 24 bits: unique for n < 2^24
        tail = f"{low >> 16:02X}:{(low >> 8) & 0xFF:02X}:{low & 0xFF:02X}"
        mac = f"{OUIS[n % len(OUIS)]}:{tail}"
        style = self.rng.random()
        if style < 0.2:
            mac = mac.replace(":", "-").lower()
        elif style < 0.3:
            digits = mac.replace(":", "").lower()
            mac = f"{digits[:4]}.{digits[4:8]}.{digits[8:]}"
        return {
            "workstation": f"{department.host_prefix}{index:04d}",
            "ip": f"10.{second}.{third}.{10 + index % 240}",
            "mac": mac,
        }


def write_workbook(rows: Sequence[dict[str, str]], path: Path) -> None:
    write_directory(rows, path)


# ---------------------------------------------------------------- the queries

QUERY_KINDS = (
    "surname",
    "misspelled surname",
    "wrong layout",
    "Фамилия И.",
    "phone tail",
    "hostname prefix",
    "ip",
    "cidr",
)
_VOWELS = "аоеиуыяэ"
_DIGITS = re.compile(r"\D")


def _misspelled(rng: random.Random, word: str) -> str:
    """One vowel after the first letter replaced by another (Семенав, Кузнецав, Смернова)."""
    places = [i for i, ch in enumerate(word) if i > 0 and ch in _VOWELS]
    if not places:
        return word[:-1]
    i = rng.choice(places)
    other = rng.choice([v for v in _VOWELS[:6] if v != word[i]])
    return word[:i] + other + word[i + 1 :]


def _phone_digits(text: str) -> str:
    digits = _DIGITS.sub("", text)
    return "7" + digits[1:] if len(digits) == 11 and digits.startswith("8") else digits


def make_queries(rows: Sequence[dict[str, str]], seed: int, count: int) -> list[tuple[str, str]]:
    """(kind, query) pairs, the kinds in turn, each about a random employee who is not
    dismissed (search leaves the dismissed out): what a help desk types all day."""
    rng = random.Random(seed)
    active = [r for r in rows if not r.get("dismissed_on")]
    russian = [r for r in active if r["middle_name"]]
    hosts = [r for r in active if r.get("workstation")]
    queries = []
    for i in range(count):
        kind = QUERY_KINDS[i % len(QUERY_KINDS)]
        person = rng.choice(russian)
        if kind == "surname":
            text = person["last_name"]
        elif kind == "misspelled surname":
            text = _misspelled(rng, person["last_name"])
        elif kind == "wrong layout":
            text = swap_layout(person["last_name"])  # typed with the QWERTY layout on
        elif kind == "Фамилия И.":
            text = f"{person['last_name']} {person['first_name'][0]}."
        elif kind == "phone tail":
            caller = rng.choice(active)
            while not caller.get("work_phone"):
                caller = rng.choice(active)
            tail = _phone_digits(caller["work_phone"])[-rng.choice((4, 5, 7)) :]
            # "4567", "34567", "1234567" or as dialled from a card: "45-67", "3-45-67", "123-45-67"
            if rng.random() < 0.5:
                tail = f"{tail[:-4]}-{tail[-4:-2]}-{tail[-2:]}".lstrip("-")
            text = tail
        else:
            host = rng.choice(hosts)
            if kind == "hostname prefix":
                name = host["workstation"]
                text = name[: rng.randint(len(name) - 2, len(name))]
            elif kind == "ip":
                text = host["ip"]
            else:
                text = host["ip"].rsplit(".", 1)[0] + ".0/24"
        queries.append((kind, text))
    return queries


# ---------------------------------------------------------------- the floors


def openpyxl_read_s(path: Path) -> tuple[float, int]:
    """openpyxl alone, as the import's reader opens the file (read-only, cached values), going
    through every row of every sheet: the raw floor of reading the workbook."""
    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = 0
    try:
        for sheet in workbook.worksheets:
            for _ in sheet.iter_rows(values_only=True):
                rows += 1
    finally:
        workbook.close()
    return time.perf_counter() - started, rows


def reader_s(path: Path) -> tuple[float, int]:
    """TBot's own reader (read_directory) on the same file, in this process: the part of the
    import that is reading, without checking or writing anything."""
    started = time.perf_counter()
    read = read_directory(path, max_bytes=1 << 30)
    took = time.perf_counter() - started
    if read.errors or read.skipped_sheets or read.ignored_columns:
        raise BenchmarkError(f"the generated workbook does not read cleanly: {read.errors[:5]}")
    return took, len(read.rows)


# ---------------------------------------------------------------- set-up through the CLI


def tbot_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "tbot", *args]


def prepare(env: dict[str, str], password: str) -> None:
    prepare_api_node(env, password)
    say("  (the rate limiter still runs on every request; its budget only never runs out)")


def start_node(children: Children, work: Path, env: dict[str, str]) -> tuple[Child, int]:
    port = free_port()
    say(f"node: `tbot up --role api --port {port}` on the embedded servers of {work / 'data'}")
    child = children.start(
        "node",
        tbot_argv("up", "--role", "api", "--port", str(port)),
        env=env,
        log=work / "node.out",
    )
    took = wait_for_200(child, port, "/health", NODE_TIMEOUT_S)
    say(f"  /health 200 after {took:.2f} s (pid {child.process.pid}, port {port})")
    return child, port


def postgres_url(data_dir: Path) -> str:
    state = json.loads((data_dir / "postgres" / "server.json").read_text(encoding="utf-8"))
    return f"postgresql://postgres@{LOCALHOST}:{int(state['port'])}/tbot"


# ---------------------------------------------------------------- timed CLI commands


@dataclass
class Command:
    """One timed CLI command: wall time from Popen to its exit, and where the CPU went."""

    name: str
    seconds: float = 0.0
    exit_code: int | None = None
    timed_out: bool = False
    cli_cpu_s: float = 0.0  # the command's own process
    postgres_cpu_s: float = 0.0  # every PostgreSQL process, over the same span
    # the import only: employees written so far, read from the identity sequence
    written: int = 0
    first_write_s: float | None = None  # reading and checking end about here
    last_write_s: float | None = None
    output: str = ""

    @property
    def write_rate(self) -> float:
        if self.first_write_s is None or self.written == 0:
            return 0.0
        end = self.last_write_s if self.last_write_s is not None else self.seconds
        return self.written / max(end - self.first_write_s, 1e-9)


class PostgresCpu:
    """CPU seconds of the postmaster and all its processes since `start`. Backends come and
    go: each one's last reading counts, so a backend that exits loses at most one interval."""

    def __init__(self, postmaster_pid: int) -> None:
        self._root = psutil.Process(postmaster_pid)
        self._seen: dict[int, float] = {}
        self._base: dict[int, float] = {}

    def _read(self) -> dict[int, float]:
        readings = {}
        for process in [self._root, *self._root.children(recursive=True)]:
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            readings[process.pid] = times.user + times.system
        return readings

    def start(self) -> None:
        self._base = self._read()
        self._seen = dict(self._base)

    def sample(self) -> float:
        self._seen.update(self._read())
        return sum(cpu - self._base.get(pid, 0.0) for pid, cpu in self._seen.items())


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def timed_command(
    children: Children,
    work: Path,
    env: dict[str, str],
    name: str,
    args: Sequence[str],
    *,
    timeout_s: float,
    pg_url: str,
    postmaster_pid: int,
    expected_rows: int = 0,
) -> Command:
    """Runs `tbot <args>` and waits for it, polling PostgreSQL every 250 ms: the employees'
    identity sequence says how many rows an import has written, even before it commits. A
    command still running after `timeout_s` is stopped (its transaction rolls back)."""
    result = Command(name)
    monitor = await asyncpg.connect(pg_url)
    try:
        sequence = await monitor.fetchval(
            "SELECT pg_get_serial_sequence('employees.employees', 'id')"
        )
        written_sql = f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}"
        base = int(await monitor.fetchval(written_sql))
        cpu = PostgresCpu(postmaster_pid)
        cpu.start()
        cli_cpu_before = children_cpu_s()
        child = children.start(name, tbot_argv(*args), env=env, log=work / f"{name}.out")
        waiter = asyncio.ensure_future(asyncio.to_thread(child.process.wait))
        ended: list[float] = []
        waiter.add_done_callback(lambda _: ended.append(time.monotonic()))
        next_report = PROGRESS_EVERY_S
        while not waiter.done():
            await asyncio.sleep(POLL_S)
            elapsed = time.monotonic() - child.started_at
            result.seconds = elapsed
            written = int(await monitor.fetchval(written_sql)) - base
            result.postgres_cpu_s = cpu.sample()
            if written and result.first_write_s is None:
                result.first_write_s = elapsed
            if expected_rows and written >= expected_rows and result.last_write_s is None:
                result.last_write_s = elapsed
            result.written = written
            if elapsed >= next_report and not waiter.done():
                next_report += PROGRESS_EVERY_S
                say(f"    {elapsed:6.1f} s: {_progress(result) if expected_rows else 'running'}")
            if elapsed > timeout_s and not waiter.done():
                say(f"    {elapsed:6.1f} s: over the {timeout_s:.0f} s limit, stopping it")
                result.timed_out = True
                await asyncio.to_thread(stop_tree, child.process)
                break
        await waiter
        result.seconds = (ended[0] if ended else time.monotonic()) - child.started_at
        result.postgres_cpu_s = cpu.sample()
        result.cli_cpu_s = children_cpu_s() - cli_cpu_before
        result.exit_code = child.process.returncode
        result.output = child.output_tail(20_000)
    finally:
        await monitor.close()
    return result


def _progress(run: Command) -> str:
    if run.first_write_s is None:
        return "no employee written yet (reading and checking the workbook)"
    return f"{run.written:,} employees written, {run.write_rate:.0f} rows/s since the first"


# ---------------------------------------------------------------- the fallback loader


async def bulk_load(pg_url: str, rows: Sequence[dict[str, str]]) -> float:
    """Only when the import was stopped at its time limit (and so rolled back): the same rows,
    checked and normalised by TBot's own rules (validate_employee, validate_workstation) and
    with the search keys the repository derives (name_token_rows, phone_digits), written
    set-wise, so that the export and the search still have 100k employees to work on. It
    writes no history. Returns the seconds it took."""
    started = time.perf_counter()
    phones = PhonenumbersNormalizer()
    employees: list[Employee] = []
    department_of: list[str | None] = []
    workstation_of: list[Workstation | None] = []
    for row in rows:
        host = row.get("workstation") or None
        draft = EmployeeDraft(
            last_name=row["last_name"],
            first_name=row["first_name"],
            middle_name=row.get("middle_name", ""),
            position=row.get("position", ""),
            department=row.get("department") or None,
            work_phone=row.get("work_phone") or None,
            mobile_phone=row.get("mobile_phone") or None,
            extension=row.get("extension") or None,
            email=row.get("email") or None,
            telegram_username=row.get("telegram_username") or None,
            room=row.get("room", ""),
            workstations=(host,) if host else (),
            personnel_number=row["personnel_number"],
            status=row.get("status") or "active",
            hired_on=row.get("hired_on") or None,
            dismissed_on=row.get("dismissed_on") or None,
        )
        valid = validate_employee(draft, phones)
        employees.append(
            valid.to_employee(employee_id=None, department_id=None, workstation_ids=())
        )
        department_of.append(valid.department)
        workstation_of.append(
            validate_workstation(
                WorkstationDraft(host, addresses=(row["ip"],), mac=row.get("mac") or None)
            )
            if host
            else None
        )
    connection = await asyncpg.connect(pg_url)
    try:
        async with connection.transaction():
            names = sorted({name for name in department_of if name})
            department_ids = {
                r["name_key"]: r["id"]
                for r in await connection.fetch(
                    "INSERT INTO employees.departments (name, name_key) "
                    "SELECT * FROM unnest($1::text[], $2::text[]) RETURNING id, name_key",
                    names,
                    [fold(name) for name in names],
                )
            }
            stations = [w for w in workstation_of if w is not None]
            workstation_ids = {
                r["hostname"]: r["id"]
                for r in await connection.fetch(
                    "INSERT INTO employees.workstations (hostname, mac) "
                    "SELECT * FROM unnest($1::text[], $2::text[]) RETURNING id, hostname",
                    [w.hostname for w in stations],
                    [w.mac for w in stations],
                )
            }
            await connection.copy_records_to_table(
                "workstation_addresses",
                schema_name="employees",
                columns=("workstation_id", "address", "position"),
                records=[
                    (workstation_ids[w.hostname], address, i)
                    for w in stations
                    for i, address in enumerate(w.addresses)
                ],
            )
            columns = {
                "last_name": "text", "first_name": "text", "middle_name": "text",
                "position": "text", "department_id": "bigint", "work_phone": "text",
                "mobile_phone": "text", "extension": "text", "email": "text",
                "telegram_username": "text", "room": "text", "personnel_number": "text",
                "status": "text", "hired_on": "date", "dismissed_on": "date",
            }  # fmt: skip
            values: dict[str, list[Any]] = {name: [] for name in columns}
            for employee, department in zip(employees, department_of, strict=True):
                for name in columns:
                    values[name].append(getattr(employee, name))
                values["department_id"][-1] = (
                    department_ids[fold(department)] if department else None
                )
                values["status"][-1] = employee.status.value
            arrays = ", ".join(f"${i}::{kind}[]" for i, kind in enumerate(columns.values(), 1))
            employee_ids = {
                r["personnel_number"]: r["id"]
                for r in await connection.fetch(
                    f"INSERT INTO employees.employees ({', '.join(columns)}) "
                    f"SELECT * FROM unnest({arrays}) RETURNING id, personnel_number",
                    *values.values(),
                )
            }
            tokens, keys, links = [], [], []
            for employee, workstation in zip(employees, workstation_of, strict=True):
                employee_id = employee_ids[employee.personnel_number]
                tokens += [(employee_id, part, token) for part, token in name_token_rows(employee)]
                keys += [(employee_id, f, digits[::-1]) for f, digits in phone_digits(employee)]
                if workstation is not None:
                    links.append((employee_id, workstation_ids[workstation.hostname]))
            for table, names_of_columns, records in (
                ("name_tokens", ("employee_id", "part", "token"), tokens),
                ("phone_keys", ("employee_id", "field", "reversed_digits"), keys),
                ("employee_workstations", ("employee_id", "workstation_id"), links),
            ):
                await connection.copy_records_to_table(
                    table, schema_name="employees", columns=names_of_columns, records=records
                )
            await connection.copy_records_to_table(
                "name_lexicon",
                schema_name="employees",
                columns=("token",),
                records=[(word,) for word in lexicon_words(token for *_, token in tokens)],
            )
    finally:
        await connection.close()
    return time.perf_counter() - started


# ---------------------------------------------------------------- autovacuum


async def settle(pg_url: str, timeout_s: float) -> str:
    """Waits until autovacuum has analysed every table a search reads, as it does on its own
    on a production node a minute or so after a large import; the planner needs those
    statistics. After `timeout_s`, ANALYZE is run here instead, and the output says so."""
    connection = await asyncpg.connect(pg_url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout_s:
            pending = await connection.fetch(
                "SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'employees' "
                "AND relname = ANY($1::text[]) AND coalesce(last_autoanalyze, last_analyze) "
                "IS NULL",
                list(SEARCH_TABLES),
            )
            workers = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
            )
            if not pending and not workers:
                return f"autovacuum analysed the tables {time.monotonic() - started:.0f} s after"
            await asyncio.sleep(1.0)
        for table in SEARCH_TABLES:
            await connection.execute(f"ANALYZE employees.{table}")
        return f"autovacuum had not analysed them after {timeout_s:.0f} s: ANALYZE run here"
    finally:
        await connection.close()


# ---------------------------------------------------------------- search: API and raw SQL

DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
# statement() only builds SQL; the session factory is never used.
SQL_BUILDER = PostgresDirectorySearch(None)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Sql:
    text: str
    args: tuple[Any, ...]


def to_sql(clause: ClauseElement) -> Sql:
    """`clause` as SQLAlchemy's asyncpg dialect sends it: the same text ($n placeholders with
    their casts) and the same values, after the same bind processing."""
    compiled = clause.compile(dialect=DIALECT)
    assert isinstance(compiled, SQLCompiler)
    processors: dict[str, Any] = dict(compiled._bind_processors)
    args = []
    for name in compiled.positiontup or ():
        value = compiled.params[name]
        processor = processors.get(name)
        args.append(processor(value) if processor else value)
    return Sql(compiled.string, tuple(args))


def tuning_sql() -> Sql:
    """The adapter's first statement in each search: SEARCH_SETTINGS as SET LOCAL values."""
    return Sql(search_adapter.TUNING.text, search_adapter.TUNING.args)


def adapter_plans(query: str) -> Iterator[SearchPlan]:
    """The plans SearchEmployees hands the adapter for `query`, for a caller who may see the
    network: the parsed plan with one more row than the page, and for a host name that finds
    nothing, the same text as a name (the caller stops at the first plan that finds anyone)."""
    plan = parse_query(query, limit=PAGE)
    yield replace(plan, limit=plan.limit + 1)
    if plan.kind is SearchKind.HOSTNAME and could_be_name(query):
        fallback = name_plan(query, limit=PAGE)
        yield replace(fallback, limit=fallback.limit + 1)


@dataclass(frozen=True)
class RawCall:
    """One call of the adapter: its statements in turn, the first that is enough (the
    adapter's own rule for that statement) answers, else the last."""

    statements: tuple[Sql, ...]
    enough: tuple[search_adapter.Enough, ...]  # one per statement


@dataclass(frozen=True)
class RawQuery:
    kind: SearchKind
    calls: tuple[RawCall, ...]


def raw_query(query: str) -> RawQuery:
    """The statements of `query`, taken from `statements(plan)`, compiled here; checked
    against what the adapter sends (its cached `driver_sql`), so that the floor is the
    same SQL."""
    calls = []
    first: SearchKind | None = None
    for plan in adapter_plans(query):
        first = first or plan.kind
        statements = tuple(to_sql(statement) for statement in SQL_BUILDER.statements(plan))
        sent = tuple(Sql(s.text, s.args) for s in SQL_BUILDER.driver_sql(plan))
        if statements != sent:
            raise BenchmarkError(f"{query!r}: the adapter sends other SQL than statements()")
        if statements:
            calls.append(RawCall(statements, tuple(search_adapter.step_rules(plan))))
    assert first is not None
    return RawQuery(first, tuple(calls))


class RawSearch:
    """The adapter's work on one plain asyncpg connection, per call: a transaction, the
    set_config statement, the search statements until one is enough, rollback (a
    session closed without commit); the first call that finds anyone answers."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection
        self._tuning = tuning_sql()

    async def run(self, query: RawQuery) -> list[int]:
        ids: list[int] = []
        for call in query.calls:
            transaction = self._connection.transaction()
            await transaction.start()
            try:
                await self._connection.fetch(self._tuning.text, *self._tuning.args)
                for sql, enough in zip(call.statements, call.enough, strict=True):
                    rows = await self._connection.fetch(sql.text, *sql.args)
                    ids = [row["id"] for row in rows]
                    if enough(rows):  # the page and one more row, or a settled name
                        break
            finally:
                await transaction.rollback()
            if ids:
                break
        return ids[:PAGE]


class ApiSearch:
    """GET /api/v1/employees/search?q= on one keep-alive connection, with the bearer token."""

    def __init__(self, port: int, token: str) -> None:
        self._connection = http.client.HTTPConnection(LOCALHOST, port, timeout=30)
        self._headers = {"Authorization": f"Bearer {token}"}

    def get(self, query: str) -> bytes:
        self._connection.request(
            "GET", f"{SEARCH_ROUTE}?{urlencode({'q': query})}", headers=self._headers
        )
        response = self._connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise BenchmarkError(f"search {query!r} answered {response.status}: {body[:500]!r}")
        return body

    def close(self) -> None:
        self._connection.close()


def log_in(port: int, password: str) -> str:
    connection = http.client.HTTPConnection(LOCALHOST, port, timeout=30)
    try:
        body = json.dumps({"login": ADMIN, "password": password})
        connection.request(
            "POST", LOGIN_ROUTE, body=body, headers={"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        answer = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise BenchmarkError(f"login answered {response.status}: {answer[:500]!r}")
    token: str = json.loads(answer)["access_token"]
    return token


@dataclass
class Sample:
    kind: str
    query: str
    api_ms: float
    raw_ms: float
    hits: int


@dataclass
class SearchFigures:
    samples: list[Sample] = field(default_factory=list)
    kinds_read: dict[str, str] = field(default_factory=dict)  # query kind -> how TBot read it
    # CPU of the node process (not its servers) per measured request: unlike the latencies,
    # a figure that other work on the machine skews little
    node_cpu_ms: float | None = None

    def api(self, q: float) -> float:
        return quantile([s.api_ms for s in self.samples], q)

    def raw(self, q: float) -> float:
        return quantile([s.raw_ms for s in self.samples], q)


def quantile(values: Sequence[float], q: float) -> float:
    """Nearest rank: the value with a fraction q of the sample at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def measure_search(
    port: int,
    pg_url: str,
    token: str,
    warmup: Sequence[tuple[str, str]],
    measured: Sequence[tuple[str, str]],
    node_pid: int | None = None,
) -> SearchFigures:
    """Each query through the API and as raw SQL, one after the other (latency, one request
    at a time); the two alternate which goes first. Both must find the same employees."""
    figures = SearchFigures()
    api = ApiSearch(port, token)
    connection = await asyncpg.connect(pg_url)
    raw = RawSearch(connection)
    try:
        compiled = {q: raw_query(q) for _, q in [*warmup, *measured]}
        say(f"  checks: every query finds the same employees both ways ({len(compiled)} queries)")
        for kind, query in [*warmup, *measured]:
            answer = json.loads(api.get(query))
            api_ids = [hit["employee"]["id"] for hit in answer["hits"]]
            raw_ids = await raw.run(compiled[query])
            if api_ids != raw_ids:
                raise BenchmarkError(
                    f"{kind} {query!r}: the API found {api_ids}, the raw SQL {raw_ids}"
                )
            figures.kinds_read.setdefault(kind, answer["kind"])
        say(f"  warm-up: {len(warmup)} other queries both ways, not counted")
        for _, query in warmup:
            api.get(query)
            await raw.run(compiled[query])
        say(f"  measured: {len(measured)} queries both ways, one at a time")
        node_cpu = _process_cpu_s(node_pid)
        for i, (kind, query) in enumerate(measured):
            raw_first = i % 2 == 1
            if raw_first:
                raw_ms, hits = await _timed_raw(raw, compiled[query])
            started = time.perf_counter()
            api.get(query)
            api_ms = (time.perf_counter() - started) * 1000
            if not raw_first:
                raw_ms, hits = await _timed_raw(raw, compiled[query])
            figures.samples.append(Sample(kind, query, api_ms, raw_ms, hits))
        if node_cpu is not None and measured:
            figures.node_cpu_ms = (_process_cpu_s(node_pid) or 0.0) - node_cpu
            figures.node_cpu_ms *= 1000 / len(measured)
    finally:
        api.close()
        await connection.close()
    return figures


def _process_cpu_s(pid: int | None) -> float | None:
    if pid is None:
        return None
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


async def _timed_raw(raw: RawSearch, query: RawQuery) -> tuple[float, int]:
    started = time.perf_counter()
    ids = await raw.run(query)
    return (time.perf_counter() - started) * 1000, len(ids)


# ---------------------------------------------------------------- the benchmark


@dataclass
class Figures:
    employees: int = 0
    generate_s: float = 0.0
    write_s: float = 0.0
    file_mb: float = 0.0
    openpyxl_s: float = 0.0
    reader_s: float = 0.0
    imported: Command | None = None
    exported: Command | None = None
    settled: str = ""
    bulk_load_s: float | None = None  # only when the import was stopped at its limit
    search: SearchFigures | None = None

    @property
    def import_s(self) -> float:
        """The import's wall time; for a stopped import, its extrapolation to every row."""
        run = self.imported
        if run is None:
            return 0.0
        if not run.timed_out:
            return run.seconds
        if run.first_write_s is None or not run.write_rate:
            return float("inf")
        return run.first_write_s + self.employees / run.write_rate

    @property
    def import_ratio(self) -> float:
        return self.import_s / self.openpyxl_s if self.openpyxl_s else 0.0

    @property
    def ratio_p50(self) -> float:
        if self.search is None or not self.search.raw(0.5):
            return 0.0
        return self.search.api(0.5) / self.search.raw(0.5)


_COUNT_ROW = re.compile(r"^\W*([a-z][a-z ]*?)\s*│\s*(\d+)\s*│?\s*$", re.MULTILINE)


def run(args: argparse.Namespace, work: Path, children: Children) -> Figures:
    figures = Figures(employees=args.employees)
    workbook = work / f"directory-{args.employees}.xlsx"
    say(f"workbook: {args.employees:,} generated employees (seed {args.seed})")
    started = time.perf_counter()
    rows = Generator(args.seed).rows(args.employees)
    figures.generate_s = time.perf_counter() - started
    started = time.perf_counter()
    write_workbook(rows, workbook)
    figures.write_s = time.perf_counter() - started
    figures.file_mb = workbook.stat().st_size / 1_000_000
    say(
        f"  generated in {figures.generate_s:.1f} s, written with write_directory in "
        f"{figures.write_s:.1f} s: {workbook.name}, {figures.file_mb:.1f} MB"
    )
    say("  e.g. " + "; ".join(" ".join(v for v in r.values() if v) for r in rows[:2]))
    measured = make_queries(rows, args.seed + 1, args.queries)
    warmup = make_queries(rows, args.seed + 2, args.warmup)

    say("floor: openpyxl alone reads the same file (read_only, data_only, values_only)")
    figures.openpyxl_s, count = openpyxl_read_s(workbook)
    say(f"  {count:,} rows (header included) in {figures.openpyxl_s:.1f} s")
    say("  and TBot's reader (read_directory) on it, in this process, for the breakdown")
    figures.reader_s, count = reader_s(workbook)
    say(f"  {count:,} employees read in {figures.reader_s:.1f} s")

    env = child_env(work)
    password = f"Bench-{secrets.token_urlsafe(18)}"
    prepare(env, password)
    node, port = start_node(children, work, env)
    data_dir = work / "data"
    pg_url = postgres_url(data_dir)
    postmaster = embedded_pids(data_dir)["postgres"]

    say(f"import: `tbot directory import {workbook.name}` (attaches to the node's servers)")
    figures.imported = asyncio.run(
        timed_command(
            children, work, env, "import", ["directory", "import", str(workbook)],
            timeout_s=args.import_timeout, pg_url=pg_url, postmaster_pid=postmaster,
            expected_rows=args.employees,
        )
    )  # fmt: skip
    imported = figures.imported
    if imported.timed_out:
        say(
            f"  STOPPED after {imported.seconds:.1f} s with {imported.written:,} of "
            f"{args.employees:,} employees written (rolled back): about "
            f"{figures.import_s:.0f} s for all of them at {imported.write_rate:.0f} rows/s"
        )
    else:
        _check_import(imported, args.employees)
        say(f"  exit 0 after {imported.seconds:.1f} s: {args.employees:,} employees created")

    if imported.timed_out:
        say(
            "fallback: the directory is empty again, so the benchmark loads the same rows itself "
            "(TBot's validation and search keys, written set-wise, no history), so that the "
            "export and the search still run on every employee"
        )
        figures.bulk_load_s = asyncio.run(bulk_load(pg_url, rows))
        say(f"  loaded in {figures.bulk_load_s:.1f} s")
    del rows

    say("settle: autovacuum analyses the imported tables, as on a production node")
    figures.settled = asyncio.run(settle(pg_url, args.settle))
    say(f"  {figures.settled}")

    out = work / "export.xlsx"
    say(f"export: `tbot directory export {out.name} --include-dismissed`")
    figures.exported = asyncio.run(
        timed_command(
            children, work, env, "export",
            ["directory", "export", str(out), "--include-dismissed"],
            timeout_s=args.import_timeout, pg_url=pg_url, postmaster_pid=postmaster,
        )
    )  # fmt: skip
    exported = figures.exported
    written = f"{args.employees} employees written"
    if exported.timed_out or exported.exit_code != 0 or written not in exported.output:
        raise BenchmarkError(f"the export failed ({exported.exit_code}):\n{exported.output}")
    say(
        f"  exit 0 after {exported.seconds:.1f} s: {args.employees:,} employees, "
        f"{out.stat().st_size / 1_000_000:.1f} MB"
    )

    say(f"search: GET {SEARCH_ROUTE}?q= with a bearer token, next to the same SQL on asyncpg")
    token = log_in(port, password)
    figures.search = asyncio.run(
        measure_search(port, pg_url, token, warmup, measured, node.process.pid)
    )

    say("stop: SIGINT to the node")
    servers = embedded_pids(data_dir)
    took = stop_node(node, data_dir)
    say(
        f"  node stopped in {took:.2f} s: exit 0, no process left (postgres {servers['postgres']}"
        f", redis {servers['redis']} gone)"
    )
    report_complaints(node)
    return figures


def run_search_only(args: argparse.Namespace, work: Path, children: Children) -> Figures:
    """--search-only, for iterating on the search: the same rows, loaded by the benchmark
    itself (bulk_load), analysed, and searched as in a full run; no import, no export."""
    figures = Figures(employees=args.employees)
    say(f"search only: {args.employees:,} generated employees (seed {args.seed}), no import")
    rows = Generator(args.seed).rows(args.employees)
    measured = make_queries(rows, args.seed + 1, args.queries)
    warmup = make_queries(rows, args.seed + 2, args.warmup)
    env = child_env(work)
    password = f"Bench-{secrets.token_urlsafe(18)}"
    prepare(env, password)
    node, port = start_node(children, work, env)
    data_dir = work / "data"
    pg_url = postgres_url(data_dir)
    figures.bulk_load_s = asyncio.run(bulk_load(pg_url, rows))
    say(f"  loaded in {figures.bulk_load_s:.1f} s")
    del rows
    figures.settled = asyncio.run(settle(pg_url, args.settle))
    say(f"  {figures.settled}")
    say(f"search: GET {SEARCH_ROUTE}?q= with a bearer token, next to the same SQL on asyncpg")
    token = log_in(port, password)
    figures.search = asyncio.run(
        measure_search(port, pg_url, token, warmup, measured, node.process.pid)
    )
    stop_node(node, data_dir)
    report_complaints(node)
    return figures


def print_search_report(figures: Figures) -> None:
    search = figures.search
    assert search is not None
    say("")
    _search_breakdown(search)
    for label, q in (("p50", 0.5), ("p99", 0.99)):
        say(
            f"search {label}: API {search.api(q):.2f} ms, "
            f"same SQL on asyncpg {search.raw(q):.2f} ms"
        )
    print(" ".join(_last_line(figures).split()[:4]) + " (search only)")


def _check_import(run: Command, employees: int) -> None:
    counts = {label: int(n) for label, n in _COUNT_ROW.findall(run.output)}
    if run.exit_code != 0 or counts.get("created") != employees:
        raise BenchmarkError(f"the import exited with {run.exit_code}:\n{run.output[-5000:]}")


# ---------------------------------------------------------------- report


def print_report(figures: Figures) -> None:
    search = figures.search
    imported = figures.imported
    assert imported is not None
    say("")
    if imported.timed_out:
        say(
            f"import: stopped at the limit after {imported.seconds:.1f} s; {imported.written:,} "
            f"rows written at {imported.write_rate:.0f} rows/s; all "
            f"{figures.employees:,} would take about {figures.import_s:.0f} s. The export and "
            f"the search ran on the benchmark's own load of the same rows "
            f"({figures.bulk_load_s or 0:.1f} s)"
        )
    _import_breakdown(figures)
    if figures.exported is not None:
        exported = figures.exported
        say(
            f"export: {exported.seconds:.1f} s wall; CPU: the CLI {exported.cli_cpu_s:.1f} s, "
            f"PostgreSQL {exported.postgres_cpu_s:.1f} s"
        )
    if search is not None:
        _search_breakdown(search)

    rows = _goal_rows(figures)
    header = ("figure", "TBot", "goal", "raw floor (same run)", "")
    table = [header, *((a, b, c, d, "met" if ok else "MISSED") for a, b, c, d, ok in rows)]
    table.append(("export", f"{_s(figures.exported)}", "-", "-", ""))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    say("")
    for row in table:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        say("  ".join(cells).rstrip())
    keys = ("ratio_p50", "search_p99", "import_ratio")
    met = [key for key, row in zip(keys, rows, strict=True) if row[4]]
    missed = [key for key, row in zip(keys, rows, strict=True) if not row[4]]
    say(f"goals met: {', '.join(met) or 'none'}; missed: {', '.join(missed) or 'none'}")
    say(_last_line(figures))


def _s(run: Command | None) -> str:
    return f"{run.seconds:.1f} s" if run is not None else "n/a"


def _goal_rows(figures: Figures) -> list[tuple[str, str, str, str, bool]]:
    search = figures.search
    import_value = f"{figures.import_s:.1f} s" + (" (est.)" if _stopped(figures) else "")
    rows = [
        (
            "import",
            import_value,
            f"<= {GOAL_IMPORT_RATIO:.0f}x floor ({figures.import_ratio:.2f}x)",
            f"openpyxl read {figures.openpyxl_s:.1f} s",
            figures.import_ratio <= GOAL_IMPORT_RATIO,
        )
    ]
    if search is None:
        rows[:0] = [
            ("search p50", "n/a", f"<= {GOAL_RATIO_P50}x floor", "n/a", False),
            ("search p99", "n/a", f"< {GOAL_P99_MS:.0f} ms", "n/a", False),
        ]
        return rows
    rows[:0] = [
        (
            "search p50",
            f"{search.api(0.5):.2f} ms",
            f"<= {GOAL_RATIO_P50}x floor ({figures.ratio_p50:.2f}x)",
            f"same SQL, asyncpg {search.raw(0.5):.2f} ms",
            figures.ratio_p50 <= GOAL_RATIO_P50,
        ),
        (
            "search p99",
            f"{search.api(0.99):.2f} ms",
            f"< {GOAL_P99_MS:.0f} ms",
            f"same SQL, asyncpg {search.raw(0.99):.2f} ms",
            search.api(0.99) < GOAL_P99_MS,
        ),
    ]
    return rows


def _stopped(figures: Figures) -> bool:
    return figures.imported is not None and figures.imported.timed_out


def _import_breakdown(figures: Figures) -> None:
    run = figures.imported
    assert run is not None
    say(
        f"import, where the time goes ({figures.employees:,} rows, {figures.file_mb:.1f} MB, "
        f"{run.seconds:.1f} s wall):"
    )
    if run.first_write_s is not None:
        say(
            f"  the first employee written after {run.first_write_s:.1f} s: start-up, what is "
            f"stored loaded, the reader's first {CHUNK_ROWS:,} rows read and checked (the "
            f"reader, in a process of its own, reads on meanwhile; alone it takes "
            f"{figures.reader_s:.1f} s, openpyxl alone {figures.openpyxl_s:.1f} s)"
        )
        end = run.last_write_s if run.last_write_s is not None else run.seconds
        say(
            f"  writing, set-wise in batches (reading and checking overlap it), one transaction: "
            f"{end - run.first_write_s:.1f} s"
            f" for {run.written:,} rows = {run.write_rate:.0f} rows/s"
            f" ({1000 / run.write_rate if run.write_rate else 0:.2f} ms per row)"
        )
        if run.last_write_s is not None:
            say(f"  commit and exit after the last row: {run.seconds - run.last_write_s:.1f} s")
    say(
        f"  CPU: the CLI and its reader process {run.cli_cpu_s:.1f} s, PostgreSQL "
        f"{run.postgres_cpu_s:.1f} s "
        f"(of {run.seconds:.1f} s wall on {os.cpu_count()} CPUs)"
    )


def _search_breakdown(search: SearchFigures) -> None:
    say("search by kind of query (ms; API = the whole HTTP request, raw = the same SQL):")
    header = ("query", "read as", "n", "hits", "API p50", "API p99", "raw p50", "raw p99", "ratio")
    table = [header]
    for kind in QUERY_KINDS:
        mine = [s for s in search.samples if s.kind == kind]
        if not mine:
            continue
        api50, raw50 = (
            quantile([s.api_ms for s in mine], 0.5),
            quantile([s.raw_ms for s in mine], 0.5),
        )
        table.append(
            (
                kind,
                search.kinds_read.get(kind, "?"),
                str(len(mine)),
                f"{statistics.mean(s.hits for s in mine):.1f}",
                f"{api50:.2f}",
                f"{quantile([s.api_ms for s in mine], 0.99):.2f}",
                f"{raw50:.2f}",
                f"{quantile([s.raw_ms for s in mine], 0.99):.2f}",
                f"{api50 / raw50 if raw50 else 0:.2f}",
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        say("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    overhead = [s.api_ms - s.raw_ms for s in search.samples]
    say(
        f"  the API adds {statistics.median(overhead):.2f} ms to the median query (HTTP, the "
        "guard's JWT check and two Redis calls, the session, SQLAlchemy, the JSON answer)"
    )
    if search.node_cpu_ms is not None:
        say(
            f"  the node's own CPU (its PostgreSQL and Redis apart): {search.node_cpu_ms:.2f} ms "
            "per API request"
        )
    slowest = sorted(search.samples, key=lambda s: s.api_ms, reverse=True)[:5]
    say(
        "  slowest through the API: "
        + "; ".join(f"{s.query!r} {s.api_ms:.1f} ms (raw {s.raw_ms:.1f})" for s in slowest)
    )


def _last_line(figures: Figures) -> str:
    search = figures.search
    if search is not None:
        parts = [
            f"search_p50_ms={search.api(0.5):.2f}",
            f"search_p99_ms={search.api(0.99):.2f}",
            f"raw_p50_ms={search.raw(0.5):.2f}",
            f"ratio_p50={figures.ratio_p50:.2f}",
        ]
    else:
        parts = ["search_p50_ms=n/a", "search_p99_ms=n/a", "raw_p50_ms=n/a", "ratio_p50=n/a"]
    estimated = "(extrapolated)" if _stopped(figures) else ""
    exported = f"{figures.exported.seconds:.1f}" if figures.exported is not None else "n/a"
    parts += [
        f"import_100k_s={figures.import_s:.1f}{estimated}",
        f"openpyxl_read_100k_s={figures.openpyxl_s:.1f}",
        f"import_ratio={figures.import_ratio:.2f}{estimated}",
        f"export_100k_s={exported}",
    ]
    return " ".join(parts)


# ---------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--employees", type=int, default=100_000, help="rows in the workbook")
    parser.add_argument("--seed", type=int, default=20260501, help="the generator's seed")
    parser.add_argument("--queries", type=int, default=500, help="measured search queries")
    parser.add_argument("--warmup", type=int, default=80, help="uncounted queries before them")
    parser.add_argument(
        "--import-timeout",
        type=float,
        default=600.0,
        help="seconds before the import (or export) is stopped and extrapolated",
    )
    parser.add_argument(
        "--settle", type=float, default=300.0, help="seconds to wait for autovacuum's ANALYZE"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument(
        "--search-only",
        action="store_true",
        help="only the search, on rows the benchmark loads itself (no import, no export)",
    )
    args = parser.parse_args(argv)
    if min(args.employees, args.queries) < 1 or args.warmup < 0:
        parser.error("--employees and --queries must be >= 1, --warmup >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # As in startup.py: SIGINT and SIGTERM must reach the clean-up that stops the processes.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)
    children = Children()
    try:
        say(
            f"TBot directory benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.2f} (other work on the machine skews the figures)"
        )
        with temp_folder(args.keep) as work:
            try:
                figures = (run_search_only if args.search_only else run)(args, work, children)
            finally:
                children.kill_all()
    except BenchmarkError as error:
        say(f"BENCHMARK FAILED: {error}")
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    (print_search_report if args.search_only else print_report)(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
