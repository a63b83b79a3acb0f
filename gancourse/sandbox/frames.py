"""Length-prefixed frames over pipes: the only channel between the grader and a sandboxed runner.

A frame is an 8-byte big-endian length and that many bytes. Requests are JSON; the runner's
answers to probes are ``torch.save`` bytes, which the grader opens with ``weights_only=True``
(tensors and plain containers only: no code from the student's process runs in the grader).
"""

from __future__ import annotations

import io
import json
import os
import select
import time

MAX_FRAME = 64 << 20  # bytes; a larger answer is refused unread


class ChannelError(Exception):
    """The other side broke the protocol or closed the pipe (no answer in time is ``TimeoutError``)."""


def send(fd: int, payload: bytes) -> None:
    data = len(payload).to_bytes(8, "big") + payload
    while data:
        data = data[os.write(fd, data) :]


def send_json(fd: int, obj) -> None:
    send(fd, json.dumps(obj).encode())


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, left = [], n
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise ChannelError("the notebook's process closed the channel (it exited or was killed)")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(fd: int, timeout: float | None = None) -> bytes:
    """One frame; ``TimeoutError`` if its start does not arrive within ``timeout`` seconds."""
    deadline = None if timeout is None else time.monotonic() + timeout
    size = int.from_bytes(_read_exact(fd, 8, deadline), "big")
    if size > MAX_FRAME:
        raise ChannelError(f"the notebook's process sent {size:,} bytes at once (limit {MAX_FRAME:,})")
    return _read_exact(fd, size, None if deadline is None else max(deadline, time.monotonic() + 30))


def receive_json(fd: int, timeout: float | None = None):
    try:
        return json.loads(receive(fd, timeout))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ChannelError("the notebook's process wrote garbage into the grader's channel") from None


def load_values(payload: bytes):
    """A probe's report, opened safely: only tensors, numbers, strings, lists and dicts can come out."""
    import torch

    try:
        return torch.load(io.BytesIO(payload), weights_only=True, map_location="cpu")
    except Exception as e:
        raise ChannelError(f"the answer is not plain values ({type(e).__name__})") from None


def dump_values(report) -> bytes:
    import torch

    buf = io.BytesIO()
    torch.save(report, buf)
    return buf.getvalue()
