"""Batched reads by id: `id = ANY($1)` with one array parameter, so that the statement's text
(and the driver's prepared statement) is the same whatever the number of ids."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY


def id_in(column: ColumnElement[Any], ids: Collection[int]) -> ColumnElement[bool]:
    return column == any_(bindparam("ids", list(ids), type_=ARRAY(BigInteger)))
