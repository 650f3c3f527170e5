from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from tbot.application.identity.api_tokens import CreateApiToken, ListApiTokens, RevokeApiToken
from tbot.application.identity.authenticate import Authenticate
from tbot.application.identity.authorizer import Authorizer
from tbot.application.identity.browse_audit import BrowseAudit
from tbot.application.identity.change_password import ChangePassword
from tbot.application.identity.create_user import CreateUser, NewUser
from tbot.application.identity.email_verification import (
    ConfirmEmailVerification,
    StartEmailVerification,
)
from tbot.application.identity.login import Login, LoginRequest
from tbot.application.identity.logout import Logout, LogoutEverywhere
from tbot.application.identity.manage_roles import ChangeRolePermissions
from tbot.application.identity.manage_users import SetTelegramBlocked, SetUserRoles
from tbot.application.identity.policy import IdentityPolicy
from tbot.application.identity.refresh_session import RefreshSession
from tbot.application.identity.sessions import SessionIssuer, TokenPair
from tbot.application.ports.audit import AuditFilter
from tbot.domain.actor import Channel
from tbot.domain.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.credentials import Principal
from tbot.domain.identity.permissions import Permission
from tests.unit.fakes import FakeClock, FakeUnitOfWork
from tests.unit.identity_fakes import (
    FakeAccessGate,
    FakeCodec,
    FakeFailureCounter,
    FakeHasher,
    FakeMailer,
    FakeRateLimiter,
    FakeRevocations,
)

PASSWORD = "correct horse battery"
OPERATOR = Caller.operator("cli:root")
WEB = Caller.anonymous(Channel.API, "req-1")


@dataclass
class Kit:
    clock: FakeClock
    uow: FakeUnitOfWork
    hasher: FakeHasher
    codec: FakeCodec
    revocations: FakeRevocations
    failures: FakeFailureCounter
    limiter: FakeRateLimiter
    mailer: FakeMailer
    policy: IdentityPolicy
    authorizer: Authorizer

    @property
    def sessions(self) -> SessionIssuer:
        return SessionIssuer(self.codec, self.clock, self.policy)

    def login(self) -> Login:
        return Login(self.uow, self.hasher, self.failures, self.sessions, self.policy)

    def refresh(self) -> RefreshSession:
        return RefreshSession(self.uow, self.sessions, self.revocations, self.clock)

    def authenticate(self) -> Authenticate:
        gate = FakeAccessGate(self.revocations, self.limiter)
        return Authenticate(lambda: self.uow, self.codec, gate, self.clock)

    def create_user(self) -> CreateUser:
        return CreateUser(self.uow, self.hasher, self.authorizer, self.policy)

    async def caller_for(self, pair: TokenPair) -> Caller:
        return Caller(await self.authenticate()(pair.access_token), Channel.API, "req-2")

    @property
    def audit_actions(self) -> list[str]:
        return [e.action for e in self.uow.committed_state.audit]


@pytest.fixture
def kit() -> Kit:
    clock = FakeClock()
    return Kit(
        clock=clock,
        uow=FakeUnitOfWork(clock),
        hasher=FakeHasher(),
        codec=FakeCodec(clock),
        revocations=FakeRevocations(),
        failures=FakeFailureCounter(),
        limiter=FakeRateLimiter(),
        mailer=FakeMailer(),
        policy=IdentityPolicy(allowed_email_domains=("corp.example",)),
        authorizer=Authorizer(),
    )


async def make_user(kit: Kit, login: str = "ivanov", roles: tuple[str, ...] = ("employee",)) -> int:
    user = await kit.create_user()(
        NewUser(
            "Иванов Иван",
            login=login,
            email=f"{login}@corp.example",
            password=PASSWORD,
            roles=roles,
        ),
        OPERATOR,
    )
    assert user.id is not None
    return user.id


async def test_login_gives_tokens_carrying_the_roles_permissions(kit: Kit) -> None:
    await make_user(kit, roles=("it_staff",))
    pair = await kit.login()(LoginRequest("IVANOV ", PASSWORD, "10.0.0.5"), WEB)
    principal = await kit.authenticate()(pair.access_token)
    assert principal.can(Permission.DIRECTORY_NETWORK)
    assert not principal.can(Permission.USERS_MANAGE)
    assert kit.audit_actions[-1] == "auth.login"


