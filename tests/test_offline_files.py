"""The offline server's Files API and its store: multipart uploads, content, listing, deletion, persistence."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from nbresponses import NotFoundError
from nbresponses.offline import OfflineServer, create_app
from nbresponses.offline._files import FileStore, parse_multipart
from nbresponses.testing import offline_client
from tests.loopback import serve


def test_multipart_fields_are_read_from_the_body_alone() -> None:
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
            b"Content-Type: application/jsonl\r\n\r\n{\"a\": 1}\n\r\n--XyZ--\r\n")  # fmt: skip
    fields = parse_multipart(body)
    assert fields["purpose"] == (None, b"batch") and fields["file"] == ("in.jsonl", b'{"a": 1}\n')
    assert parse_multipart(b"not multipart") == {}


def test_upload_read_list_delete() -> None:
    client = offline_client(OfflineServer())
    uploaded = client.files.create(file=("in.jsonl", b"line\n"), purpose="batch")
    assert uploaded.id.startswith("file-") and uploaded.bytes == 5 and uploaded.filename == "in.jsonl"
    assert client.files.retrieve(uploaded.id).purpose == "batch"
    assert client.files.content(uploaded.id) == b"line\n"
    assert [f.id for f in client.files.list(purpose="batch").data] == [uploaded.id]
    assert client.files.list(purpose="vision").data == []
    assert client.files.delete(uploaded.id).deleted is True
    with pytest.raises(NotFoundError):
        client.files.retrieve(uploaded.id)


def test_files_outlive_the_server_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "files.sqlite"
    uploaded = offline_client(OfflineServer(database=path)).files.create(file=b"x", purpose="user_data")
    assert offline_client(OfflineServer(database=path)).files.content(uploaded.id) == b"x"
    assert FileStore(path).file(uploaded.id)["purpose"] == "user_data"


def test_the_official_sdk_uploads_over_http() -> None:
    with serve(create_app(OfflineServer())) as url:
        client = openai.OpenAI(base_url=url, api_key="sk-offline")
        uploaded = client.files.create(file=("requests.jsonl", b"{}\n"), purpose="batch")
        assert client.files.content(uploaded.id).read() == b"{}\n"
        assert client.files.retrieve(uploaded.id).filename == "requests.jsonl"


def test_a_missing_purpose_is_the_real_error() -> None:
    server = OfflineServer()
    body = b'--B\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nx\r\n--B--\r\n'
    reply = server.handle("POST", "/v1/files", {}, body)
    assert reply.status == 400 and b"'purpose'" in reply.body
