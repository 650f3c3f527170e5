"""A Telegram user proves they are an employee: a 6-digit code goes to their corporate
mailbox; typing it back links the Telegram account to the user with that email."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from tbot.application.identity.credentials import hash_token, new_verification_code, same_hash
from tbot.application.identity.policy import IdentityPolicy
from tbot.application.ports.clock import Clock
from tbot.application.ports.identity import Mailer, RateLimiter
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import (
    NotFound,
    PermissionDenied,
    RateLimited,
    Unavailable,
)
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.users import User, normalize_email
from tbot.domain.identity.verification import (
    CODE_LENGTH,
    CODE_TTL,
    COOLDOWN,
    MAX_ATTEMPTS,
    CodeExpired,
    DomainNotAllowed,
    EmailTaken,
    EmailVerification,
    WrongCode,
)

SUBJECT = "TBot: код подтверждения / verification code"
BODY = (
    "Ваш код подтверждения для TBot: {code}\n"
    "Он действует 10 минут. Если вы его не запрашивали, просто удалите это письмо.\n\n"
    "Your TBot verification code: {code}\n"
    "It is valid for 10 minutes. If you did not ask for it, delete this mail.\n"
)


def _code_hash(telegram_id: int, code: str) -> str:
    # Salted with the Telegram id: one leaked hash does not answer for another user.
    return hash_token(f"{telegram_id}:{code}")


class StartEmailVerification:
    def __init__(
        self,
        uow: UnitOfWork,
        mailer: Mailer,
        limiter: RateLimiter,
        clock: Clock,
        policy: IdentityPolicy,
    ) -> None:
        self._uow = uow
        self._mailer = mailer
        self._limiter = limiter
        self._clock = clock
        self._policy = policy

    async def __call__(self, telegram_id: int, email: str, caller: Caller) -> None:
        address = self._allowed(email)
        now = self._clock.now()
        async with self._uow:
            await _refuse_blocked(self._uow, telegram_id)
            pending = await self._uow.verifications.get(telegram_id)
            if pending is not None and pending.locked(now):
                assert pending.locked_until is not None
                raise RateLimited("verification", (pending.locked_until - now).total_seconds())
            await self._limiter.hit(str(telegram_id), self._policy.verification_sends)
            code = new_verification_code(CODE_LENGTH)
            await self._uow.verifications.save(
                EmailVerification(
                    telegram_id=telegram_id,
                    email=address,
                    code_hash=_code_hash(telegram_id, code),
                    sent_at=now,
                    expires_at=now + CODE_TTL,
                    # Asking for a new code must not buy five more guesses.
                    attempts=_attempts_so_far(pending, now),
                )
            )
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="verification.sent",
                    target_type="telegram_user",
                    target_id=str(telegram_id),
                    after={"email": address},
                )
            )
            await self._uow.commit()
        await self._send(address, code)

    def _allowed(self, email: str) -> str:
        address = normalize_email(email)
        domains = self._policy.allowed_email_domains
        if domains and address.rsplit("@", 1)[1] not in domains:
            raise DomainNotAllowed(domains)
        return address

    async def _send(self, address: str, code: str) -> None:
        try:
            await self._mailer.send(address, SUBJECT, BODY.format(code=code))
        except Exception as error:
            raise Unavailable("the code could not be mailed; try again in a few minutes") from error


class ConfirmEmailVerification:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, telegram_id: int, code: str, caller: Caller) -> User:
        now = self._clock.now()
        async with self._uow:
            await _refuse_blocked(self._uow, telegram_id)
            pending = await self._uow.verifications.get(telegram_id)
            if pending is None:
                raise NotFound("verification", telegram_id)
            if pending.locked(now):
                assert pending.locked_until is not None
                raise RateLimited("verification", (pending.locked_until - now).total_seconds())
            if pending.expired(now):
                await self._uow.verifications.delete(telegram_id)
                await self._uow.commit()
                raise CodeExpired
            if not same_hash(f"{telegram_id}:{code.strip()}", pending.code_hash):
                await self._count_wrong_code(pending, caller)
            user = await self._link(pending, caller)
            await self._uow.commit()
        return user

    async def _count_wrong_code(self, pending: EmailVerification, caller: Caller) -> None:
        now = self._clock.now()
        attempts = _attempts_so_far(pending, now) + 1
        locked_until = now + COOLDOWN if attempts >= MAX_ATTEMPTS else None
        await self._uow.verifications.save(
            replace(pending, attempts=attempts, locked_until=locked_until)
        )
        await self._uow.audit.add(
            AuditEvent(
                actor=caller.actor,
                action="verification.failed",
                target_type="telegram_user",
                target_id=str(pending.telegram_id),
                after={"attempts": attempts, "locked": locked_until is not None},
            )
        )
        await self._uow.commit()
        if locked_until is not None:
            raise RateLimited("verification", COOLDOWN.total_seconds())
        left = MAX_ATTEMPTS - attempts
        raise WrongCode(left)

    async def _link(self, pending: EmailVerification, caller: Caller) -> User:
        """Links the Telegram id to the user with the verified email, creating an employee
        account when there is none yet."""
        telegram_id = pending.telegram_id
        user = await self._uow.users.by_email(pending.email)
        employee = await self._uow.employees.by_email(pending.email)
        employee_id = employee.id if employee is not None else None
        if user is None:
            user = await self._uow.users.add(
                User(
                    id=None,
                    display_name=employee.full_name if employee else pending.email.split("@")[0],
                    email=pending.email,
                    roles=("employee",),
                    telegram_id=telegram_id,
                    employee_id=employee_id,
                )
            )
        elif user.telegram_id not in (None, telegram_id):
            raise EmailTaken
        else:
            user = await self._uow.users.update(
                replace(user, telegram_id=telegram_id, employee_id=user.employee_id or employee_id)
            )
        await self._uow.verifications.delete(telegram_id)
        await self._uow.audit.add(
            AuditEvent(
                actor=caller.actor,
                action="verification.succeeded",
                target_type="user",
                target_id=str(user.id),
                after={
                    "email": pending.email,
                    "telegram_id": telegram_id,
                    "employee_id": user.employee_id,
                },
            )
        )
        return user


async def _refuse_blocked(uow: UnitOfWork, telegram_id: int) -> None:
    user = await uow.users.by_telegram_id(telegram_id)
    if user is not None and user.telegram_blocked:
        raise PermissionDenied("use TBot (blocked by an administrator)")


def _attempts_so_far(pending: EmailVerification | None, now: datetime) -> int:
    """Wrong codes count until a cool-down has been served, across new codes."""
    if pending is None or (pending.locked_until is not None and now >= pending.locked_until):
        return 0
    return pending.attempts
