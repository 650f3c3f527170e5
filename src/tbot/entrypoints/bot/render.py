"""Cards, lists and workstations as Telegram HTML. Every value from the directory is escaped
here: an employee named `<b>` shows as `<b>`, never as bold."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

import phonenumbers

from tbot.application.directory.cards import EmployeeCard
from tbot.domain.directory.model import Employee, EmployeeStatus, Workstation
from tbot.entrypoints.bot.i18n import t

MESSAGE_LIMIT = 4096  # Telegram's limit for a message's text, after entity parsing


def phone(e164: str) -> str:
    """+74951234567 as +7 495 123-45-67: Telegram clients make it tap-to-call."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def status_note(employee: Employee) -> str:
    if employee.status is EmployeeStatus.ON_LEAVE:
        return f" <i>({t('card.on_leave')})</i>"
    if employee.status is EmployeeStatus.DISMISSED:
        return f" <i>({t('card.dismissed')})</i>"
    return ""


def card(card: EmployeeCard) -> str:
    employee = card.employee
    lines = [f"<b>{escape(employee.full_name)}</b>{status_note(employee)}"]
    role = ", ".join(escape(part) for part in (employee.position, card.department) if part)
    if role:
        lines.append(role)
    lines.extend(_contact_lines(employee))
    if card.workstations:
        hosts = ", ".join(_host(w) for w in card.workstations)
        lines.append(f"{t('card.workstations')}: {hosts}")
    return "\n".join(lines)


def _contact_lines(employee: Employee) -> Iterable[str]:
    if employee.work_phone:
        yield f"{t('card.work_phone')}: {escape(phone(employee.work_phone))}"
    if employee.extension:
        yield f"{t('card.extension')}: {escape(employee.extension)}"
    if employee.mobile_phone:
        yield f"{t('card.mobile')}: {escape(phone(employee.mobile_phone))}"
    if employee.email:
        yield f"{t('card.email')}: {escape(employee.email)}"
    if employee.telegram_username:
        yield f"{t('card.telegram')}: @{escape(employee.telegram_username)}"
    if employee.room:
        yield f"{t('card.room')}: {escape(employee.room)}"


def _host(workstation: Workstation) -> str:
    addresses = ", ".join(workstation.addresses)
    name = f"<code>{escape(workstation.hostname)}</code>"
    return f"{name} ({escape(addresses)})" if addresses else name


def workstations(owner: Employee, items: Sequence[Workstation]) -> str:
    if not items:
        return t("ws.none")
    blocks = [t("ws.title", name=owner.full_name)]
    for item in items:
        lines = [f"<b><code>{escape(item.hostname)}</code></b>"]
        if item.addresses:
            lines.append(f"{t('ws.addresses')}: {escape(', '.join(item.addresses))}")
        for key, value in (
            ("ws.mac", item.mac),
            ("ws.os", item.os),
            ("ws.location", item.location),
            ("ws.inventory", item.inventory_number),
        ):
            if value:
                lines.append(f"{t(key)}: {escape(value)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def vcard(card: EmployeeCard) -> str:
    """The contact's vCard 3.0 (RFC 2426): what a phone's address book keeps of a colleague."""
    e = card.employee
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{_v(e.last_name)};{_v(e.first_name)};{_v(e.middle_name)};;",
        f"FN:{_v(e.full_name)}",
    ]
    if card.department:
        lines.append(f"ORG:;{_v(card.department)}")
    if e.position:
        lines.append(f"TITLE:{_v(e.position)}")
    if e.work_phone:
        lines.append(f"TEL;TYPE=WORK,VOICE:{e.work_phone}")
    if e.mobile_phone:
        lines.append(f"TEL;TYPE=CELL,VOICE:{e.mobile_phone}")
    if e.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{_v(e.email)}")
    lines.append("END:VCARD")
    return "\r\n".join(lines)


def _v(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def list_label(employee: Employee, department: str = "") -> str:
    """A button's caption: plain text (buttons take no HTML), at most 64 characters."""
    parts = [employee.full_name, employee.position or department]
    label = " · ".join(p for p in parts if p)
    return label if len(label) <= 64 else label[:63] + "…"


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units. Counted on the HTML, which is never
    shorter than the text Telegram is left with after parsing it."""
    return len(text.encode("utf-16-le")) // 2


def split(blocks: Sequence[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Blocks joined by blank lines into messages of at most `limit` units, never cutting a
    block (a block closes every tag it opens). A block over the limit gets messages of its
    own, cut between its lines, and a line over the limit between characters of its plain
    text (our renderers put no markup in such a line), never inside an `&...;` entity."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        if units(block) > limit:
            messages.extend([current] if current else [])
            messages.extend(_cut_block(block, limit))
            current = ""
            continue
        joined = f"{current}\n\n{block}" if current else block
        if units(joined) <= limit:
            current = joined
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def _cut_block(block: str, limit: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for line in block.split("\n"):
        chunks = _cut_line(line, limit)
        for number, chunk in enumerate(chunks):
            continues_line = number > 0
            joined = f"{current}\n{chunk}" if current else chunk
            if not continues_line and units(joined) <= limit:
                current = joined
                continue
            if current:
                pieces.append(current)
            current = chunk
    if current:
        pieces.append(current)
    return pieces


def _cut_line(line: str, limit: int) -> list[str]:
    chunks: list[str] = []
    while units(line) > limit:
        cut = _fitting_prefix(line, limit)
        entity = line.rfind("&", max(0, cut - 10), cut)
        if entity > 0 and ";" not in line[entity:cut]:
            cut = entity
        chunks.append(line[:cut])
        line = line[cut:]
    chunks.append(line)
    return chunks


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    total = 0
    for index, char in enumerate(text):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > limit:
            return index
    return len(text)
