from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from tbot.adapters.postgres.engine import async_url, create_engine, create_session_factory
from tbot.adapters.postgres.unit_of_work import PostgresUnitOfWork
from tbot.container import Container
from tbot.domain.errors import Conflict, ValidationFailed
from tbot.domain.identity.credentials import ApiToken, RefreshToken
from tbot.domain.identity.permissions import Permission
from tbot.domain.identity.roles import BUILTIN_ROLES, Role
from tbot.domain.identity.users import User
from tbot.domain.identity.verification import EmailVerification

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def a_user(**changes: Any) -> User:
    user = User(
        id=None,
        display_name="Иван Петров",
        login="ipetrov",
        email="I.Petrov@Example.com",
        password_hash="$2b$12$hash",
        roles=("it_staff", "employee"),
        telegram_id=100_001,
        employee_id=7,
    )
    return replace(user, **changes)


def a_refresh_token(user_id: int, token_hash: str, family_id: str = "family-1") -> RefreshToken:
    return RefreshToken(
        id=None,
        user_id=user_id,
        family_id=family_id,
        token_hash=token_hash,
        issued_at=NOW,
        expires_at=NOW + timedelta(days=30),
    )


def an_api_token(prefix: str = "tb_abc123") -> ApiToken:
    return ApiToken(
        id=None,
        name="monitoring export",
        prefix=prefix,
        token_hash="sha256:secret",
        scopes=frozenset({Permission.SERVERS_READ, Permission.DIRECTORY_READ}),
        created_by="admin",
        expires_at=NOW + timedelta(days=365),
    )


async def test_migration_seeds_the_builtin_roles_with_their_permissions(
    container: Container,
) -> None:
    async with container.uow() as uow:
        stored = await uow.roles.list()
    assert stored == sorted(BUILTIN_ROLES, key=lambda role: role.name)
    admin = next(role for role in stored if role.name == "admin")
    assert admin.permissions == frozenset(Permission)


async def test_user_round_trips_with_its_roles_by_every_key(container: Container) -> None:
    async with container.uow() as uow:
        added = await uow.users.add(a_user())
        await uow.commit()
    assert added.id is not None
    assert added.version == 1
    assert added.created_at is not None
    assert added.roles == ("employee", "it_staff")
    assert added.email == "i.petrov@example.com"

    async with container.uow() as uow:
        found = [
            await uow.users.get(added.id),
            await uow.users.by_login("ipetrov"),
            await uow.users.by_email("I.PETROV@example.COM"),
            await uow.users.by_telegram_id(100_001),
        ]
    assert found == [added] * 4
    assert added == replace(
        a_user(),
        id=added.id,
        email="i.petrov@example.com",
        roles=("employee", "it_staff"),
        created_at=added.created_at,
    )


async def test_lookups_of_unknown_users_find_nothing(container: Container) -> None:
    async with container.uow() as uow:
        assert await uow.users.get(999_999) is None
        assert await uow.users.by_login("nobody") is None
        assert await uow.users.by_email("nobody@example.com") is None
        assert await uow.users.by_telegram_id(1) is None


async def test_user_without_roles_or_credentials_is_stored(container: Container) -> None:
    async with container.uow() as uow:
        added = await uow.users.add(User(id=None, display_name="Telegram only", telegram_id=5))
        await uow.commit()
    async with container.uow() as uow:
        found = await uow.users.by_telegram_id(5)
    assert found == added
    assert found is not None
    assert found.roles == ()
    assert found.login is None


@pytest.mark.parametrize(
    ("duplicate", "message"),
    [
        (a_user(email=None, telegram_id=None), "login 'ipetrov' is taken"),
        (a_user(login="other", email="i.petrov@EXAMPLE.com", telegram_id=None), "email"),
        (a_user(login=None, email=None), "telegram id 100001 is already linked"),
    ],
)
async def test_duplicate_key_is_a_conflict_naming_the_field(
    container: Container, duplicate: User, message: str
) -> None:
    async with container.uow() as uow:
        await uow.users.add(a_user())
        with pytest.raises(Conflict, match=message):
            await uow.users.add(duplicate)
        # the failed insert must not spoil the rest of the transaction
        assert await uow.users.by_login("ipetrov") is not None
        assert len(await uow.users.list()) == 1


async def test_unknown_role_is_a_validation_error_naming_it(container: Container) -> None:
    async with container.uow() as uow:
        with pytest.raises(ValidationFailed) as raised:
            await uow.users.add(a_user(roles=("employee", "wizard", "ghost")))
        assert raised.value.errors == {"roles": "unknown role(s): ghost, wizard"}
        assert await uow.users.list() == []


