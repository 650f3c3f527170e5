from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def workbook_file(workbook: bytes) -> Iterator[Path]:
    """The reader wants a file on disk: the upload goes to one of ours, removed after."""
    with tempfile.NamedTemporaryFile(prefix="tbot-import-", suffix=".xlsx", delete=False) as out:
        out.write(workbook)
    path = Path(out.name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
