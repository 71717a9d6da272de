"""``client.files``: what each call sends (multipart uploads included) and how answers are read, sync and async."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import httpx2
import pytest

from nbresponses import AsyncClient, Client, InvalidParamsError

FILE = {"id": "file-abc", "object": "file", "bytes": 3, "created_at": 1, "filename": "in.jsonl", "purpose": "batch",
        "status": "processed"}  # fmt: skip


def recorder(seen: list[httpx2.Request]) -> httpx2.MockTransport:
    def handle(request: httpx2.Request) -> httpx2.Response:
        request.read()
        seen.append(request)
        if request.url.path.endswith("/content"):
            return httpx2.Response(200, content=b'{"line": 1}\n')
        if request.method == "DELETE":
            return httpx2.Response(200, json={"id": "file-abc", "object": "file", "deleted": True})
        if request.method == "GET" and request.url.path.endswith("/files"):
            return httpx2.Response(200, json={"object": "list", "data": [FILE], "has_more": False})
        return httpx2.Response(200, json=FILE)

    return httpx2.MockTransport(handle)


def client(seen: list[httpx2.Request]) -> Client:
    return Client(
        api_key="sk-test",
        base_url="https://gw.example/v1",
        http_client=httpx2.Client(transport=recorder(seen)),
    )


def test_an_upload_is_multipart_with_the_purpose(tmp_path: Path) -> None:
    seen: list[httpx2.Request] = []
    path = tmp_path / "requests.jsonl"
    path.write_bytes(b"{}\n")
    uploaded = client(seen).files.create(file=path, purpose="batch")
    request = seen[0]
    assert uploaded.id == "file-abc" and request.method == "POST" and request.url.path == "/v1/files"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert (
        b'name="purpose"\r\n\r\nbatch' in request.content and b'filename="requests.jsonl"' in request.content
    )
    assert request.headers["authorization"] == "Bearer sk-test"


@pytest.mark.parametrize("given", [b"{}\n", ("named.jsonl", b"{}\n"), io.BytesIO(b"{}\n")])
def test_bytes_pairs_and_open_files_upload_too(given: object) -> None:
    seen: list[httpx2.Request] = []
    client(seen).files.create(file=given, purpose="batch")  # type: ignore[arg-type]
    assert b"{}\n" in seen[0].content


def test_bad_uploads_are_refused_before_sending(tmp_path: Path) -> None:
    seen: list[httpx2.Request] = []
    files = client(seen).files
    with pytest.raises(InvalidParamsError, match="No such file"):
        files.create(file=tmp_path / "missing.jsonl", purpose="batch")
    with pytest.raises(InvalidParamsError, match="binary mode"):
        files.create(file=io.StringIO("text"), purpose="batch")  # type: ignore[arg-type]
    with pytest.raises(InvalidParamsError, match="purpose"):
        files.create(file=b"x", purpose="")
    with pytest.raises(InvalidParamsError, match="file id"):
        files.retrieve(" ")
    assert seen == []


def test_content_retrieve_list_delete() -> None:
    seen: list[httpx2.Request] = []
    files = client(seen).files
    assert files.content("file-abc") == b'{"line": 1}\n'
    assert files.retrieve("file-abc").purpose == "batch"
    assert [f.id for f in files.list(purpose="batch", limit=5).data] == ["file-abc"]
    assert files.delete("file-abc").deleted is True
    assert [(r.method, r.url.path, dict(r.url.params)) for r in seen] == [
        ("GET", "/v1/files/file-abc/content", {}), ("GET", "/v1/files/file-abc", {}),
        ("GET", "/v1/files", {"purpose": "batch", "limit": "5"}), ("DELETE", "/v1/files/file-abc", {}),
    ]  # fmt: skip


def test_the_async_client_has_the_same_calls() -> None:
    seen: list[httpx2.Request] = []

    async def main() -> None:
        async with AsyncClient(api_key="k", base_url="https://gw.example/v1",
                               http_client=httpx2.AsyncClient(transport=recorder(seen))) as aclient:  # fmt: skip
            assert (await aclient.files.create(file=b"x", purpose="batch")).id == "file-abc"
            assert await aclient.files.content("file-abc") == b'{"line": 1}\n'
            assert (await aclient.files.retrieve("file-abc")).filename == "in.jsonl"
            assert (await aclient.files.list()).data[0].id == "file-abc"
            assert (await aclient.files.delete("file-abc")).deleted

    asyncio.run(main())
    assert len(seen) == 5
