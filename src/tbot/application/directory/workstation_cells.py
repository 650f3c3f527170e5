"""The workstation, IP and MAC cells of a directory row, read and written the same way, so
that an export imports back unchanged.

An employee may use several workstations. The workstation cell lists their names separated by
",", ";" or line breaks (spaces separate names too: a name holds none). The IP and MAC cells
hold one entry per workstation, in the same order, separated the same way; an entry may be
empty (", 10.0.0.2": nothing for the first). Inside an IP entry, spaces separate the several
addresses of one workstation. With one workstation, every entry of the IP cell is its address,
as the old single-workstation files wrote them ("10.0.0.1, 10.0.0.2")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tbot.application.directory.drafts import WorkstationDraft, validate_workstation
from tbot.domain.directory.model import Workstation
from tbot.domain.errors import ValidationFailed

_NAMES = re.compile(r"[,;\s]+")
_ENTRIES = re.compile(r"[,;\r\n]")
ENTRY_SEPARATOR = ", "  # what an export writes between entries
# validate_workstation names a workstation's fields; the user knows the cells.
_COLUMN_OF = {"hostname": "workstation", "addresses": "ip"}


@dataclass(frozen=True, slots=True)
class NetworkCells:
    """The three cells as text, None where a cell is absent or empty."""

    workstation: str | None
    ip: str | None
    mac: str | None


def hostnames_in(cell: str | None) -> tuple[str, ...]:
    """The names in a workstation cell, as typed (validation lowercases them)."""
    return tuple(name for name in _NAMES.split(cell or "") if name)


def read_network_cells(cells: NetworkCells) -> tuple[Workstation, ...]:
    """The workstations a row describes (not stored: id None), or one ValidationFailed naming
    every bad cell ("workstation", "ip", "mac")."""
    names = hostnames_in(cells.workstation)
    errors: dict[str, str] = {}
    ips = _entries(cells.ip, len(names), "ip", "IP", errors)
    macs = _entries(cells.mac, len(names), "mac", "MAC", errors)
    if not names:
        if ips or macs:
            errors["workstation"] = "an IP or MAC needs the workstation's name"
        if errors:
            raise ValidationFailed(errors)
        return ()
    if len(names) == 1 and len(macs) > 1:
        errors["mac"] = f"one MAC per workstation; got {len(macs)} for {names[0]}"
    if errors:
        raise ValidationFailed(errors)
    if len(names) == 1:
        ips = [" ".join(ips)]
        macs = macs or [""]
    ips = ips or [""] * len(names)
    macs = macs or [""] * len(names)
    found: list[Workstation] = []
    for name, ip, mac in zip(names, ips, macs, strict=True):
        draft = WorkstationDraft(name, addresses=tuple(ip.split()), mac=mac or None)
        try:
            found.append(validate_workstation(draft))
        except ValidationFailed as error:
            errors.update({_COLUMN_OF.get(k, k): v for k, v in error.errors.items()})
    if errors:
        raise ValidationFailed(errors)
    return tuple(_first_of_each_name(found))


def write_network_cells(used: Sequence[Workstation]) -> NetworkCells:
    """The cells an import reads back as these workstations, in this order."""
    if not used:
        return NetworkCells(None, None, None)
    ips = [" ".join(w.addresses) for w in used]
    macs = [w.mac or "" for w in used]
    return NetworkCells(
        ENTRY_SEPARATOR.join(w.hostname for w in used),
        ENTRY_SEPARATOR.join(ips) if any(ips) else None,
        ENTRY_SEPARATOR.join(macs) if any(macs) else None,
    )


def _entries(
    cell: str | None, names: int, column: str, label: str, errors: dict[str, str]
) -> list[str]:
    """The entries of an IP or MAC cell; with several workstations, one entry for each."""
    entries = [entry.strip() for entry in _ENTRIES.split(cell or "")]
    if not any(entries):
        return []
    while len(entries) > max(names, 1) and not entries[-1]:  # a trailing separator
        entries.pop()
    if names > 1 and entries and len(entries) != names:
        errors[column] = (
            f"{names} workstations but {len(entries)} {label} entries: give one entry per "
            "workstation, in the same order (leave an entry empty to skip one)"
        )
    return entries


def _first_of_each_name(found: list[Workstation]) -> list[Workstation]:
    """A name given twice is one workstation; its first entry counts."""
    seen: set[str] = set()
    kept = []
    for workstation in found:
        if workstation.hostname not in seen:
            seen.add(workstation.hostname)
            kept.append(workstation)
    return kept