async def test_wrong_password_unknown_login_and_disabled_account_look_the_same(kit: Kit) -> None:
    await make_user(kit)
    messages = []
    for login, password in (("ivanov", "wrong password!!"), ("nobody", PASSWORD)):
        with pytest.raises(Unauthenticated) as caught:
            await kit.login()(LoginRequest(login, password, "10.0.0.5"), WEB)
        messages.append(caught.value.message)
    assert messages[0] == messages[1]
    assert kit.hasher.burned == 1  # the unknown login still cost a hash
    assert kit.audit_actions.count("auth.login_failed") == 2


async def test_five_failures_lock_the_account_even_for_the_right_password(kit: Kit) -> None:
    await make_user(kit)
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            await kit.login()(LoginRequest("ivanov", "not the password", "10.0.0.5"), WEB)
    with pytest.raises(RateLimited) as locked:
        await kit.login()(LoginRequest("ivanov", "not the password", "10.0.0.5"), WEB)
    assert locked.value.retry_after_s == 900
    with pytest.raises(RateLimited):
        await kit.login()(LoginRequest("ivanov", PASSWORD, "10.0.0.9"), WEB)
    assert "auth.locked_out" in kit.audit_actions


async def test_refresh_rotates_and_a_reused_token_kills_the_family(kit: Kit) -> None:
    await make_user(kit)
    first = await kit.login()(LoginRequest("ivanov", PASSWORD), WEB)
    second = await kit.refresh()(first.refresh_token, WEB)
    assert second.refresh_token != first.refresh_token
    third = await kit.refresh()(second.refresh_token, WEB)

    with pytest.raises(Unauthenticated, match="reused"):
        await kit.refresh()(first.refresh_token, WEB)  # the thief replays an old one
    with pytest.raises(Unauthenticated):
        await kit.refresh()(third.refresh_token, WEB)  # the family is dead for everyone
    with pytest.raises(Unauthenticated, match="revoked"):
        await kit.authenticate()(third.access_token)
    assert "auth.refresh_reuse" in kit.audit_actions


async def test_expired_access_and_refresh_tokens_are_refused(kit: Kit) -> None:
    await make_user(kit)
    pair = await kit.login()(LoginRequest("ivanov", PASSWORD), WEB)
    kit.clock.advance(16 * 60)
    with pytest.raises(Unauthenticated, match="expired"):
        await kit.authenticate()(pair.access_token)
    kit.clock.advance(15 * 24 * 3600)
    with pytest.raises(Unauthenticated):
        await kit.refresh()(pair.refresh_token, WEB)


async def test_logout_ends_this_session_only_and_everywhere_ends_all(kit: Kit) -> None:
    await make_user(kit)
    phone = await kit.login()(LoginRequest("ivanov", PASSWORD), WEB)
    laptop = await kit.login()(LoginRequest("ivanov", PASSWORD), WEB)
    await Logout(kit.uow, kit.revocations, kit.clock)(await kit.caller_for(phone))
    with pytest.raises(Unauthenticated):
        await kit.authenticate()(phone.access_token)
    caller = await kit.caller_for(laptop)
    assert await LogoutEverywhere(kit.uow, kit.revocations, kit.clock)(caller) == 1
    with pytest.raises(Unauthenticated):
        await kit.authenticate()(laptop.access_token)
    with pytest.raises(Unauthenticated):
        await kit.refresh()(laptop.refresh_token, WEB)


async def test_password_change_needs_the_old_one_and_ends_sessions(kit: Kit) -> None:
    await make_user(kit)
    pair = await kit.login()(LoginRequest("ivanov", PASSWORD), WEB)
    change = ChangePassword(
        kit.uow, kit.hasher, kit.revocations, kit.clock, kit.policy, kit.failures
    )
    caller = await kit.caller_for(pair)
    with pytest.raises(Unauthenticated):
        await change("guess", "a brand new passphrase", caller)
    with pytest.raises(ValidationFailed) as weak:
        await change(PASSWORD, "short", caller)
    assert "at least 12" in weak.value.errors["password"]
    kit.clock.advance(1)
    await change(PASSWORD, "a brand new passphrase", caller)
    with pytest.raises(Unauthenticated):
        await kit.authenticate()(pair.access_token)
    assert await kit.login()(LoginRequest("ivanov", "a brand new passphrase"), WEB)


