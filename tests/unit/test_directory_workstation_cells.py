from __future__ import annotations

import pytest

from tbot.application.directory.workstation_cells import (
    NetworkCells,
    read_network_cells,
    write_network_cells,
)
from tbot.domain.directory.model import Workstation
from tbot.domain.errors import ValidationFailed


def test_one_workstation_takes_every_address_of_the_cell() -> None:
    (only,) = read_network_cells(NetworkCells("WS-1", "10.0.0.1, 10.0.0.2", None))
    assert (only.hostname, only.addresses) == ("ws-1", ("10.0.0.1", "10.0.0.2"))


def test_what_an_export_writes_reads_back_as_the_same_workstations() -> None:
    used = [
        Workstation(None, "ws-1", ("10.0.0.1", "10.0.0.2"), "aa:bb:cc:00:00:01"),
        Workstation(None, "ws-2"),
        Workstation(None, "ws-3", ("10.0.0.3",)),
    ]
    cells = write_network_cells(used)
    assert cells == NetworkCells("ws-1, ws-2, ws-3", "10.0.0.1 10.0.0.2, , 10.0.0.3",
                                 "aa:bb:cc:00:00:01, , ")  # fmt: skip
    assert read_network_cells(cells) == tuple(used)


def test_an_address_without_a_workstation_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        read_network_cells(NetworkCells(None, "10.0.0.1", None))
    assert "workstation" in caught.value.errors


def test_one_workstation_has_one_mac() -> None:
    with pytest.raises(ValidationFailed) as caught:
        read_network_cells(NetworkCells("ws-1", None, "aa:bb:cc:00:00:01; aa:bb:cc:00:00:02"))
    assert "one MAC per workstation" in caught.value.errors["mac"]
