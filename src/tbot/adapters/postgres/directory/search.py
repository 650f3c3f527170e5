"""The directory search as index-backed SQL: one statement per search returns a ranked page of
employees with their workstation ids.

Every kind first finds candidate employees through an index of its own, then ranks them:

- NAME: employees.name_tokens holds each folded word of every name (repository-written, from
  tbot.domain.directory.text.fold). Per typed word, its readings' exact and prefix matches
  come from ranges on the text_pattern_ops btree (`token ~>=~ r AND token ~<~ r'`, usable
  with bound parameters and whatever the collation) and its typos from the pg_trgm GIN
  index (`token % r`, one arm per reading). The words are joined on the employee, each to a
  token of its own; the planner orders the join from the statistics.
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

Every search runs in one transaction of its own with a few SET LOCAL settings (SEARCH_SETTINGS)
and one statement; `statement(plan)` and `explain(plan)` expose that statement for tests and
benchmarks.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Double,
    FromClause,
    Select,
    and_,
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
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
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
    name_tokens,
    phone_keys,
    workstation_addresses,
    workstations,
)
from tbot.application.ports.directory import SearchHit, SearchKind, SearchPlan
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


class PostgresDirectorySearch:
    """DirectorySearch on PostgreSQL. Reads in a session of its own, outside any unit of work."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def search(self, plan: SearchPlan) -> list[SearchHit]:
        statement = self.statement(plan)
        if statement is None:
            return []
        async with self._session_factory() as session:
            await _tune(session)
            rows = (await session.execute(statement)).mappings().all()
        return [
            SearchHit(employee=employee_from_row(row), score=row["score"], matched=row["matched"])
            for row in rows
        ]

    async def explain(self, plan: SearchPlan, *, analyze: bool = False) -> Any:
        """The plan PostgreSQL picks for `search(plan)`, as EXPLAIN (FORMAT JSON) gives it:
        the same statement, the same bound values, the same settings."""
        statement = self.statement(plan)
        if statement is None:
            return None
        async with self._session_factory() as session:
            await _tune(session)
            connection = await session.connection()
            compiled = statement.compile(
                dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
            )
            options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
            sql = f"EXPLAIN ({options}) {compiled.string}"
            parameters = tuple(compiled.params[name] for name in compiled.positiontup or ())
            result = await connection.exec_driver_sql(sql, parameters)
            plan_json = result.scalar_one()
        return json.loads(plan_json) if isinstance(plan_json, str) else plan_json

    def statement(self, plan: SearchPlan) -> Select[Any] | None:
        """The one statement `search(plan)` runs; None when the plan cannot match anyone."""
        if plan.limit <= 0:
            return None
        matches = _matches(plan)
        if matches is None:
            return None
        return _page(matches, plan)


async def _tune(session: AsyncSession) -> None:
    """Settings for this transaction only (SET LOCAL): the connection returns to the pool as
    it came."""
    values = {}
    for i, (name, value) in enumerate(SEARCH_SETTINGS):
        values[f"name{i}"], values[f"value{i}"] = name, value
    await session.execute(_TUNING, values)


# - the trigram thresholds that `%` and `<%` read;
# - a fresh plan for every search: how many rows a word matches varies by orders of
#   magnitude ("ко" vs "Щербакова"), so a cached generic plan (asyncpg prepares every
#   statement) could keep a join order that suits one word and not the next;
# - no JIT: a search is milliseconds of work, JIT compilation alone costs more.
SEARCH_SETTINGS = (
    ("pg_trgm.similarity_threshold", str(SIMILARITY_THRESHOLD)),
    ("pg_trgm.word_similarity_threshold", str(WORD_SIMILARITY_THRESHOLD)),
    ("plan_cache_mode", "force_custom_plan"),
    ("jit", "off"),
)
_TUNING: TextClause = text(
    "SELECT "
    + ", ".join(f"set_config(:name{i}, :value{i}, true)" for i in range(len(SEARCH_SETTINGS)))
)