async def test_new_user_errors_name_each_field(kit: Kit) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await kit.create_user()(
            NewUser(" ", login="Bad Login!", email="not-mail", password="ivanov123456"), OPERATOR
        )
    assert set(caught.value.errors) == {"display_name", "login", "email"}
    with pytest.raises(ValidationFailed) as weak:
        await kit.create_user()(
            NewUser("Пётр", login="petrov", password="petrov-is-me-123"), OPERATOR
        )
    assert weak.value.errors == {"password": "must not contain the login"}
    assert kit.uow.committed_state.users == {}


async def test_duplicate_login_conflicts(kit: Kit) -> None:
    await make_user(kit)
    with pytest.raises(Conflict, match="login"):
        await make_user(kit)


async def test_roles_change_ends_sessions_and_the_last_admin_stays(kit: Kit) -> None:
    admin_id = await make_user(kit, "admin1", roles=("admin",))
    pair = await kit.login()(LoginRequest("admin1", PASSWORD), WEB)
    set_roles = SetUserRoles(kit.uow, kit.authorizer, kit.revocations, kit.clock)
    with pytest.raises(Conflict, match="last enabled admin"):
        await set_roles(admin_id, ("employee",), OPERATOR)
    other = await make_user(kit, "admin2", roles=("admin",))
    kit.clock.advance(1)
    changed = await set_roles(admin_id, ("auditor",), OPERATOR)
    assert changed.roles == ("auditor",)
    with pytest.raises(Unauthenticated):
        await kit.authenticate()(pair.access_token)
    with pytest.raises(ValidationFailed, match="unknown role"):
        await set_roles(other, ("wizard",), OPERATOR)
    last = kit.uow.committed_state.audit[-1]
    assert last.action == "user.roles_changed"
    assert last.before is not None
    assert "password_hash" not in last.before


async def test_auditor_reads_the_log_but_cannot_change_anything(kit: Kit) -> None:
    await make_user(kit, "audra", roles=("auditor",))
    auditor = await kit.caller_for(await kit.login()(LoginRequest("audra", PASSWORD), WEB))
    page = await BrowseAudit(kit.uow, kit.authorizer)(AuditFilter(action="user.create"), auditor)
    assert [e.action for e in page.events] == ["user.create"]
    assert kit.audit_actions[-1] == "audit.read"
    with pytest.raises(PermissionDenied):
        await kit.create_user()(NewUser("X", login="xx"), auditor)
    with pytest.raises(PermissionDenied):
        await ChangeRolePermissions(kit.uow, kit.authorizer)(
            "employee", grant=["audit.read"], caller=auditor
        )


async def test_audit_pages_cover_every_event_once(kit: Kit) -> None:
    for n in range(7):
        await make_user(kit, f"user{n}")
    browse = BrowseAudit(kit.uow, kit.authorizer)
    seen, cursor = [], None
    while True:
        page = await browse(AuditFilter(action="user.create"), OPERATOR, cursor=cursor, limit=3)
        seen += [e.target_id for e in page.events]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 7


async def test_api_token_is_shown_once_stored_hashed_and_revocable(kit: Kit) -> None:
    issued = await CreateApiToken(kit.uow, kit.authorizer, kit.clock)(
        "zabbix", ["directory.read"], OPERATOR, expires_at=kit.clock.now() + timedelta(days=30)
    )
    assert re.fullmatch(r"tbk_[0-9a-f]{8}_[\w-]+", issued.secret)
    assert issued.secret not in repr(kit.uow.committed_state)
    principal = await kit.authenticate()(issued.secret)
    assert principal.can(Permission.DIRECTORY_READ)
    assert not principal.can(Permission.DIRECTORY_WRITE)
    (listed,) = await ListApiTokens(kit.uow, kit.authorizer)(OPERATOR)
    assert listed.last_used_at is not None
    assert listed.id is not None
    await RevokeApiToken(kit.uow, kit.authorizer, kit.clock)(listed.id, OPERATOR)
    with pytest.raises(Unauthenticated):
        await kit.authenticate()(issued.secret)
    with pytest.raises(Unauthenticated):
        await kit.authenticate()(issued.secret[:-1] + "x")


async def test_nobody_grants_a_token_more_than_they_hold(kit: Kit) -> None:
    staff = Caller(
        Principal("ops", frozenset({Permission.TOKENS_MANAGE, Permission.DIRECTORY_READ})),
        Channel.API,
    )
    with pytest.raises(PermissionDenied):
        await CreateApiToken(kit.uow, kit.authorizer, kit.clock)("x", ["users.manage"], staff)


