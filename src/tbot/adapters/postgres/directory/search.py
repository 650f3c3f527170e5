"""The directory search as index-backed SQL: a search returns a ranked page of employees with
their workstation ids from one statement (a name: from up to two, see below).

Every kind first finds candidate employees through an index of its own, then ranks them:

- NAME: employees.name_tokens holds each folded word of every name (repository-written, from
  tbot.domain.directory.text.fold). Per typed word, its readings' exact and prefix matches
  come from ranges on the text_pattern_ops btree (`token ~>=~ r AND token ~<~ r'`, usable
  with bound parameters and whatever the collation) and its typos from the pg_trgm GIN
  index of employees.name_lexicon, the distinct tokens (`token % r`, one arm per reading),
  whose close words then find their employees by exact token. The words are joined on the
  employee, each to a token of its own; the planner orders the join from the statistics.
  Whole words are looked up first, alone: when they fill the page it is the page (any
  prefix scores less), and a common surname ("Иванов С.": 6,000 tokens begin with иванов,
  1,800 are it) costs a third. The typos are a further statement, run only when the exact
  and prefix one leaves the page short (and, with an initial, nobody matched the other
  words exactly: `settling_score`).
  On a one-word query's first page, each close word's employees come from an ordered walk
  of the (token, employee_id) index, cut at the page size (`_first_bearers`).
- PHONE: employees.phone_keys holds each phone's digits reversed; "ends with" is a prefix
  range on the reversed digits. Numbers of 10+ digits compare by their last 10, so
  +7 495…, 8 495… and 495… are the same number.
- HOSTNAME: a prefix range on the text_pattern_ops unique index of workstations.hostname.
- IP / CIDR / IP_PREFIX: `address = ip` (btree) / `address <<= net` (GiST inet_ops).
- MAC: the unique index of workstations.mac.
- DEPARTMENT: prefix, word prefix and word similarity on the folded department name
  (GIN gin_trgm_ops), then the employees of those departments.

Scores: exact 1.0; prefix 0.8 (name) or 0.9 (phone tail, hostname prefix, subnet, department
prefix); trigram similarity × 0.7. A name's score is the sum over the typed words. Pages are
ordered by (score desc, id asc); `SearchPlan.after` continues after the given (score, id).

Every search runs in one transaction of its own: a few SET LOCAL settings (TUNING), then its
statements. A statement's text depends only on the plan's shape (kind, readings per word,
filters, cursor), never on the typed values, which are bound: it is built and compiled once
per shape and sent as text and values straight to the driver, so that a search costs the
database round trips and little else. `statements(plan)`, `driver_sql(plan)` and
`explain(plan)` expose them for tests and benchmarks.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Double,
    FromClause,
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import CIDR, INET, aggregate_order_by
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import TextClause

from tbot.adapters.postgres.directory.employees import (
    employee_from_row,
    filter_conditions,
    select_employees,
)
from tbot.adapters.postgres.tables import (
    departments,
    employee_workstations,
    employees,
    name_lexicon,
    name_tokens,
    phone_keys,
    workstation_addresses,
    workstations,
)
from tbot.adapters.postgres.unit_of_work import shared_session
from tbot.application.ports.directory import EmployeeFilter, SearchHit, SearchKind, SearchPlan
from tbot.domain.directory.text import fold
from tbot.domain.directory.validation import mac_address
from tbot.domain.errors import ValidationFailed

# pg_trgm: a typo must share this much of its trigrams with the name word (pg_trgm's own
# default is 0.3, which lets through far too many surnames at 100k employees: all share "ов ")
SIMILARITY_THRESHOLD = 0.4
# a typed department word against the closest stretch of the department's name
WORD_SIMILARITY_THRESHOLD = 0.6

EXACT = 1.0
NAME_PREFIX = 0.8
NEAR = 0.9  # phone tail, hostname prefix, address in a subnet, department name prefix
WORD_PREFIX = 0.8
TRIGRAM_WEIGHT = 0.7
# digits of a national number: longer numbers compare by their tail of this length
NATIONAL_DIGITS = 10
MIN_PHONE_TAIL = 4
# initials stand for these parts of a name, never for the last name
INITIAL_PARTS = ("first", "middle")
# fewer letters have too few trigrams to tell a typo from another name
MIN_TYPO_LENGTH = 3


class PostgresDirectorySearch:
    """DirectorySearch on PostgreSQL. Reads on a connection of its own, outside any unit of work,
    straight on the asyncpg connection under it: the statements are compiled once per shape
    already, so SQLAlchemy's execution and result layers would only add Python work to every
    search (about as much again as the driver's own, measured)."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def search(self, plan: SearchPlan) -> list[SearchHit]:
        steps = self.driver_sql(plan)
        if not steps:
            return []
        enough = step_rules(plan)
        try:
            rows = await self._run(steps, enough)
        except DBAPIError as error:
            # The pool handed out a connection the server had closed (the engine does not
            # pre-ping); SQLAlchemy has invalidated the pool. A read is safe to run again.
            if not error.connection_invalidated:
                raise
            rows = await self._run(steps, enough)
        return [
            SearchHit(employee=employee_from_row(row), score=row["score"], matched=row["matched"])
            for row in rows
        ]

    async def _run(self, steps: Sequence[DriverSql], enough: Sequence[Enough]) -> Sequence[Any]:
        """The steps in turn, until one answers (see `statements`), in a transaction that is
        rolled back: it only scopes the SET LOCAL settings."""
        async with self._connection() as connection:
            driver: Any = (await connection.get_raw_connection()).driver_connection
            nested = driver.is_in_transaction()  # a test's outer transaction: a savepoint
            try:
                return await _read(driver, steps, enough)
            except BaseException:
                if driver.is_closed():
                    await _let_sqlalchemy_see_disconnect(connection)
                elif driver.is_in_transaction() and not nested:
                    # never back to the pool inside our transaction (a cancelled rollback)
                    await connection.invalidate()
                raise

    def _connection(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """The connection to read on, without a Session around it: the Session's set-up and
        close cost as much Python as the rest of the plumbing, and the search uses none of it
        (it talks to the driver).

        Inside a unit of work shared by the current task (the bot handles each update inside
        its journal's transaction), the search joins it: a second pooled connection per
        update made the pool overflow, with connections opened and closed all along. It then
        reads in a savepoint of its own, rolled back, so a read that fails leaves the shared
        transaction usable. Anywhere else: a pooled connection of the engine, or a test's
        connection, used as it is."""
        shared = shared_session()
        if shared is not None:
            return _joined(shared)
        bind = self._session_factory.kw.get("bind")
        if isinstance(bind, AsyncConnection):
            return nullcontext(bind)
        if not isinstance(bind, AsyncEngine):
            raise TypeError(f"the session factory is bound to {bind!r}, not an engine")
        return bind.connect()

    async def explain(self, plan: SearchPlan, *, analyze: bool = False) -> list[Any]:
        """The plans PostgreSQL picks for the statements of `search(plan)`, in the order it
        runs them, as EXPLAIN (FORMAT JSON) gives them: the same statements, the same bound
        values, the same settings."""
        options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
        plans = []
        async with self._session_factory() as session:
            connection = await session.connection()
            await connection.exec_driver_sql(TUNING.text, TUNING.args)
            for sql in self.driver_sql(plan):
                explain = f"EXPLAIN ({options}) {sql.text}"
                found = (await connection.exec_driver_sql(explain, sql.args)).scalar_one()
                plans.append(json.loads(found) if isinstance(found, str) else found)
        return plans

    def statements(self, plan: SearchPlan) -> list[Select[Any]]:
        """The statements `search(plan)` runs, with the plan's values bound, in turn: the
        first that is `Enough` (`step_rules`) answers, else the last; none when the plan
        cannot match anyone.

        A name is looked up by whole words first: a full page of them is the page (a
        prefix scores less). Then exactly and by prefix; only when that leaves the page
        short does a second statement, the same plus the typos (the trigram index), answer
        instead. The costly similarity recheck then runs only for queries that need it
        ("Степанова" matches hundreds as typed). A typo scores below any exact or prefix
        match of the same word, so the pages of a one-word query continue into its typos
        in order; in a query of several words a typo combined with an exact match can
        outscore two prefixes, and such a hit is left out of pages the first statement
        filled. With an initial, a short page that has someone matching every other word
        exactly is the answer too (`settling_score`)."""
        return [_build(shape).params(values) for shape, values in _steps(plan)]

    def driver_sql(self, plan: SearchPlan) -> list[DriverSql]:
        """`statements(plan)` as the driver receives them. The SQL text is compiled once per
        shape of plan (kind, readings per word, typos or not, filters, cursor) and cached: a
        search only computes its values, so no statement is rebuilt or recompiled, and
        asyncpg's prepared statement cache on the connection sees the same text again."""
        return [_compiled(shape).bind(values) for shape, values in _steps(plan)]


@dataclass(frozen=True, slots=True)
class Enough:
    """Whether a statement's rows (best first) answer the search, so that the next one (a
    name's typos) is not run: they fill the page, or the best scores `settles`."""

    limit: int
    settles: float | None = None

    def __call__(self, rows: Sequence[Mapping[Any, Any]]) -> bool:
        if len(rows) >= self.limit:
            return True
        return self.settles is not None and bool(rows) and rows[0]["score"] >= self.settles


async def _read(driver: Any, steps: Sequence[DriverSql], enough: Sequence[Enough]) -> Sequence[Any]:
    transaction = driver.transaction()
    await transaction.start()
    try:
        await driver.execute(TUNING.text, *TUNING.args)
        for sql, answers in zip(steps, enough, strict=True):
            rows: Sequence[Any] = await driver.fetch(sql.text, *sql.args)
            if answers(rows):
                break
        return rows
    finally:
        await transaction.rollback()


@asynccontextmanager
async def _joined(session: AsyncSession) -> AsyncIterator[AsyncConnection]:
    """The shared transaction's connection, left open: its owner commits and closes it."""
    yield await session.connection()


async def _let_sqlalchemy_see_disconnect(connection: AsyncConnection) -> None:
    """A statement through SQLAlchemy on the closed connection: SQLAlchemy recognises the
    disconnect as it would have on the search itself, invalidates the whole pool (a server
    that closed one connection has usually closed them all) and raises DBAPIError with
    `connection_invalidated`, which `search` answers by running again."""
    await connection.exec_driver_sql(TUNING.text, TUNING.args)


def settling_score(plan: SearchPlan) -> float | None:
    """For a name with initials and other words ("Степанова Я."), the score of a hit that
    matches every other word exactly: such a hit says the page is short because few people
    have that initial, not because a word was mistyped, and the typos are not looked for.
    None for other plans: their page is short only when the words found few people.

    (A hit's score is the sum over the words: 1.0 an exact word, 0.8 a prefix or an
    initial, so only exact other words reach it; the margin absorbs float8 rounding.)"""
    if plan.kind is not SearchKind.NAME:
        return None
    words = [w for w in (_readings(term) for term in plan.terms) if w]
    initials = sum(1 for readings in words if all(len(r) == 1 for r in readings))
    if not initials or initials == len(words):
        return None
    return (len(words) - initials) * EXACT + initials * NAME_PREFIX - 1e-9


def step_rules(plan: SearchPlan) -> list[Enough]:
    """The `Enough` of each statement of `statements(plan)`, in turn. A name's exact step
    answers only with a full page: a short one leaves room for prefixes, which the next
    step adds below it (an initial's settling score, reached by exact words alone, says
    nothing about them)."""
    settles = settling_score(plan)
    return [Enough(plan.limit, None if shape.exact else settles) for shape, _ in _steps(plan)]


@dataclass(frozen=True, slots=True)
class DriverSql:
    """A statement as asyncpg receives it: $n placeholders and their values in order."""

    text: str
    args: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Compiled:
    text: str
    names: tuple[str, ...]  # the bind parameter behind each $n
    constants: dict[str, Any]  # values the shape itself fixes (filters, labels)

    def bind(self, values: dict[str, Any]) -> DriverSql:
        return DriverSql(
            self.text, tuple(values[n] if n in values else self.constants[n] for n in self.names)
        )


# SQLAlchemy's asyncpg dialect: the statements are compiled here once and sent by the
# engine's own (asyncpg) dialect, which renders them alike.
_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


def _compile(statement: Select[Any] | TextClause) -> _Compiled:
    compiled = statement.compile(dialect=_DIALECT)
    if compiled.post_compile_params:  # IN (list): its text would depend on the values
        raise TypeError(f"expanding parameters in a cached statement: {compiled.string}")
    names = tuple(compiled.positiontup or ())
    constants = {n: v for n, v in compiled.params.items() if v is not None}
    return _Compiled(compiled.string, names, constants)


# - the trigram thresholds that `%` and `<%` read;
# - a fresh plan for every search: how many rows a word matches varies by orders of
#   magnitude ("ко" vs "Щербакова"), so a cached generic plan (asyncpg prepares every
#   statement) could keep a join order that suits one word and not the next;
# - no JIT: a search is milliseconds of work, JIT compilation alone costs more;
# - no parallel workers: starting them costs more than the few thousand rows they would
#   share, and on a busy server they wait for a CPU besides.
SEARCH_SETTINGS = (
    ("pg_trgm.similarity_threshold", str(SIMILARITY_THRESHOLD)),
    ("pg_trgm.word_similarity_threshold", str(WORD_SIMILARITY_THRESHOLD)),
    ("plan_cache_mode", "force_custom_plan"),
    ("jit", "off"),
    ("max_parallel_workers_per_gather", "0"),
)
_TUNING: TextClause = text(
    "SELECT "
    + ", ".join(f"set_config(:name{i}, :value{i}, true)" for i in range(len(SEARCH_SETTINGS)))
)
# Every search's first statement, in its transaction: SET LOCAL of SEARCH_SETTINGS, so the
# connection returns to the pool as it came.
TUNING: DriverSql = _compile(
    _TUNING.bindparams(
        **{
            key: value
            for i, (name, setting) in enumerate(SEARCH_SETTINGS)
            for key, value in ((f"name{i}", name), (f"value{i}", setting))
        }
    )
).bind({})


# --- the shape of a plan and its values ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Shape:
    """Everything the statement's text depends on; the values bound into it are apart.
    `detail` is the kind's own part: for NAME, per typed word, the length class of each
    reading (1: an initial, 2: too short for typos, 3: long enough); for PHONE, whether the
    digits are a whole extension and whether they are a whole national number."""

    kind: SearchKind
    detail: tuple[Any, ...]
    where: EmployeeFilter
    paged: bool  # a cursor to continue after
    typos: bool = False  # NAME: the trigram arms too
    exact: bool = False  # NAME: whole words only (initials aside)


def _steps(plan: SearchPlan) -> list[tuple[_Shape, dict[str, Any]]]:
    """The shapes of the statements a plan runs in turn, and the values they bind; none
    when the plan cannot match anyone."""
    if plan.limit <= 0:
        return []
    described = _matching(plan)
    if described is None:
        return []
    detail, values = described
    values["limit"] = plan.limit
    if plan.after is not None:
        values["after_score"], values["after_id"] = plan.after
    shape = _Shape(plan.kind, detail, plan.where, plan.after is not None)
    steps = [(shape, values)]
    if plan.kind is SearchKind.NAME and not all(_is_initial(word) for word in detail):
        steps.insert(0, (replace(shape, exact=True), values))
    if plan.kind is SearchKind.NAME and any(MIN_TYPO_LENGTH in word for word in detail):
        steps.append((replace(shape, typos=True), values))
    return steps


def _matching(plan: SearchPlan) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    if plan.kind is SearchKind.NAME:
        return _name_values(plan.terms)
    if plan.kind is SearchKind.PHONE:
        return _phone_values(plan.value)
    if plan.kind is SearchKind.HOSTNAME:
        prefix = plan.value.strip().lower().rstrip(".")
        return ((), {"host": prefix, "host_next": _successor(prefix)}) if prefix else None
    if plan.kind is SearchKind.IP:
        return (), {"ip": _ip(plan.value)}
    if plan.kind in (SearchKind.CIDR, SearchKind.IP_PREFIX):
        return (), {"network": _network(plan.value)}
    if plan.kind is SearchKind.MAC:
        return (), {"mac": mac_address(plan.value, "query")}
    if plan.kind is SearchKind.DEPARTMENT:
        name = fold(plan.value or " ".join(t[0] for t in plan.terms if t))
        if not name:
            return None
        prefix = _like_escape(name) + "%"
        return (), {"department": name, "prefix": prefix, "word_prefix": "% " + prefix}
    raise ValueError(f"unknown search kind {plan.kind!r}")


@lru_cache(maxsize=512)
def _compiled(shape: _Shape) -> _Compiled:
    return _compile(_build(shape))


@lru_cache(maxsize=512)
def _build(shape: _Shape) -> Select[Any]:
    """The statement for every plan of this shape, its values left as bind parameters."""
    return _page(_matches(shape), shape)


def _bound(name: str, type_: Any = Text) -> BindParameter[Any]:
    return bindparam(name, type_=type_)


def _matches(shape: _Shape) -> Select[Any]:
    """(employee_id, score, matched), one row per matching employee, before filters."""
    kind = shape.kind
    if kind is SearchKind.NAME:
        # one word, first page: each close word's employees are cut at the page size
        first_of_each = shape.typos and len(shape.detail) == 1 and not shape.paged
        return _name_matches(
            shape.detail,
            typos=shape.typos,
            exact=shape.exact,
            first_of_each=shape.where if first_of_each else None,
        )
    if kind is SearchKind.PHONE:
        return _phone_matches(*shape.detail)
    if kind is SearchKind.HOSTNAME:
        hostname = workstations.c.hostname
        score = case((hostname == _bound("host"), _score(EXACT)), else_=_score(NEAR))
        return _workstation_matches(_starts_with(hostname, "host"), score, "hostname")
    if kind is SearchKind.IP:
        return _address_matches(workstation_addresses.c.address == cast(_bound("ip"), INET))
    if kind in (SearchKind.CIDR, SearchKind.IP_PREFIX):
        return _address_matches(
            workstation_addresses.c.address.op("<<=", is_comparison=True)(
                cast(_bound("network"), CIDR)
            ),
            exact_when=workstation_addresses.c.address == cast(_bound("network"), INET),
        )
    if kind is SearchKind.MAC:
        return _workstation_matches(workstations.c.mac == _bound("mac"), _score(EXACT), "mac")
    if kind is SearchKind.DEPARTMENT:
        return _department_matches(shape)
    raise ValueError(f"unknown search kind {kind!r}")


def _page(matches: Select[Any], shape: _Shape) -> Select[Any]:
    """Orders the matches (score desc, id asc), cuts the page at the cursor, filters, then
    loads the page's employees and their workstation ids, all in one statement.

    The matches are sorted before they meet the employees table: PostgreSQL then walks them
    in order, looks each employee up by primary key and stops once the page is full, instead
    of hashing the whole employees table when a short query ("Иван") matches thousands."""
    found = matches.subquery("found")
    ordered = select(found).order_by(found.c.score.desc(), found.c.employee_id)
    if shape.paged:
        ordered = ordered.where(_after(found.c.score, found.c.employee_id))
    walked = ordered.subquery("ordered")
    page = (
        select(walked.c.employee_id, walked.c.score, walked.c.matched)
        .join(employees, employees.c.id == walked.c.employee_id)
        .where(*filter_conditions(shape.where))
        .order_by(walked.c.score.desc(), walked.c.employee_id)
        .limit(_bound("limit", Integer))
        .subquery("page")
    )
    return (
        select_employees()
        .add_columns(page.c.score, page.c.matched)
        .join_from(page, employees, employees.c.id == page.c.employee_id)
        .order_by(page.c.score.desc(), page.c.employee_id)
    )


def _after(score: ColumnElement[float], employee_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Past the cursor in (score desc, id asc) order."""
    after_score = _bound("after_score", Double)
    return or_(
        score < after_score,
        and_(score == after_score, employee_id > _bound("after_id", BigInteger)),
    )


# --- NAME ---------------------------------------------------------------------------------


def _name_values(
    terms: Sequence[Sequence[str]],
) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    words = [w for w in (_readings(term) for term in terms) if w]
    if not words:
        return None
    values: dict[str, Any] = {}
    for i, readings in enumerate(words):
        for j, reading in enumerate(readings):
            values[_reading(i, j)] = reading
            values[_reading(i, j) + "_next"] = _successor(reading)
    detail = tuple(tuple(min(len(r), MIN_TYPO_LENGTH) for r in readings) for readings in words)
    return detail, values


def _reading(word: int, reading: int) -> str:
    return f"w{word}r{reading}"


def _name_matches(
    words: Sequence[Sequence[int]],
    *,
    typos: bool,
    exact: bool = False,
    first_of_each: EmployeeFilter | None = None,
) -> Select[Any]:
    """The matching tokens of every typed word (`_word_matches`), joined on the employee: an
    employee matches when every word matches a token of its own, no two words the same
    token ("Иван Иванов" needs two names, not one Иванов read twice). The score is that of
    the best such assignment: the largest sum over the joined rows.

    A join rather than one aggregate per word, so that the planner orders it from the
    statistics: a rare word's few tokens first and the other words through the employee's
    primary key (pk_name_tokens), or bitmap scans hashed together when all are common.
    Initials are the exception (`_initial_of`): they are looked up per employee the other
    words found."""
    order = sorted(range(len(words)), key=lambda i: _is_initial(words[i]))
    first = _word_matches(
        order[0], words[order[0]], typos=typos, exact=exact, first_of_each=first_of_each
    ).subquery(f"word{order[0]}")
    matches: list[FromClause] = [first]
    joined: FromClause = first
    conditions: list[ColumnElement[bool]] = []
    total: ColumnElement[float] = first.c.score
    for i in order[1:]:
        if _is_initial(words[i]) and not _is_initial(words[order[0]]):
            match: FromClause = _initial_of(first, i, words[i])
            joined = joined.join(match, true())
        else:
            match = _word_matches(i, words[i], typos=typos, exact=exact).subquery(f"word{i}")
            joined = joined.join(match, match.c.employee_id == first.c.employee_id)
        conditions.extend(
            tuple_(match.c.part, match.c.token) != tuple_(other.c.part, other.c.token)
            for other in matches
        )
        matches.append(match)
        total = total + match.c.score
    return (
        select(
            first.c.employee_id, func.max(total).label("score"), literal("name").label("matched")
        )
        .select_from(joined)
        .where(*conditions)
        .group_by(first.c.employee_id)
    )


def _is_initial(lengths: Sequence[int]) -> bool:
    return all(length == 1 for length in lengths)


def _initial_of(found: FromClause, word: int, lengths: Sequence[int]) -> FromClause:
    """The first names and patronymics an initial matches among those of each employee
    `found` holds, as a LATERAL subquery: a probe of pk_name_tokens (employee_id, ...) per
    employee. Joined as a relation, an initial ("В." begins some 30,000 tokens at 100k
    employees) was hashed whole whenever the statistics overestimated the surname's
    tokens, which a btree range's estimate often does. OFFSET 0 keeps PostgreSQL from
    flattening the subquery back into that join."""
    names = [_reading(word, j) for j in range(len(lengths))]
    token = name_tokens.c.token
    return (
        select(name_tokens.c.part, token, _score(NAME_PREFIX).label("score"))
        .where(
            name_tokens.c.employee_id == found.c.employee_id,
            _in_ranges(name_tokens, names, lengths),
        )
        .offset(literal_column("0", Integer))
        .lateral(f"word{word}")
    )


def _readings(term: Sequence[str]) -> tuple[str, ...]:
    """The readings of one typed word, folded, without punctuation around them ("И." -> и)."""
    folded = (fold(reading).strip(".,;:!?'\"()") for reading in term)
    return tuple(dict.fromkeys(r for r in folded if r))


def _word_matches(
    word: int,
    lengths: Sequence[int],
    *,
    typos: bool,
    exact: bool = False,
    first_of_each: EmployeeFilter | None = None,
) -> CompoundSelect[Any]:
    """(employee_id, part, token, score) of every token one typed word matches, as one arm
    per index use: the text_pattern_ops btree ranges of all readings together (exact 1.0,
    prefix or initial 0.8; with `exact`, whole words only), and with `typos` the lexicon's
    trigram GIN index once per reading (similarity x 0.7, `_close_words`) for the tokens no
    range took. One arm per reading keeps each similarity to that reading alone: a
    wrong-layout reading such as
    "шмфтщм" costs its index probe, not a trigram comparison with every "иванович" another
    reading found."""
    names = [_reading(word, j) for j in range(len(lengths))]
    readings = [_bound(name) for name in names]
    token = name_tokens.c.token
    columns = (name_tokens.c.employee_id, name_tokens.c.part, token)
    if exact and not _is_initial(lengths):
        return union_all(select(*columns, _score(EXACT).label("score")).where(token.in_(readings)))
    exact_or_prefix = case((token.in_(readings), _score(EXACT)), else_=_score(NAME_PREFIX))
    in_ranges = _in_ranges(name_tokens, names, lengths)
    arms = [select(*columns, exact_or_prefix.label("score")).where(in_ranges)]
    for j, (reading, length) in enumerate(zip(readings, lengths, strict=True)):
        if not typos or length < MIN_TYPO_LENGTH:
            continue
        close = _close_words(reading).subquery(f"close{word}_{j}")
        if first_of_each is not None:
            arms.append(_first_bearers(close, f"{word}_{j}", names, lengths, first_of_each))
            continue
        arms.append(
            select(*columns, close.c.score)
            .select_from(close.join(name_tokens, token == close.c.token))
            .where(not_(in_ranges))
        )
    return union_all(*arms)


def _first_bearers(
    close: FromClause,
    label: str,
    names: Sequence[str],
    lengths: Sequence[int],
    where: EmployeeFilter,
) -> Select[Any]:
    """The typo arm of a one-word query's first page: per close word, only its first `limit`
    bearers in id order who pass the filters, from an ordered walk of the (token, employee_id)
    index, instead of all of them ("сергеова" -> сергеевна: thousands of patronymics).

    The page is the same: everyone a close word scores shares that word's score, so a bearer
    who is not among its first `limit` has `limit` others before them in (score desc, id asc)
    order, each scoring at least as much through that word. A cursor breaks the argument
    (those others may sit on earlier pages), so later pages take every bearer."""
    tokens = name_tokens.alias(f"tokens{label}")
    bearers = (
        select(tokens.c.employee_id, tokens.c.part, tokens.c.token)
        .join(employees, employees.c.id == tokens.c.employee_id)
        .where(
            tokens.c.token == close.c.token,
            not_(_in_ranges(tokens, names, lengths)),
            *filter_conditions(where),
        )
        .order_by(tokens.c.employee_id)
        .limit(_bound("limit", Integer))
        .correlate(close)
        .lateral(f"first{label}")
    )
    return select(
        bearers.c.employee_id, bearers.c.part, bearers.c.token, close.c.score
    ).select_from(close.join(bearers, true()))


def _close_words(reading: BindParameter[Any]) -> Select[Any]:
    """The distinct name words a typo of `reading` may stand for, scored (similarity x 0.7),
    from the lexicon's trigram index: the similarity is computed once per word, not once
    per employee bearing it."""
    word = name_lexicon.c.token
    similarity = cast(func.similarity(word, reading), Double) * _score(TRIGRAM_WEIGHT)
    return select(word.label("token"), similarity.label("score")).where(
        word.op("%", is_comparison=True)(reading)
    )


def _in_ranges(
    tokens: FromClause, names: Sequence[str], lengths: Sequence[int]
) -> ColumnElement[bool]:
    """A token of `tokens` begins with one of the readings (an initial: only a first name's
    or a patronymic's), as ranges on the text_pattern_ops btree."""
    ranges: list[ColumnElement[bool]] = []
    for name, length in zip(names, lengths, strict=True):
        starts = _starts_with(tokens.c.token, name)
        if length == 1:  # an initial: the first letter of a first name or patronymic
            starts = and_(starts, tokens.c.part.in_([literal(p, Text) for p in INITIAL_PARTS]))
        ranges.append(starts)
    return or_(*ranges)


# --- PHONE --------------------------------------------------------------------------------


def _phone_values(value: str) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    digits = re.sub(r"\D", "", value)
    if not digits:
        return None
    key = digits[-NATIONAL_DIGITS:]
    reversed_key = key[::-1]
    detail = (len(key) < MIN_PHONE_TAIL, len(key) == NATIONAL_DIGITS)
    return detail, {"phone": reversed_key, "phone_next": _successor(reversed_key)}


def _phone_matches(extension: bool, whole_number: bool) -> Select[Any]:
    column = phone_keys.c.reversed_digits
    reversed_key = _bound("phone")
    if extension:  # too short for a tail: an extension, typed in full
        lookup: ColumnElement[bool] = column == reversed_key
    else:
        lookup = _starts_with(column, "phone")
    if whole_number:  # the whole number, whichever prefix it was typed with
        score: ColumnElement[float] = _score(EXACT)
    else:
        score = case((column == reversed_key, _score(EXACT)), else_=_score(NEAR))
    best_field = func.array_agg(aggregate_order_by(phone_keys.c.field, score.desc()))[1]
    return (
        select(
            phone_keys.c.employee_id,
            func.max(score).label("score"),
            best_field.label("matched"),
        )
        .where(lookup)
        .group_by(phone_keys.c.employee_id)
    )


# --- WORKSTATIONS -------------------------------------------------------------------------


def _workstation_matches(
    lookup: ColumnElement[bool], score: ColumnElement[float], matched: str
) -> Select[Any]:
    link = employee_workstations
    return (
        select(
            link.c.employee_id, func.max(score).label("score"), literal(matched).label("matched")
        )
        .select_from(workstations.join(link, link.c.workstation_id == workstations.c.id))
        .where(lookup)
        .group_by(link.c.employee_id)
    )


def _address_matches(
    lookup: ColumnElement[bool], exact_when: ColumnElement[bool] | None = None
) -> Select[Any]:
    address, link = workstation_addresses, employee_workstations
    score: ColumnElement[float] = _score(EXACT)
    if exact_when is not None:
        score = case((exact_when, _score(EXACT)), else_=_score(NEAR))
    return (
        select(link.c.employee_id, func.max(score).label("score"), literal("ip").label("matched"))
        .select_from(address.join(link, link.c.workstation_id == address.c.workstation_id))
        .where(lookup)
        .group_by(link.c.employee_id)
    )


def _ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValidationFailed({"query": f"not an IP address: {value!r}"}) from None


def _network(value: str) -> str:
    """A CIDR ("10.1.2.0/24", host bits allowed) or an IPv4 prefix ("10.1.2." / "10.1")."""
    text_value = value.strip()
    if "/" not in text_value and ":" not in text_value:
        octets = [o for o in text_value.split(".") if o]
        if 0 < len(octets) < 4:
            text_value = ".".join(octets + ["0"] * (4 - len(octets))) + f"/{8 * len(octets)}"
    try:
        return str(ipaddress.ip_network(text_value, strict=False))
    except ValueError:
        raise ValidationFailed({"query": f"not a network: {value!r}"}) from None


# --- DEPARTMENT ---------------------------------------------------------------------------


def _department_matches(shape: _Shape) -> Select[Any]:
    """Departments by name, then a page's worth of each one's employees in id order. Everyone
    in a department shares its score, so the walk per department along (department_id, id)
    yields at most `limit` rows each and never reads a whole department, let alone the
    employees table."""
    key = departments.c.name_key
    name, prefix, word_prefix = _bound("department"), _bound("prefix"), _bound("word_prefix")
    typo = name.op("<%", is_comparison=True)(key)
    score = case(
        (key == name, _score(EXACT)),
        (key.like(prefix, escape="\\"), _score(NEAR)),
        (key.like(word_prefix, escape="\\"), _score(WORD_PREFIX)),
        else_=cast(func.word_similarity(name, key), Double) * _score(TRIGRAM_WEIGHT),
    )
    found = (
        select(departments.c.id, score.label("score"))
        .where(or_(key.like(prefix, escape="\\"), key.like(word_prefix, escape="\\"), typo))
        .subquery("departments_found")
    )
    members = select(employees.c.id).where(
        employees.c.department_id == found.c.id, *filter_conditions(shape.where)
    )
    if shape.paged:
        members = members.where(_after(found.c.score, employees.c.id))
    walk = members.order_by(employees.c.id).limit(_bound("limit", Integer)).lateral("members")
    return select(
        walk.c.id.label("employee_id"), found.c.score, literal("department").label("matched")
    ).select_from(found.join(walk, true()))


# --- shared -------------------------------------------------------------------------------


def _starts_with(column: ColumnElement[str], name: str) -> ColumnElement[bool]:
    """`column` begins with the bound prefix `name` (its successor bound as `name`_next), as
    a range a text_pattern_ops btree serves with bound parameters (LIKE needs the pattern at
    planning time, starts_with is not indexable)."""
    return and_(
        column.op("~>=~", is_comparison=True)(_bound(name)),
        column.op("~<~", is_comparison=True)(_bound(name + "_next")),
    )


def _successor(prefix: str) -> str:
    """The least string above every string starting with `prefix`, in byte (= code point)
    order: its last character incremented."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:  # no character above it: the successor of what comes before
        return _successor(prefix[:-1]) if len(prefix) > 1 else prefix + chr(0x10FFFF)
    following = last + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates are not characters; skip past them
        following = 0xE000
    return prefix[:-1] + chr(following)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _score(value: float) -> ColumnElement[float]:
    # a float8 constant, so that every score is float8 and a cursor's score compares exactly
    return literal_column(f"CAST({value!r} AS DOUBLE PRECISION)", Double)
