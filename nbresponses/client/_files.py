"""``client.files``: upload, read and delete files (the Batch API's input and output files).

The same call shape as the official SDK: ``client.files.create(file=..., purpose="batch")``,
``client.files.content(file_id)`` (the bytes), ``retrieve``, ``delete``, ``list``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar
from urllib.parse import quote

from nbresponses._exceptions import InvalidParamsError
from nbresponses.transports.base import AsyncReply, Reply, RequestSpec
from nbresponses.types.batch import DeletedFile, FileList, FileObject

from ._specs import parse_reply

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ._client import AsyncClient, Client

__all__ = ["AsyncFiles", "FileInput", "Files"]

FileInput = bytes | str | os.PathLike[str] | BinaryIO | tuple[str, bytes]
"""What can be uploaded: bytes, a path, an open binary file, or ``(filename, bytes)``."""


_M = TypeVar("_M", bound="BaseModel")


def _parse(model: type[_M], reply: Reply | AsyncReply) -> _M:
    return parse_reply(model, reply)


def _file_id(file_id: str) -> str:
    if not isinstance(file_id, str) or not file_id.strip():
        raise InvalidParamsError(f"A file id must be a non-empty string, got {file_id!r}.")
    return quote(file_id.strip(), safe="")


def _read(file: FileInput, filename: str | None) -> tuple[str, bytes]:
    if isinstance(file, tuple):
        name, data = file
        return filename or name, bytes(data)
    if isinstance(file, bytes | bytearray):
        return filename or "upload.jsonl", bytes(file)
    if isinstance(file, str | os.PathLike):
        path = Path(file).expanduser()
        if not path.is_file():
            raise InvalidParamsError(f"No such file to upload: {path}")
        return filename or path.name, path.read_bytes()
    if hasattr(file, "read"):
        data = file.read()
        if not isinstance(data, bytes):
            raise InvalidParamsError("Open the file in binary mode ('rb') to upload it.")
        return filename or Path(str(getattr(file, "name", "upload"))).name, data
    raise InvalidParamsError(f"Cannot upload a {type(file).__name__}: give bytes, a path or a binary file.")


def create_spec(file: FileInput, purpose: str, filename: str | None) -> RequestSpec:
    """``POST /files`` (multipart)."""
    if not purpose:
        raise InvalidParamsError("A file upload needs a purpose, e.g. purpose='batch'.")
    name, data = _read(file, filename)
    media = "application/jsonl" if name.endswith(".jsonl") else "application/octet-stream"
    return RequestSpec("POST", "/files", body={"purpose": purpose}, files={"file": (name, data, media)})


def list_spec(*, purpose: str | None, limit: int | None, after: str | None, order: str | None) -> RequestSpec:
    """``GET /files`` (one page)."""
    return RequestSpec(
        "GET", "/files", params={"purpose": purpose, "limit": limit, "after": after, "order": order}
    )


class Files:
    """``client.files``."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(self, *, file: FileInput, purpose: str, filename: str | None = None) -> FileObject:
        """Upload a file (``purpose="batch"`` for a Batch API input file)."""
        return _parse(FileObject, self._client._send(create_spec(file, purpose, filename)))

    def retrieve(self, file_id: str) -> FileObject:
        """``GET /files/{id}``."""
        return _parse(FileObject, self._client._send(RequestSpec("GET", f"/files/{_file_id(file_id)}")))

    def content(self, file_id: str) -> bytes:
        """``GET /files/{id}/content``: the file's bytes (a batch's output file is JSONL)."""
        return self._client._send(RequestSpec("GET", f"/files/{_file_id(file_id)}/content")).content

    def delete(self, file_id: str) -> DeletedFile:
        """``DELETE /files/{id}``."""
        return _parse(DeletedFile, self._client._send(RequestSpec("DELETE", f"/files/{_file_id(file_id)}")))

    def list(
        self,
        *,
        purpose: str | None = None,
        limit: int | None = None,
        after: str | None = None,
        order: str | None = None,
    ) -> FileList:
        """One page of the uploaded files."""
        spec = list_spec(purpose=purpose, limit=limit, after=after, order=order)
        return _parse(FileList, self._client._send(spec))


class AsyncFiles:
    """``client.files`` of `AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(self, *, file: FileInput, purpose: str, filename: str | None = None) -> FileObject:
        """Upload a file (``purpose="batch"`` for a Batch API input file)."""
        return _parse(FileObject, await self._client._send(create_spec(file, purpose, filename)))

    async def retrieve(self, file_id: str) -> FileObject:
        """``GET /files/{id}``."""
        spec = RequestSpec("GET", f"/files/{_file_id(file_id)}")
        return _parse(FileObject, await self._client._send(spec))

    async def content(self, file_id: str) -> bytes:
        """``GET /files/{id}/content``: the file's bytes."""
        return (await self._client._send(RequestSpec("GET", f"/files/{_file_id(file_id)}/content"))).content

    async def delete(self, file_id: str) -> DeletedFile:
        """``DELETE /files/{id}``."""
        spec = RequestSpec("DELETE", f"/files/{_file_id(file_id)}")
        return _parse(DeletedFile, await self._client._send(spec))

    async def list(
        self,
        *,
        purpose: str | None = None,
        limit: int | None = None,
        after: str | None = None,
        order: str | None = None,
    ) -> FileList:
        """One page of the uploaded files."""
        spec = list_spec(purpose=purpose, limit=limit, after=after, order=order)
        return _parse(FileList, await self._client._send(spec))
