from __future__ import annotations

import pytest

from tbot.application.secrets.list_secrets import ListSecrets
from tbot.application.secrets.masking import mask
from tbot.application.secrets.resolve_secret import ResolveSecret
from tbot.application.secrets.set_secret import DeleteSecret, SetSecret
from tbot.application.settings.resolved import Source
from tbot.domain.actor import Actor, Channel
from tbot.domain.errors import NotFound, ValidationFailed
from tests.unit.fakes import FakeEnvironment, FakeSecretStore, FakeUnitOfWork

OPERATOR = Actor("cli:ops", Channel.CLI)
TOKEN = "123456789:AAF-very-secret-token-value"


async def test_secret_goes_to_the_keyring_and_the_audit_row_has_no_value() -> None:
    uow, store = FakeUnitOfWork(), FakeSecretStore()
    await SetSecret(uow, store)("bot_token", TOKEN, OPERATOR)

    assert store.values["bot_token"] == TOKEN
    assert uow.committed_state.settings == {}
    (event,) = uow.committed_state.audit
    assert (event.action, event.target_id) == ("secret.set", "bot_token")
    assert TOKEN not in repr(event)


async def test_listing_masks_every_value() -> None:
    store = FakeSecretStore()
    store.values["bot_token"] = TOKEN
    infos = {i.name: i for i in await ListSecrets(ResolveSecret(store, FakeEnvironment()))()}
    assert infos["bot_token"].is_set
    assert infos["bot_token"].masked == "****alue"
    assert not infos["smtp_password"].is_set
    assert all(TOKEN not in repr(info) for info in infos.values())


def test_short_secrets_show_nothing_of_themselves() -> None:
    assert mask("hunter2") == "****"


async def test_environment_secret_only_in_development() -> None:
    store = FakeSecretStore()
    env = FakeEnvironment({"TBOT_BOT_TOKEN": TOKEN}, development=True)
    found = await ResolveSecret(store, env)("bot_token")
    assert (found.value, found.source) == (TOKEN, Source.ENVIRONMENT)

    env.development = False
    assert (await ResolveSecret(store, env)("bot_token")).value is None


async def test_keyring_wins_over_environment() -> None:
    store = FakeSecretStore()
    store.values["bot_token"] = "from-keyring-0123456789"
    env = FakeEnvironment({"TBOT_BOT_TOKEN": TOKEN})
    assert (await ResolveSecret(store, env)("bot_token")).source is Source.KEYRING


async def test_unknown_secret_and_empty_value_are_refused() -> None:
    uow, store = FakeUnitOfWork(), FakeSecretStore()
    with pytest.raises(NotFound):
        await SetSecret(uow, store)("nope", "x", OPERATOR)
    with pytest.raises(ValidationFailed):
        await SetSecret(uow, store)("bot_token", "   ", OPERATOR)
    assert uow.committed_state.audit == []


async def test_without_a_keyring_the_error_says_what_to_do() -> None:
    uow, store = FakeUnitOfWork(), FakeSecretStore(available=False)
    with pytest.raises(ValidationFailed) as caught:
        await SetSecret(uow, store)("bot_token", TOKEN, OPERATOR)
    assert "keyring" in caught.value.errors["bot_token"]


async def test_delete_is_audited() -> None:
    uow, store = FakeUnitOfWork(), FakeSecretStore()
    store.values["smtp_password"] = "password-123"
    assert await DeleteSecret(uow, store)("smtp_password", OPERATOR)
    assert "smtp_password" not in store.values
    assert uow.committed_state.audit[-1].action == "secret.delete"