async def test_update_replaces_fields_and_roles_and_bumps_the_version(
    container: Container,
) -> None:
    async with container.uow() as uow:
        added = await uow.users.add(a_user())
        await uow.commit()
    changed = replace(
        added,
        display_name="Иван Петрович Петров",
        email="ivan@example.com",
        roles=("auditor", "admin"),
        disabled=True,
        telegram_id=None,
        password_changed_at=NOW,
    )
    async with container.uow() as uow:
        updated = await uow.users.update(changed)
        await uow.commit()
    assert updated == replace(changed, roles=("admin", "auditor"), version=2)
    async with container.uow() as uow:
        assert await uow.users.get(updated.id or 0) == updated
        assert await uow.users.by_telegram_id(100_001) is None


async def test_stale_update_is_a_conflict(container: Container) -> None:
    async with container.uow() as uow:
        loaded = await uow.users.add(a_user())
        await uow.users.update(replace(loaded, display_name="first edit"))
        with pytest.raises(Conflict, match=f"user {loaded.id} was changed by someone else"):
            await uow.users.update(replace(loaded, display_name="second edit", roles=()))
        current = await uow.users.get(loaded.id or 0)
    assert current is not None
    assert (current.display_name, current.version, current.roles) == (
        "first edit",
        2,
        ("employee", "it_staff"),
    )


async def test_update_to_a_taken_email_is_a_conflict(container: Container) -> None:
    async with container.uow() as uow:
        await uow.users.add(a_user())
        other = await uow.users.add(User(id=None, display_name="Other", login="other"))
        with pytest.raises(Conflict, match=r"email 'I\.Petrov@example\.com' is taken"):
            await uow.users.update(replace(other, email="I.Petrov@example.com"))
        assert await uow.users.get(other.id or 0) == other


async def test_list_pages_by_id(container: Container) -> None:
    async with container.uow() as uow:
        added = [
            await uow.users.add(User(id=None, display_name=f"User {n}", login=f"user{n}"))
            for n in range(5)
        ]
        first = await uow.users.list(limit=2)
        second = await uow.users.list(limit=2, after_id=first[-1].id)
        third = await uow.users.list(limit=2, after_id=second[-1].id)
    assert first + second + third == added


async def test_count_admins_ignores_disabled_users(container: Container) -> None:
    async with container.uow() as uow:
        assert await uow.users.count_admins() == 0
        await uow.users.add(User(id=None, display_name="A", login="a", roles=("admin",)))
        await uow.users.add(
            User(id=None, display_name="B", login="b", roles=("admin", "auditor"), disabled=True)
        )
        await uow.users.add(User(id=None, display_name="C", login="c", roles=("employee",)))
        assert await uow.users.count_admins() == 1


async def test_saving_a_role_inserts_it_then_replaces_its_permissions(
    container: Container,
) -> None:
    helpdesk = Role("helpdesk", frozenset({Permission.DIRECTORY_READ, Permission.TICKETS_CREATE}))
    async with container.uow() as uow:
        await uow.roles.save(helpdesk)
        await uow.commit()
    changed = Role(
        "helpdesk",
        frozenset({Permission.TICKETS_CREATE, Permission.TICKETS_READ_ALL}),
        description="First line",
    )
    async with container.uow() as uow:
        assert await uow.roles.get("helpdesk") == helpdesk
        await uow.roles.save(changed)
        await uow.roles.save(Role("nothing", frozenset()))
        await uow.commit()
    async with container.uow() as uow:
        assert await uow.roles.get("helpdesk") == changed
        assert await uow.roles.get("nothing") == Role("nothing", frozenset())
        assert await uow.roles.get("missing") is None
        assert [role.name for role in await uow.roles.list()] == [
            "admin",
            "auditor",
            "employee",
            "helpdesk",
            "it_staff",
            "nothing",
        ]


async def test_refresh_tokens_are_found_by_hash_used_and_revoked(container: Container) -> None:
    async with container.uow() as uow:
        user = await uow.users.add(a_user())
        other = await uow.users.add(User(id=None, display_name="Other", login="other"))
        assert user.id is not None
        assert other.id is not None
        first = await uow.refresh_tokens.add(a_refresh_token(user.id, "h1"))
        await uow.refresh_tokens.add(a_refresh_token(user.id, "h2"))
        await uow.refresh_tokens.add(a_refresh_token(user.id, "h3", family_id="family-2"))
        await uow.refresh_tokens.add(a_refresh_token(other.id, "h4", family_id="family-3"))
        await uow.commit()
    assert first.id is not None
    assert first == replace(a_refresh_token(user.id, "h1"), id=first.id)

    async with container.uow() as uow:
        assert await uow.refresh_tokens.by_hash("h1") == first
        assert await uow.refresh_tokens.by_hash("unknown") is None
        await uow.refresh_tokens.mark_used(first.id, NOW)
        assert await uow.refresh_tokens.revoke_family("family-1", NOW) == 2
        assert await uow.refresh_tokens.revoke_family("family-1", NOW + timedelta(hours=1)) == 0
        assert await uow.refresh_tokens.revoke_user(user.id, NOW + timedelta(hours=2)) == 1
        assert await uow.refresh_tokens.revoke_user(user.id, NOW) == 0
        await uow.commit()

    async with container.uow() as uow:
        used = await uow.refresh_tokens.by_hash("h1")
        other_family = await uow.refresh_tokens.by_hash("h3")
        untouched = await uow.refresh_tokens.by_hash("h4")
    assert used is not None
    assert (used.used_at, used.revoked_at) == (NOW, NOW)
    assert other_family is not None
    assert other_family.revoked_at == NOW + timedelta(hours=2)
    assert untouched is not None
    assert untouched.usable(NOW)