def verification(kit: Kit) -> tuple[StartEmailVerification, ConfirmEmailVerification]:
    start = StartEmailVerification(kit.uow, kit.mailer, kit.limiter, kit.clock, kit.policy)
    return start, ConfirmEmailVerification(kit.uow, kit.clock)


def mailed_code(kit: Kit) -> str:
    match = re.search(r"\b(\d{6})\b", kit.mailer.sent[-1][2])
    assert match
    return match.group(1)


async def test_verification_links_the_telegram_id_to_the_user_with_that_email(kit: Kit) -> None:
    user_id = await make_user(kit)
    start, confirm = verification(kit)
    await start(777, "Ivanov@Corp.Example", WEB)
    code = mailed_code(kit)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ValidationFailed, match="4 attempt"):
        await confirm(777, wrong, WEB)
    user = await confirm(777, code, WEB)
    assert (user.id, user.telegram_id) == (user_id, 777)
    assert code not in repr(kit.uow.committed_state.audit)
    with pytest.raises(NotFound):
        await confirm(777, code, WEB)  # spent


async def test_verification_of_an_unknown_email_creates_an_employee(kit: Kit) -> None:
    start, confirm = verification(kit)
    await start(42, "new.person@corp.example", WEB)
    user = await confirm(42, mailed_code(kit), WEB)
    assert (user.email, user.roles, user.telegram_id) == (
        "new.person@corp.example",
        ("employee",),
        42,
    )


async def test_five_wrong_codes_cool_down_and_expiry_is_honoured(kit: Kit) -> None:
    start, confirm = verification(kit)
    await start(5, "a.b@corp.example", WEB)
    code = mailed_code(kit)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(ValidationFailed):
            await confirm(5, wrong, WEB)
    with pytest.raises(RateLimited):
        await confirm(5, wrong, WEB)
    with pytest.raises(RateLimited):
        await confirm(5, code, WEB)  # even the right code waits out the cool-down

    await start(6, "c.d@corp.example", WEB)
    kit.clock.advance(11 * 60)
    with pytest.raises(ValidationFailed, match="expired"):
        await confirm(6, mailed_code(kit), WEB)


async def test_verification_refuses_foreign_domains_blocked_users_and_floods(kit: Kit) -> None:
    start, confirm = verification(kit)
    with pytest.raises(ValidationFailed, match="corporate"):
        await start(1, "me@gmail.com", WEB)
    for _ in range(3):
        await start(1, "me@corp.example", WEB)
    with pytest.raises(RateLimited):
        await start(1, "me@corp.example", WEB)
    await confirm(1, mailed_code(kit), WEB)
    await SetTelegramBlocked(kit.uow, kit.authorizer, kit.revocations, kit.clock)(1, True, OPERATOR)
    with pytest.raises(PermissionDenied):
        await start(1, "me@corp.example", WEB)


async def test_mail_failure_is_unavailable_not_a_crash(kit: Kit) -> None:
    kit.mailer.failing = True
    start, _ = verification(kit)
    with pytest.raises(Unavailable):
        await start(9, "x.y@corp.example", WEB)


async def test_guessing_the_current_password_locks_like_a_login(kit: Kit) -> None:
    await make_user(kit)
    pair = await kit.login()(LoginRequest("ivanov", PASSWORD), WEB)
    caller = await kit.caller_for(pair)
    change = ChangePassword(
        kit.uow, kit.hasher, kit.revocations, kit.clock, kit.policy, kit.failures
    )
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            await change("a guess at it", "a brand new passphrase", caller)
    with pytest.raises(RateLimited):
        await change("a guess at it", "a brand new passphrase", caller)
    with pytest.raises(RateLimited):
        await kit.login()(LoginRequest("ivanov", PASSWORD), WEB)


async def test_a_new_code_does_not_reset_the_wrong_guesses(kit: Kit) -> None:
    start, confirm = verification(kit)
    await start(11, "e.f@corp.example", WEB)
    for _ in range(2):
        with pytest.raises(ValidationFailed):
            await confirm(11, "999999" if mailed_code(kit) != "999999" else "888888", WEB)
    await start(11, "e.f@corp.example", WEB)
    code = mailed_code(kit)
    with pytest.raises(ValidationFailed, match="2 attempt"):
        await confirm(11, "999999" if code != "999999" else "888888", WEB)