def _matches(plan: SearchPlan) -> Select[Any] | None:
    """(employee_id, score, matched), one row per matching employee, before filters."""
    if plan.kind is SearchKind.NAME:
        return _name_matches(plan.terms)
    if plan.kind is SearchKind.PHONE:
        return _phone_matches(plan.value)
    if plan.kind is SearchKind.HOSTNAME:
        return _hostname_matches(plan.value)
    if plan.kind is SearchKind.IP:
        return _address_matches(workstation_addresses.c.address == cast(_ip(plan.value), INET))
    if plan.kind in (SearchKind.CIDR, SearchKind.IP_PREFIX):
        network = _network(plan.value)
        return _address_matches(
            workstation_addresses.c.address.op("<<=", is_comparison=True)(cast(network, CIDR)),
            exact_when=workstation_addresses.c.address == cast(network, INET),
        )
    if plan.kind is SearchKind.MAC:
        return _workstation_matches(
            workstations.c.mac == mac_address(plan.value, "query"), _score(EXACT), "mac"
        )
    if plan.kind is SearchKind.DEPARTMENT:
        return _department_matches(plan.value or " ".join(t[0] for t in plan.terms if t), plan)
    raise ValueError(f"unknown search kind {plan.kind!r}")


def _page(matches: Select[Any], plan: SearchPlan) -> Select[Any]:
    """Orders the matches (score desc, id asc), cuts the page at the cursor, filters, then
    loads the page's employees and their workstation ids, all in one statement.

    The matches are sorted before they meet the employees table: PostgreSQL then walks them
    in order, looks each employee up by primary key and stops once the page is full, instead
    of hashing the whole employees table when a short query ("Иван") matches thousands."""
    found = matches.subquery("found")
    ordered = select(found).order_by(found.c.score.desc(), found.c.employee_id)
    if plan.after is not None:
        score, employee_id = plan.after
        ordered = ordered.where(
            or_(
                found.c.score < score,
                and_(found.c.score == score, found.c.employee_id > employee_id),
            )
        )
    walked = ordered.subquery("ordered")
    page = (
        select(walked.c.employee_id, walked.c.score, walked.c.matched)
        .join(employees, employees.c.id == walked.c.employee_id)
        .where(*filter_conditions(plan.where))
        .order_by(walked.c.score.desc(), walked.c.employee_id)
        .limit(plan.limit)
        .subquery("page")
    )
    return (
        select_employees()
        .add_columns(page.c.score, page.c.matched)
        .join_from(page, employees, employees.c.id == page.c.employee_id)
        .order_by(page.c.score.desc(), page.c.employee_id)
    )


# --- NAME ---------------------------------------------------------------------------------


def _name_matches(terms: Sequence[Sequence[str]]) -> Select[Any] | None:
    """The matching tokens of every typed word (`_word_matches`), joined on the employee: an
    employee matches when every word matches a token of its own, no two words the same
    token ("Иван Иванов" needs two names, not one Иванов read twice). The score is that of
    the best such assignment: the largest sum over the joined rows.

    A join rather than one aggregate per word, so that the planner orders it from the
    statistics: a rare word's few tokens first and the other words through the employee's
    primary key (pk_name_tokens), or bitmap scans hashed together when all are common."""
    words = [w for w in (_readings(term) for term in terms) if w]
    if not words:
        return None
    matches = [_word_matches(word).subquery(f"word{i}") for i, word in enumerate(words)]
    first = matches[0]
    joined: FromClause = first
    conditions: list[ColumnElement[bool]] = []
    total: ColumnElement[float] = first.c.score
    for i, match in enumerate(matches[1:], start=1):
        joined = joined.join(match, match.c.employee_id == first.c.employee_id)
        conditions.extend(
            tuple_(match.c.part, match.c.token) != tuple_(other.c.part, other.c.token)
            for other in matches[:i]
        )
        total = total + match.c.score
    return (
        select(
            first.c.employee_id, func.max(total).label("score"), literal("name").label("matched")
        )
        .select_from(joined)
        .where(*conditions)
        .group_by(first.c.employee_id)
    )


def _readings(term: Sequence[str]) -> tuple[str, ...]:
    """The readings of one typed word, folded, without punctuation around them ("И." -> и)."""
    folded = (fold(reading).strip(".,;:!?'\"()") for reading in term)
    return tuple(dict.fromkeys(r for r in folded if r))


