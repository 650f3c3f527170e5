"""The directory reader in a process of its own, handing chunks of rows over as it reads them,
so that reading the workbook overlaps checking and writing the rows it has read so far (one
Python process cannot: reading is CPU work under the GIL).

The process is spawned, never forked (a fork would copy the caller's event loop and open
connections; spawn is also what Windows has). At most `QUEUED_CHUNKS` chunks wait in the queue,
so memory stays bounded when writing is slower than reading. The reader's refusals reach the
caller as the same ValidationFailed, with the same errors; WorkbookTooLarge is raised before the
process starts."""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import traceback
from collections.abc import AsyncGenerator, Callable
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from tbot.adapters.excel.directory_reader import (
    CHUNK_ROWS,
    WorkbookRows,
    check_size,
    stream_directory,
)
from tbot.domain.errors import ValidationFailed

QUEUED_CHUNKS = 4
_JOIN_S = 5.0


class ReaderProcessFailed(RuntimeError):
    """The reading process died or failed in a way that is not about the file."""


async def read_in_process(
    path: Path,
    *,
    max_bytes: int,
    legacy: bool = False,
    progress: Callable[[int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> AsyncGenerator[WorkbookRows, None]:
    """`stream_directory`'s chunks, read in a spawned process. `progress(n)` gets the number of
    rows read so far after each chunk. Leaving the iteration early stops the process."""
    check_size(path, max_bytes)
    context = multiprocessing.get_context("spawn")
    chunks: Any = context.Queue(QUEUED_CHUNKS)
    process = context.Process(
        target=_produce,
        args=(str(path), max_bytes, legacy, chunk_rows, chunks),
        name="tbot-workbook-reader",
        daemon=True,
    )
    process.start()
    read = 0
    said_all = False  # the process sent its last message and is exiting by itself
    try:
        while True:
            kind, payload = await asyncio.to_thread(_next, chunks, process)
            said_all = kind != "chunk"
            if kind == "refused":
                errors, message = payload
                raise ValidationFailed(errors, message)
            if kind == "failed":
                raise ReaderProcessFailed(f"the workbook reader failed:\n{payload}")
            chunk: WorkbookRows = payload
            read += len(chunk.rows)
            if progress is not None:
                progress(read)
            yield chunk
            if kind == "last":
                return
    finally:
        await asyncio.to_thread(_stop, process, said_all)


def _next(chunks: Any, process: BaseProcess) -> tuple[str, Any]:
    """The next message, watching for a process that died without sending one."""
    while True:
        try:
            message: tuple[str, Any] = chunks.get(timeout=0.5)
            return message
        except queue.Empty:
            if not process.is_alive():
                raise ReaderProcessFailed(
                    f"the workbook reader exited with code {process.exitcode}"
                ) from None


def _stop(process: BaseProcess, said_all: bool) -> None:
    """Waits for a process that is exiting; stops one whose caller stopped early (it may be
    waiting on a full queue)."""
    if said_all:
        process.join(_JOIN_S)
    if process.is_alive():
        process.terminate()
        process.join(_JOIN_S)
    process.close()


def _produce(path: str, max_bytes: int, legacy: bool, chunk_rows: int, chunks: Any) -> None:
    """The reading process: each chunk as ("chunk", rows), the last as ("last", rows), or one
    ("refused", (errors, message)) / ("failed", traceback)."""
    try:
        previous: WorkbookRows | None = None
        for chunk in stream_directory(
            Path(path), max_bytes=max_bytes, legacy=legacy, chunk_rows=chunk_rows
        ):
            if previous is not None:
                chunks.put(("chunk", previous))
            previous = chunk
        chunks.put(("last", previous))
    except ValidationFailed as refused:
        chunks.put(("refused", (refused.errors, _message_of(refused))))
    except BaseException:  # whatever it is, the caller must hear of it
        chunks.put(("failed", traceback.format_exc()))
    finally:
        chunks.close()
        chunks.join_thread()


def _message_of(refused: ValidationFailed) -> str:
    """The message ValidationFailed was made with: its `message` has the errors appended."""
    detail = "; ".join(f"{field}: {reason}" for field, reason in refused.errors.items())
    suffix = f": {detail}"
    if detail and refused.message.endswith(suffix):
        return refused.message[: -len(suffix)]
    return refused.message
