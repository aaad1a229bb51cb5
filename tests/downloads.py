"""Reading a downloaded file in a test, whether it was streamed (CSV) or not (xlsx)."""

from __future__ import annotations

from typing import Any


def file_bytes(response: Any) -> bytes:
    """The file's bytes. A streamed response can be read only once: the bytes are kept on
    the response, so that a test may look at them twice."""
    kept: bytes | None = getattr(response, "_file_bytes", None)
    if kept is None:
        kept = response.getvalue()
        response._file_bytes = kept
    return kept
