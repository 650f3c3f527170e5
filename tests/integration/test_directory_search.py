"""The directory search on real PostgreSQL: what each kind of query finds and how it ranks,
and, on 100k seeded employees, that every kind is answered from its index."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import asyncpg
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from tbot.adapters.postgres.directory.search import PostgresDirectorySearch
from tbot.adapters.postgres.engine import async_url, create_engine, create_session_factory
from tbot.adapters.postgres.tables import metadata
from tbot.application.ports.directory import EmployeeFilter, SearchHit, SearchKind, SearchPlan
from tbot.container import Container
from tbot.domain.directory.model import Department, Employee, EmployeeStatus, Workstation
from tbot.domain.directory.text import fold, name_variants
from tbot.domain.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class Directory:
    search: PostgresDirectorySearch
    ids: dict[str, int]  # employee label -> id
    departments: dict[str, int]

    async def find(self, plan: SearchPlan) -> list[str]:
        """Labels of the hits, best first."""
        return [self.label(hit) for hit in await self.search.search(plan)]

    def label(self, hit: SearchHit) -> str:
        return next(k for k, v in self.ids.items() if v == hit.employee.id)


def by_name(query: str, **changes: Any) -> SearchPlan:
    """A NAME plan as the parser builds it: the readings of every typed word."""
    return SearchPlan(
        SearchKind.NAME, terms=tuple(name_variants(w) for w in query.split()), **changes
    )


PEOPLE: dict[str, dict[str, Any]] = {
    "ivanov_ru": {
        "last_name": "Иванов", "first_name": "Иван", "middle_name": "Иванович",
        "work_phone": "+74951234567", "mobile_phone": "+79161112233", "extension": "1234",
        "department": "Отдел информационных технологий", "workstations": ("pc-ivanov",),
    },
    "ivanova": {
        "last_name": "Иванова", "first_name": "Мария", "middle_name": "Петровна",
        "status": EmployeeStatus.ON_LEAVE, "department": "Бухгалтерия",
        "workstations": ("pc-ivanova",),
    },
    "ivanov_en": {"last_name": "Ivanov", "first_name": "Petr", "extension": "5678"},
    "shcherbakova": {
        "last_name": "Щербакова", "first_name": "Алёна", "middle_name": "Сергеевна",
        "mobile_phone": "+79035550001",
    },
    "shcherbakov_en": {"last_name": "Shcherbakov", "first_name": "Oleg"},
    "yolkin": {"last_name": "Ёлкин", "first_name": "Пётр", "middle_name": "Ильич"},
    "smith": {"last_name": "Smith", "first_name": "John", "workstations": ("WS-SMITH",)},
    "petrov_dismissed": {
        "last_name": "Петров", "first_name": "Иван", "middle_name": "Сидорович",
        "status": EmployeeStatus.DISMISSED, "department": "Бухгалтерия",
        "work_phone": "+74957654321",
    },
}  # fmt: skip
WORKSTATIONS = {
    "pc-ivanov": Workstation(
        id=None, hostname="pc-ivanov", addresses=("10.1.2.30", "2001:db8::30"),
        mac="aa:bb:cc:dd:ee:01",
    ),
    "pc-ivanova": Workstation(id=None, hostname="pc-ivanova", addresses=("10.1.2.31",)),
    "WS-SMITH": Workstation(id=None, hostname="ws-smith", addresses=("10.9.0.5",)),
}  # fmt: skip


@pytest.fixture
async def directory(container: Container) -> Directory:
    ids: dict[str, int] = {}
    departments: dict[str, int] = {}
    async with container.uow() as uow:
        workstations = {}
        for label, workstation in WORKSTATIONS.items():
            stored = await uow.workstations.add(workstation)
            workstations[label] = stored.id or 0
        for label, fields in PEOPLE.items():
            person = dict(fields)
            department = person.pop("department", None)
            if department is not None and department not in departments:
                added = await uow.departments.add(Department(id=None, name=department))
                departments[department] = added.id or 0
            hosts = person.pop("workstations", ())
            employee = await uow.employees.add(
                Employee(
                    id=None,
                    department_id=departments.get(department) if department else None,
                    workstation_ids=tuple(workstations[h] for h in hosts),
                    **person,
                )
            )
            ids[label] = employee.id or 0
        await uow.commit()
    return Directory(PostgresDirectorySearch(container.session_factory()), ids, departments)


# --- names ---------------------------------------------------------------------------------


async def test_name_with_a_typo_is_found(directory: Directory) -> None:
    # Иванов in Cyrillic, Ivanov through the transliterated reading of the typo
    assert await directory.find(by_name("Ивонов")) == ["ivanov_ru", "ivanov_en"]
    assert await directory.find(by_name("Ивонов Иван")) == ["ivanov_ru"]


async def test_words_match_in_any_order_and_score_adds_up(directory: Directory) -> None:
    hits = await directory.search.search(by_name("Иван Иванов"))
    assert directory.label(hits[0]) == "ivanov_ru"
    assert hits[0].score == pytest.approx(2.0)
    assert hits[0].matched == "name"
    assert hits[0].employee.full_name == "Иванов Иван Иванович"
    assert await directory.find(by_name("Иванович Иван Иванов")) == ["ivanov_ru"]


async def test_initials_match_first_and_middle_names_only(directory: Directory) -> None:
    assert await directory.find(by_name("Иванов И.")) == ["ivanov_ru"]
    assert await directory.find(by_name("Иванов И. И.")) == ["ivanov_ru"]
    assert await directory.find(by_name("Иванова М. П.")) == ["ivanova"]
    # an initial never stands for the last name
    assert await directory.find(by_name("Иван И.")) == ["ivanov_ru"]
    # initials alone: no other word to look them up from
    assert "ivanov_ru" in await directory.find(by_name("И. И."))


async def test_transliteration_works_both_ways(directory: Directory) -> None:
    assert set(await directory.find(by_name("Ivanov"))) >= {"ivanov_ru", "ivanov_en"}
    assert set(await directory.find(by_name("Иванов"))) >= {"ivanov_ru", "ivanov_en"}
    assert (await directory.find(by_name("Shcherbakova")))[0] == "shcherbakova"
    assert (await directory.find(by_name("Щербаков")))[:2] == ["shcherbakov_en", "shcherbakova"]
    assert await directory.find(by_name("Смит")) == ["smith"]


async def test_wrong_keyboard_layout_is_read_in_the_other_one(directory: Directory) -> None:
    assert (await directory.find(by_name("Bdfyjd")))[0] == "ivanov_ru"  # Иванов
    assert "ivanov_en" in await directory.find(by_name("Шмфтщм"))  # Ivanov


async def test_yo_and_ye_are_one_letter(directory: Directory) -> None:
    assert await directory.find(by_name("Елкин")) == ["yolkin"]
    assert await directory.find(by_name("ЁЛКИН Петр")) == ["yolkin"]
    assert await directory.find(by_name("Щербакова Алена")) == ["shcherbakova"]


async def test_exact_beats_prefix_beats_typo(directory: Directory) -> None:
    hits = await directory.search.search(by_name("Иванов"))
    scores = {directory.label(hit): hit.score for hit in hits}
    assert scores["ivanov_ru"] == pytest.approx(1.0)  # exact (the Latin reading is exact too)
    assert scores["ivanova"] == pytest.approx(0.8)  # prefix of Иванова
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    typo = await directory.search.search(by_name("Ивонов"))
    assert 0 < typo[0].score < 0.8


async def test_nothing_typed_finds_nothing(directory: Directory) -> None:
    assert await directory.find(SearchPlan(SearchKind.NAME, terms=())) == []
    assert await directory.find(SearchPlan(SearchKind.NAME, terms=((".",),))) == []
    assert await directory.find(by_name("Zzyzx")) == []


# --- phones, workstations, departments -----------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "score", "matched"),
    [
        ("74951234567", 1.0, "work_phone"),  # +7 (495) 123-45-67
        ("84951234567", 1.0, "work_phone"),  # 8 (495) 123-45-67
        ("4951234567", 1.0, "work_phone"),
        ("4567", 0.9, "work_phone"),  # the tail
        ("1234", 1.0, "extension"),  # the extension, exactly
        ("2233", 0.9, "mobile_phone"),
    ],
)
async def test_phone_matches_whole_numbers_tails_and_extensions(
    directory: Directory, digits: str, score: float, matched: str
) -> None:
    hits = await directory.search.search(SearchPlan(SearchKind.PHONE, value=digits))
    assert [directory.label(hit) for hit in hits] == ["ivanov_ru"]
    assert (hits[0].score, hits[0].matched) == (pytest.approx(score), matched)


async def test_phone_too_short_for_a_tail_must_be_a_whole_extension(directory: Directory) -> None:
    assert await directory.find(SearchPlan(SearchKind.PHONE, value="567")) == []
    assert await directory.find(SearchPlan(SearchKind.PHONE, value="5678")) == ["ivanov_en"]
    assert await directory.find(SearchPlan(SearchKind.PHONE, value="")) == []


async def test_hostname_prefix_is_case_insensitive(directory: Directory) -> None:
    hits = await directory.search.search(SearchPlan(SearchKind.HOSTNAME, value="PC-IVANOV"))
    assert [(directory.label(h), h.score, h.matched) for h in hits] == [
        ("ivanov_ru", pytest.approx(1.0), "hostname"),
        ("ivanova", pytest.approx(0.9), "hostname"),
    ]
    assert await directory.find(SearchPlan(SearchKind.HOSTNAME, value="ws-")) == ["smith"]
    assert await directory.find(SearchPlan(SearchKind.HOSTNAME, value="srv")) == []


async def test_ip_exact_cidr_and_prefix(directory: Directory) -> None:
    assert await directory.find(SearchPlan(SearchKind.IP, value="10.1.2.30")) == ["ivanov_ru"]
    assert await directory.find(SearchPlan(SearchKind.IP, value="2001:db8::30")) == ["ivanov_ru"]
    assert await directory.find(SearchPlan(SearchKind.IP, value="10.1.2.3")) == []
    subnet = ["ivanov_ru", "ivanova"]
    assert await directory.find(SearchPlan(SearchKind.CIDR, value="10.1.2.0/24")) == subnet
    assert await directory.find(SearchPlan(SearchKind.CIDR, value="10.1.0.0/16")) == subnet
    assert await directory.find(SearchPlan(SearchKind.IP_PREFIX, value="10.1.2.0/24")) == subnet
    assert await directory.find(SearchPlan(SearchKind.IP_PREFIX, value="10.1.2.")) == subnet
    assert await directory.find(SearchPlan(SearchKind.CIDR, value="10.0.0.0/8")) == [
        "ivanov_ru",
        "ivanova",
        "smith",
    ]
    with pytest.raises(ValidationFailed):
        await directory.search.search(SearchPlan(SearchKind.IP, value="10.1.2"))


async def test_mac_in_any_notation(directory: Directory) -> None:
    for mac in ("aa:bb:cc:dd:ee:01", "AA-BB-CC-DD-EE-01", "aabb.ccdd.ee01"):
        assert await directory.find(SearchPlan(SearchKind.MAC, value=mac)) == ["ivanov_ru"]
    assert await directory.find(SearchPlan(SearchKind.MAC, value="aa:bb:cc:dd:ee:02")) == []


async def test_department_by_name_prefix_word_or_typo(directory: Directory) -> None:
    it = SearchPlan(SearchKind.DEPARTMENT, value="информационных")
    hits = await directory.search.search(it)
    assert [(directory.label(h), h.matched) for h in hits] == [("ivanov_ru", "department")]
    assert await directory.find(SearchPlan(SearchKind.DEPARTMENT, value="бухгалтерия")) == [
        "ivanova"
    ]
    assert await directory.find(SearchPlan(SearchKind.DEPARTMENT, value="Бухгалтерея")) == [
        "ivanova"
    ]
    assert await directory.find(SearchPlan(SearchKind.DEPARTMENT, value="склад")) == []


# --- filters and pages ---------------------------------------------------------------------


async def test_dismissed_are_hidden_unless_asked_for(directory: Directory) -> None:
    assert await directory.find(by_name("Сидорович")) == []
    everyone = EmployeeFilter(include_dismissed=True)
    assert await directory.find(by_name("Сидорович", where=everyone)) == ["petrov_dismissed"]
    dismissed = EmployeeFilter(status=EmployeeStatus.DISMISSED)
    assert await directory.find(by_name("Иван", where=dismissed)) == ["petrov_dismissed"]
    assert await directory.find(SearchPlan(SearchKind.PHONE, value="4321")) == []
    assert await directory.find(SearchPlan(SearchKind.PHONE, value="4321", where=dismissed)) == [
        "petrov_dismissed"
    ]
    assert await directory.find(SearchPlan(SearchKind.DEPARTMENT, value="Бухгалтерия")) == [
        "ivanova"
    ]


async def test_department_and_status_filters(directory: Directory) -> None:
    accounting = directory.departments["Бухгалтерия"]
    in_accounting = EmployeeFilter(department_id=accounting, include_dismissed=True)
    # Иван exactly (1.0) before Иванова by prefix (0.8)
    assert await directory.find(by_name("Иван", where=in_accounting)) == [
        "petrov_dismissed",
        "ivanova",
    ]
    on_leave = EmployeeFilter(status=EmployeeStatus.ON_LEAVE)
    assert await directory.find(by_name("Иванов", where=on_leave)) == ["ivanova"]


@pytest.mark.parametrize(
    ("plan", "size"),
    [
        # all four tie at 0.8: the pages are cut inside a run of equal scores
        (by_name("ив", where=EmployeeFilter(include_dismissed=True)), 2),
        # 1.0, 1.0, 0.8...
        (by_name("Иванов"), 1),
        (SearchPlan(SearchKind.CIDR, value="10.0.0.0/8"), 1),
        (SearchPlan(SearchKind.HOSTNAME, value="pc"), 1),
    ],
)
async def test_cursor_pages_return_every_hit_once_in_order(
    directory: Directory, plan: SearchPlan, size: int
) -> None:
    everything = await directory.search.search(plan)
    assert len(everything) >= 2
    pages: list[SearchHit] = []
    after = None
    while True:
        page = await directory.search.search(replace(plan, limit=size, after=after))
        if not page:
            break
        assert len(page) <= size
        pages.extend(page)
        after = (page[-1].score, page[-1].employee.id or 0)
    assert [(h.employee.id, h.score) for h in pages] == [
        (h.employee.id, h.score) for h in everything
    ]
    assert len({h.employee.id for h in pages}) == len(pages)


async def test_a_typos_first_page_is_the_head_of_all_its_hits(container: Container) -> None:
    """A typo close to common names: its first page, however short, is the head of the whole
    ranking (score, then id), dismissed bearers of the close names left out before the page
    is cut."""
    surnames = ("Петрова", "Петров", "Петрович", "Петровна")
    async with container.uow() as uow:
        for i in range(16):
            status = EmployeeStatus.DISMISSED if i % 5 == 0 else EmployeeStatus.ACTIVE
            await uow.employees.add(
                Employee(id=None, last_name=surnames[i % 4], first_name="Анна", status=status)
            )
        await uow.commit()
    search = PostgresDirectorySearch(container.session_factory())
    plan = by_name("Петрово")  # no name begins with it: the typo step answers
    everything = await search.search(replace(plan, limit=100))
    assert len(everything) >= 10
    assert all(h.employee.status is not EmployeeStatus.DISMISSED for h in everything)
    for size in (1, 2, 3, 5, 8):
        page = await search.search(replace(plan, limit=size))
        assert [(h.employee.id, h.score) for h in page] == [
            (h.employee.id, h.score) for h in everything[:size]
        ], size


async def test_hit_carries_the_whole_employee_with_workstations(
    directory: Directory, container: Container
) -> None:
    [hit] = await directory.search.search(SearchPlan(SearchKind.MAC, value="aa:bb:cc:dd:ee:01"))
    async with container.uow() as uow:
        stored = await uow.employees.get(directory.ids["ivanov_ru"])
    assert hit.employee == stored
    assert hit.employee.workstation_ids != ()
    assert (hit.score, hit.matched) == (1.0, "mac")


async def test_search_keys_follow_an_update(directory: Directory, container: Container) -> None:
    async with container.uow() as uow:
        smith = await uow.employees.get(directory.ids["smith"])
        assert smith is not None
        await uow.employees.update(replace(smith, last_name="Blackwood", extension="777"))
        await uow.commit()
    assert await directory.find(by_name("Smith")) == []
    assert await directory.find(by_name("Blackwood")) == ["smith"]
    assert await directory.find(by_name("Blackwod")) == ["smith"]  # the new name's typos too
    assert await directory.find(SearchPlan(SearchKind.PHONE, value="777")) == ["smith"]


async def test_typos_find_names_written_set_wise(
    directory: Directory, container: Container
) -> None:
    """The import's writers (add_many, update_many) keep the typos' word list current."""
    async with container.uow() as uow:
        [added] = await uow.employees.add_many(
            [Employee(id=None, last_name="Kowalczyk", first_name="Anna")]
        )
        await uow.commit()
    found = await directory.search.search(by_name("Kowalczik"))
    assert [hit.employee.id for hit in found] == [added.id]
    async with container.uow() as uow:
        await uow.employees.update_many([replace(added, last_name="Lewandowska")])
        await uow.commit()
    assert await directory.search.search(by_name("Kowalczik")) == []
    found = await directory.search.search(by_name("Lewandowsca"))
    assert [hit.employee.id for hit in found] == [added.id]


async def test_an_exact_name_with_its_initial_lists_no_lookalikes(
    directory: Directory, container: Container
) -> None:
    """A short page for "Иванов И." means few Ивановы have that initial, not a typo: the
    names that merely resemble Иванов are looked for only when no one matched it exactly."""
    async with container.uow() as uow:
        lookalike = await uow.employees.add(
            Employee(id=None, last_name="Иваноф", first_name="Игорь")
        )
        await uow.commit()
    assert await directory.find(by_name("Иванов И.")) == ["ivanov_ru"]
    typed_wrong = await directory.search.search(by_name("Иванох И."))
    assert [hit.employee.id for hit in typed_wrong] == [directory.ids["ivanov_ru"], lookalike.id]
    # without an initial a short page still continues into the typos
    assert lookalike.id in [
        hit.employee.id for hit in await directory.search.search(by_name("Иванов"))
    ]


# --- the schema behind it ------------------------------------------------------------------


async def test_search_indexes_are_built_as_the_tables_declare(connection: AsyncConnection) -> None:
    """Alembic's drift check compares index columns but not access methods, operator classes
    or storage options; the search depends on exactly those, so they are compared here."""

    def reflected(sync: Connection) -> dict[str, Any]:
        inspector = inspect(sync)
        found = {}
        for table in metadata.tables.values():
            if table.schema != "employees":
                continue
            for index in inspector.get_indexes(table.name, schema="employees"):
                if index.get("duplicates_constraint"):
                    continue
                options = index.get("dialect_options", {})
                found[index["name"]] = (
                    options.get("postgresql_using", "btree"),
                    options.get("postgresql_ops", {}),
                    options.get("postgresql_with", {}),
                )
        return found

    declared = {
        index.name: (
            index.dialect_options["postgresql"]["using"] or "btree",
            index.dialect_options["postgresql"]["ops"] or {},
            index.dialect_options["postgresql"]["with"] or {},
        )
        for table in metadata.tables.values()
        if table.schema == "employees"
        for index in table.indexes
    }
    assert await connection.run_sync(reflected) == declared
    assert declared["ix_name_lexicon_token_trgm"] == (
        "gin",
        {"token": "gin_trgm_ops"},
        {"fastupdate": "off"},
    )


# --- plans at 100k employees ---------------------------------------------------------------

SEED_SIZE = 100_000
SEED_BASE = 10_000_000  # seeded ids start above anything the sequences hand out in a test run

EVERYONE = EmployeeFilter(include_dismissed=True)  # for plans that target one seeded employee
BIG_TABLES = {
    "employees",
    "name_tokens",
    "phone_keys",
    "workstations",
    "workstation_addresses",
    "employee_workstations",
}
PLANS = {
    # label: (plan, the indexes the plan must use)
    "name": (by_name("Иванов"), {"ix_name_tokens_token_pattern", "ix_name_lexicon_token_trgm"}),
    "name typo": (
        by_name("Ивонов"), {"ix_name_lexicon_token_trgm", "ix_name_tokens_token_pattern"}
    ),
    "name initial typo": (
        by_name("Ивонов И."), {"ix_name_lexicon_token_trgm", "ix_name_tokens_token_pattern"}
    ),
    "name common": (by_name("Иван"), {"ix_name_tokens_token_pattern"}),
    "name initials": (by_name("Иванов И."), {"ix_name_tokens_token_pattern"}),
    "name two words": (by_name("Мария Иванова"), {"ix_name_tokens_token_pattern"}),
    "name latin": (by_name("Ivanova"), {"ix_name_tokens_token_pattern"}),
    "phone": (
        SearchPlan(SearchKind.PHONE, value="84950012345", where=EVERYONE),
        {"ix_phone_keys_reversed_digits"},
    ),
    "phone tail": (SearchPlan(SearchKind.PHONE, value="2345"), {"ix_phone_keys_reversed_digits"}),
    "hostname": (
        SearchPlan(SearchKind.HOSTNAME, value="WS-00123"),
        {"uq_workstations_hostname", "ix_employee_workstations_workstation_id"},
    ),
    "ip": (
        SearchPlan(SearchKind.IP, value="10.0.48.57", where=EVERYONE),
        {"ix_workstation_addresses_address|ix_workstation_addresses_address_gist"},
    ),
    "cidr": (
        SearchPlan(SearchKind.CIDR, value="10.0.48.0/24"),
        {"ix_workstation_addresses_address|ix_workstation_addresses_address_gist"},
    ),
    "mac": (
        SearchPlan(SearchKind.MAC, value="02:00:00:00:30:39", where=EVERYONE),
        {"uq_workstations_mac"},
    ),
    "department": (
        SearchPlan(SearchKind.DEPARTMENT, value="Служба закупок"),
        {"ix_employees_department_id_id"},
    ),
    "department word": (
        SearchPlan(SearchKind.DEPARTMENT, value="закупок"),
        {"ix_employees_department_id_id"},
    ),
    "filtered": (
        by_name("Иван", where=EmployeeFilter(status=EmployeeStatus.DISMISSED)),
        {"ix_name_tokens_token_pattern"},
    ),
    "next page": (
        by_name("Иванов", after=(1.0, SEED_BASE + 50_000)),
        {"ix_name_tokens_token_pattern"},
    ),
}  # fmt: skip


def scans(node: dict[str, Any]) -> Iterator[tuple[str, str | None, str | None]]:
    """(node type, table, index) of every node of an EXPLAIN (FORMAT JSON) plan."""
    yield node["Node Type"], node.get("Relation Name"), node.get("Index Name")
    for child in node.get("Plans", ()):
        yield from scans(child)


async def test_every_search_kind_is_answered_from_its_index_at_100k(
    container: Container, connection: AsyncConnection
) -> None:
    started = time.monotonic()
    await seed_directory(connection)
    seeded = time.monotonic() - started
    search = PostgresDirectorySearch(container.session_factory())
    report = []
    for label, (plan, wanted) in PLANS.items():
        hits = await search.search(plan)
        assert hits, label
        # every statement the search may run, the typo step of a name too
        explained = [e for [e] in await search.explain(plan, analyze=True)]
        nodes = [node for e in explained for node in scans(e["Plan"])]
        seq_scans = {table for kind, table, _ in nodes if kind == "Seq Scan"}
        assert not seq_scans & BIG_TABLES, (label, nodes)
        used = {index for _, _, index in nodes if index}
        for alternatives in wanted:
            assert used & set(alternatives.split("|")), (label, alternatives, nodes)
        took = " + ".join(f"{e['Execution Time']:.1f}" for e in explained)
        report.append(f"{label}: {took} ms")
    print(f"seeded {SEED_SIZE} in {seeded:.1f} s; " + "; ".join(report))


# --- 100k employees for the plans ----------------------------------------------------------

# synthetic but Russian-shaped: surnames share stems and endings, first names and
# patronymics repeat a lot (Иван, Иванович), so short queries meet thousands of candidates
_DEPARTMENT_KINDS = (
    "Отдел Служба Управление Группа Сектор Департамент Бюро Центр Лаборатория Дирекция"
)
_TOPICS = (
    "кадров|закупок|логистики|продаж|маркетинга|информационных технологий|безопасности|"
    "качества|эксплуатации|строительства|энергетики|аудита|казначейства|связи|охраны труда|"
    "документооборота|снабжения|планирования|развития|метрологии"
)
_STEMS = (
    "Иван Петр Сидор Кузнец Смирн Попов Соколов Лебед Козл Новик Морозов Волков Алексе Лебедев"
    " Семен Егор Павл Степан Никол Орл Андре Макар Никит Захар Зайц Солов Борис Яковл Григорь"
    " Роман Воробь Серге Кузьмин Фрол Александр Дмитри Корол Гусев Киселев Ильин Максим Поляк"
    " Сорокин Виноград Ковалев Белов Медвед Антонов Тарасов Жук Баранов Филиппов Комар Давыд"
    " Беляев Герасим Богдан Осипов Сидоров Матвее Титов Марк Миронов Крылов Куликов Карпов Власов"
    " Мельник Денисов Гаврил Тихонов Казаков Афанась Данилов Савельев Тимофе Фомин Чернов Абрамов"
    " Мартын Ефимов Федотов Щербак Назаров Калинин Исаев Чернышев Быков Маслов Родионов Коновалов"
    " Лазарев Воронин Климов Филатов Пономарев Голубев Кудрявцев Прохоров Наумов Потапов Журавлев"
)
_ENDINGS = "ов ова ев ева ин ина ский ская енко ук ых ец"
_PREFIXES = ("", "Старо", "Ново", "Бело", "Черно", "Верхо", "Дмитро", "Ель", "Ост", "Над", "Под")
_FIRST = (
    "Иван Петр Алексей Сергей Андрей Дмитрий Николай Михаил Александр Владимир Евгений Павел"
    " Юрий Олег Виктор Игорь Роман Максим Артем Денис Анна Мария Елена Ольга Наталья Татьяна"
    " Ирина Светлана Екатерина Юлия Алёна Ксения Дарья Полина Вера Галина Любовь Надежда Зоя Яна"
)
_MIDDLE = (
    "Иванович Петрович Алексеевич Сергеевич Андреевич Дмитриевич Николаевич Михайлович"
    " Александрович Владимирович Евгеньевич Павлович Юрьевич Олегович Викторович Игоревна"
    " Романовна Максимовна Денисовна Ивановна Петровна Алексеевна Сергеевна Андреевна"
    " Дмитриевна Николаевна Михайловна Александровна Владимировна Евгеньевна"
)


def _surnames() -> list[str]:
    names = [
        prefix + stem.lower() + ending
        for prefix in _PREFIXES
        for stem in _STEMS.split()
        for ending in _ENDINGS.split()
    ]
    return [name[0].upper() + name[1:] for name in dict.fromkeys(names)]


SEEDED_TABLES = (
    "departments",
    "employees",
    "name_tokens",
    "name_lexicon",
    "phone_keys",
    "workstations",
    "workstation_addresses",
    "employee_workstations",
)


async def seed_directory(connection: AsyncConnection, size: int = SEED_SIZE) -> None:
    """`size` employees with names, phones, a department and a workstation each (every tenth
    or so dismissed), written set-wise inside the caller's transaction; the name tokens are
    the folded names, as the repository writes them. The secondary indexes are dropped for
    the load and rebuilt from their own definitions (a bulk build is far faster than 300k
    GIN insertions), then everything is ANALYZEd so the planner sees the real sizes."""
    last = _surnames()
    departments = [
        f"{kind} {topic}" for kind in _DEPARTMENT_KINDS.split() for topic in _TOPICS.split("|")
    ]
    vocabulary = {
        "last": last,
        "last_keys": [fold(n) for n in last],
        "first": _FIRST.split(),
        "first_keys": [fold(n) for n in _FIRST.split()],
        "middle": _MIDDLE.split(),
        "middle_keys": [fold(n) for n in _MIDDLE.split()],
        "departments": departments,
        "department_keys": [fold(n) for n in departments],
    }
    statements = [
        "INSERT INTO employees.departments (id, name, name_key) OVERRIDING SYSTEM VALUE "
        "SELECT :base + d, name, key FROM unnest(CAST(:departments AS text[]), "
        "CAST(:department_keys AS text[])) WITH ORDINALITY AS n(name, key, d)",
        # pseudo-random picks from the vocabulary, spread independently of each other
        "WITH picks AS ("
        " SELECT i, 1 + (i * 7919) % cardinality(CAST(:last AS text[])) AS l,"
        " 1 + (i * 104729) % cardinality(CAST(:first AS text[])) AS f,"
        " 1 + abs(hashint8(i)) % cardinality(CAST(:middle AS text[])) AS m"
        " FROM generate_series(CAST(1 AS bigint), :size) AS i) "
        "INSERT INTO employees.employees (id, last_name, first_name, middle_name, "
        "department_id, work_phone, mobile_phone, extension, status, personnel_number) "
        "OVERRIDING SYSTEM VALUE "
        "SELECT :base + p.i, l.name, f.name, m.name, "
        ":base + 1 + abs(hashint8(-p.i)) % cardinality(CAST(:departments AS text[])), "
        "'+7495' || lpad(CAST(p.i AS text), 7, '0'), "
        "'+7916' || lpad(CAST((p.i * 7919) % 10000000 AS text), 7, '0'), "
        "CAST(1000 + p.i % 9000 AS text), "
        "CASE WHEN hashint8(p.i * 31) % 10 = 0 THEN 'dismissed' ELSE 'active' END, "
        "'seed-' || p.i "
        "FROM picks AS p "
        "JOIN unnest(CAST(:last AS text[])) WITH ORDINALITY AS l(name, n) ON l.n = p.l "
        "JOIN unnest(CAST(:first AS text[])) WITH ORDINALITY AS f(name, n) ON f.n = p.f "
        "JOIN unnest(CAST(:middle AS text[])) WITH ORDINALITY AS m(name, n) ON m.n = p.m",
        "INSERT INTO employees.name_tokens (employee_id, part, token) "
        "SELECT e.id, 'last', k.key FROM employees.employees AS e "
        "JOIN unnest(CAST(:last AS text[]), CAST(:last_keys AS text[])) AS k(name, key) "
        "ON k.name = e.last_name WHERE e.id > :base UNION ALL "
        "SELECT e.id, 'first', k.key FROM employees.employees AS e "
        "JOIN unnest(CAST(:first AS text[]), CAST(:first_keys AS text[])) AS k(name, key) "
        "ON k.name = e.first_name WHERE e.id > :base UNION ALL "
        "SELECT e.id, 'middle', k.key FROM employees.employees AS e "
        "JOIN unnest(CAST(:middle AS text[]), CAST(:middle_keys AS text[])) AS k(name, key) "
        "ON k.name = e.middle_name WHERE e.id > :base",
        "INSERT INTO employees.name_lexicon (token) "
        "SELECT DISTINCT token FROM employees.name_tokens ON CONFLICT DO NOTHING",
        "INSERT INTO employees.phone_keys (employee_id, field, reversed_digits) "
        "SELECT id, 'work_phone', reverse(substr(work_phone, 2)) FROM employees.employees "
        "WHERE id > :base UNION ALL "
        "SELECT id, 'mobile_phone', reverse(substr(mobile_phone, 2)) "
        "FROM employees.employees WHERE id > :base UNION ALL "
        "SELECT id, 'extension', reverse(extension) FROM employees.employees "
        "WHERE id > :base",
        "INSERT INTO employees.workstations (id, hostname, mac) OVERRIDING SYSTEM VALUE "
        "SELECT :base + i, 'ws-' || lpad(CAST(i AS text), 6, '0'), "
        "'02:00:' || substr(regexp_replace(lpad(to_hex(i), 8, '0'), '(..)', '\\1:', 'g'), "
        "1, 11) FROM generate_series(CAST(1 AS bigint), :size) AS i",
        "INSERT INTO employees.workstation_addresses (workstation_id, address, position) "
        "SELECT :base + i, CAST('10.0.0.0' AS inet) + i, 0 "
        "FROM generate_series(CAST(1 AS bigint), :size) AS i",
        "INSERT INTO employees.employee_workstations (employee_id, workstation_id) "
        "SELECT :base + i, :base + i FROM generate_series(CAST(1 AS bigint), :size) AS i",
    ]
    values: dict[str, Any] = {"base": SEED_BASE, "size": size, **vocabulary}
    rebuild = await _drop_secondary_indexes(connection)
    for sql in statements:
        statement = text(sql)
        await connection.execute(
            statement, {k: v for k, v in values.items() if k in statement.compile().params}
        )
    for definition in rebuild:
        await connection.execute(text(definition))
    for table in SEEDED_TABLES:
        await connection.execute(text(f"ANALYZE employees.{table}"))


async def _drop_secondary_indexes(connection: AsyncConnection) -> list[str]:
    """Drops the seeded tables' indexes that back no constraint; returns their definitions."""
    rows = await connection.execute(
        text(
            "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS ddl "
            "FROM pg_index AS i JOIN pg_class AS t ON t.oid = i.indrelid "
            "JOIN pg_namespace AS n ON n.oid = t.relnamespace "
            "LEFT JOIN pg_constraint AS c ON c.conindid = i.indexrelid "
            "WHERE n.nspname = 'employees' AND t.relname = ANY(:tables) AND c.oid IS NULL"
        ),
        {"tables": list(SEEDED_TABLES)},
    )
    indexes = rows.all()
    for name, _ in indexes:
        await connection.execute(text(f"DROP INDEX {name}"))
    return [ddl for _, ddl in indexes]


async def test_a_search_outlives_a_connection_the_server_closed(database_url: str) -> None:
    """The engine does not pre-ping: a pooled connection the server has dropped (a restart,
    a failover) fails its first statement, and the search runs again on a fresh one."""
    engine = create_engine(async_url(database_url), pool_size=1, application_name="dropped")
    try:
        search = PostgresDirectorySearch(create_session_factory(engine))
        plan = by_name("Иванов")
        assert await search.search(plan) == []  # the pool now holds one open connection
        server = await asyncpg.connect(database_url)
        try:
            dropped = await server.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'dropped'"
            )
        finally:
            await server.close()
        assert dropped == 1
        assert await search.search(plan) == []
    finally:
        await engine.dispose()