async def test_by_hash_holds_the_token_until_the_first_refresh_ends(
    fresh_database_url: str,
) -> None:
    """Two refreshes with one token: the second waits for the first and then sees it used."""
    engine = create_engine(async_url(fresh_database_url), pool_size=3)
    session_factory = create_session_factory(engine)

    def uow() -> PostgresUnitOfWork:
        return PostgresUnitOfWork(session_factory, node="test-node")

    async def second_refresh() -> RefreshToken | None:
        async with uow() as second:
            return await second.refresh_tokens.by_hash("h1")

    async def lock_waits() -> int:
        async with engine.connect() as observer:
            query = text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return int((await observer.execute(query)).scalar_one())

    try:
        async with uow() as setup:
            user = await setup.users.add(a_user())
            token = await setup.refresh_tokens.add(a_refresh_token(user.id or 0, "h1"))
            await setup.commit()
        async with uow() as first:
            await first.refresh_tokens.by_hash("h1")
            waiting = asyncio.create_task(second_refresh())
            async with asyncio.timeout(10):
                while await lock_waits() == 0:
                    await asyncio.sleep(0.02)
            assert not waiting.done()
            await first.refresh_tokens.mark_used(token.id or 0, NOW)
            await first.commit()
        seen = await asyncio.wait_for(waiting, 10)
        assert seen is not None
        assert seen.used_at == NOW
    finally:
        await engine.dispose()


async def test_api_tokens_are_added_found_revoked_and_touched(container: Container) -> None:
    async with container.uow() as uow:
        added = await uow.api_tokens.add(an_api_token())
        second = await uow.api_tokens.add(an_api_token("tb_def456"))
        await uow.commit()
    assert added.id is not None
    assert added.created_at is not None
    assert added == replace(an_api_token(), id=added.id, created_at=added.created_at)

    async with container.uow() as uow:
        assert await uow.api_tokens.by_prefix("tb_abc123") == added
        assert await uow.api_tokens.by_prefix("tb_nothing") is None
        assert await uow.api_tokens.get(added.id) == added
        assert await uow.api_tokens.list() == [added, second]
        await uow.api_tokens.revoke(added.id, NOW)
        await uow.api_tokens.revoke(added.id, NOW + timedelta(days=1))
        await uow.api_tokens.touch(added.id, NOW + timedelta(minutes=5))
        # a slower node reporting an older use must not move the time back
        await uow.api_tokens.touch(added.id, NOW + timedelta(minutes=1))
        await uow.commit()

    async with container.uow() as uow:
        stored = await uow.api_tokens.get(added.id)
    assert stored is not None
    assert stored.revoked_at == NOW
    assert stored.last_used_at == NOW + timedelta(minutes=5)
    assert not stored.usable(NOW)


async def test_api_token_with_a_taken_prefix_is_a_conflict(container: Container) -> None:
    async with container.uow() as uow:
        await uow.api_tokens.add(an_api_token())
        with pytest.raises(Conflict, match="prefix 'tb_abc123' is taken"):
            await uow.api_tokens.add(replace(an_api_token(), name="another"))
        assert len(await uow.api_tokens.list()) == 1


async def test_verification_is_replaced_on_save_and_deleted(container: Container) -> None:
    first = EmailVerification(
        telegram_id=42,
        email="i.petrov@example.com",
        code_hash="hash-1",
        sent_at=NOW,
        expires_at=NOW + timedelta(minutes=10),
    )
    again = replace(
        first,
        email="ivan@example.com",
        code_hash="hash-2",
        attempts=5,
        locked_until=NOW + timedelta(minutes=15),
    )
    async with container.uow() as uow:
        await uow.verifications.save(first)
        assert await uow.verifications.get(42) == first
        await uow.verifications.save(again)
        await uow.commit()
    async with container.uow() as uow:
        assert await uow.verifications.get(42) == again
        await uow.verifications.delete(42)
        await uow.verifications.delete(42)
        await uow.commit()
    async with container.uow() as uow:
        assert await uow.verifications.get(42) is None