def _word_matches(readings: Sequence[str]) -> CompoundSelect[Any]:
    """(employee_id, part, token, score) of every token one typed word matches, as one arm
    per index use: the text_pattern_ops btree ranges of all readings together (exact 1.0,
    prefix or initial 0.8), then the trigram GIN index once per reading (similarity x 0.7)
    for the tokens no range took. One arm per reading keeps each heap recheck and each
    similarity to that reading alone: a wrong-layout reading such as "шмфтщм" costs its
    index probe, not a trigram comparison with every "иванович" another reading found."""
    token = name_tokens.c.token
    ranges: list[ColumnElement[bool]] = []
    for reading in readings:
        if len(reading) >= 2:
            ranges.append(_starts_with(token, reading))
        else:  # an initial: the first letter of a first name or patronymic
            ranges.append(and_(_starts_with(token, reading), name_tokens.c.part.in_(INITIAL_PARTS)))
    in_a_range = or_(*ranges)
    columns = (name_tokens.c.employee_id, name_tokens.c.part, token)
    exact_or_prefix = case((token.in_(readings), _score(EXACT)), else_=_score(NAME_PREFIX))
    arms = [select(*columns, exact_or_prefix.label("score")).where(in_a_range)]
    for reading in readings:
        if len(reading) < 3:  # too few trigrams to tell a typo from another name
            continue
        similarity = cast(func.similarity(token, reading), Double) * _score(TRIGRAM_WEIGHT)
        arms.append(
            select(*columns, similarity.label("score")).where(
                token.op("%", is_comparison=True)(reading), not_(in_a_range)
            )
        )
    return union_all(*arms)


# --- PHONE --------------------------------------------------------------------------------


def _phone_matches(value: str) -> Select[Any] | None:
    digits = re.sub(r"\D", "", value)
    if not digits:
        return None
    key = digits[-NATIONAL_DIGITS:]
    reversed_key = key[::-1]
    column = phone_keys.c.reversed_digits
    if len(key) < MIN_PHONE_TAIL:  # too short for a tail: an extension, typed in full
        lookup: ColumnElement[bool] = column == reversed_key
    else:
        lookup = _starts_with(column, reversed_key)
    if len(key) == NATIONAL_DIGITS:  # the whole number, whichever prefix it was typed with
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


def _hostname_matches(value: str) -> Select[Any] | None:
    prefix = value.strip().lower().rstrip(".")
    if not prefix:
        return None
    score = case((workstations.c.hostname == prefix, _score(EXACT)), else_=_score(NEAR))
    return _workstation_matches(_starts_with(workstations.c.hostname, prefix), score, "hostname")


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


def _department_matches(value: str, plan: SearchPlan) -> Select[Any] | None:
    """Departments by name, then a page's worth of each one's employees in id order. Everyone
    in a department shares its score, so the walk per department along (department_id, id)
    yields at most `limit` rows each and never reads a whole department, let alone the
    employees table."""
    name = fold(value)
    if not name:
        return None
    key = departments.c.name_key
    prefix = _like_escape(name) + "%"
    word_prefix = "% " + prefix
    typo = literal(name).op("<%", is_comparison=True)(key)
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
        employees.c.department_id == found.c.id, *filter_conditions(plan.where)
    )
    if plan.after is not None:
        after_score, after_id = plan.after
        members = members.where(
            or_(
                found.c.score < after_score,
                and_(found.c.score == after_score, employees.c.id > after_id),
            )
        )
    walk = members.order_by(employees.c.id).limit(plan.limit).lateral("members")
    return select(
        walk.c.id.label("employee_id"), found.c.score, literal("department").label("matched")
    ).select_from(found.join(walk, true()))


# --- shared -------------------------------------------------------------------------------


def _starts_with(column: ColumnElement[str], prefix: str) -> ColumnElement[bool]:
    """`column` begins with `prefix`, as a range a text_pattern_ops btree serves with a bound
    parameter (LIKE needs the pattern at planning time, starts_with is not indexable)."""
    return and_(
        column.op("~>=~", is_comparison=True)(prefix),
        column.op("~<~", is_comparison=True)(_successor(prefix)),
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
