"""Tests of nbresponses.magics._models (``%respond models``), the ``--api`` option and ``RespondMagics.api``."""

from __future__ import annotations

import httpx2
import pytest

import nbresponses
from nbresponses.magics._models import models_markdown
from nbresponses.pricing import PriceTable
from tests.chat_server import ChatGateway
from tests.magic_shell import Shell

BASE = "http://gateway.test/v1"


def gateway_client(gateway: ChatGateway, **options: object) -> nbresponses.Client:
    http = httpx2.Client(transport=gateway.transport())
    return nbresponses.Client(api_key="sk-magic-0123456789", base_url=BASE, http_client=http, max_retries=0,
                              **options)  # type: ignore[arg-type]  # fmt: skip


def test_models_table_after_auto_mode_used_the_bridge(ipython: Shell) -> None:
    gateway = ChatGateway()
    ipython.magics.session.use_client(gateway_client(gateway))
    ipython.magics.prices = {"qwen-max": {"input": 1.6, "output": 6.4}}
    _, first = ipython.run("%%respond -m deepseek-chat\nHello", cell_id="a")
    assert "You said: Hello" in ipython.markdown(first) and "Chat Completions bridge" in ipython.markdown(
        first
    )
    assert type(ipython.ns["_r"]).__name__ == "Response"
    _, shown = ipython.run("%respond models")
    table = ipython.markdown(shown)
    assert f"**Models at {BASE}** (API setting: `auto`)" in table
    assert "| `deepseek-chat` | /chat/completions (bridge) |" in table
    assert "| `qwen-max` | not used yet | 1.6 / 6.4 |" in table  # RespondMagics.prices, shown without "$"
    assert "| `gpt-4.1` | not used yet | 0 / 0 |" in table  # NBRESPONSES_BACKEND=offline: the free table
    _, filtered = ipython.run("%respond models qwen")
    assert "qwen-max" in ipython.markdown(filtered) and "deepseek" not in ipython.markdown(filtered)


def test_api_option_and_setting(ipython: Shell) -> None:
    gateway = ChatGateway()
    ipython.magics.session.use_client(gateway_client(gateway))
    ipython.run("%%respond --api chat -m gpt-4.1\nStraight to chat", cell_id="a")
    assert gateway.paths() == ["POST /v1/chat/completions"]
    ipython.magics.api = "responses"
    _, out = ipython.run("%%respond -m deepseek-chat\nRefused", cell_id="b")
    text = ipython.markdown(out)
    assert "model_not_supported" in text and "Chat Completions bridge" in text  # the hint names the bridge
    assert "It lists: deepseek-chat" in text
    with pytest.raises(Exception, match="invalid choice"):
        ipython.shell.run_cell("%%respond --api bridge\nx", store_history=False).raise_error()


def test_models_with_no_key_lists_the_offline_backends_and_the_api_each_used(
    ipython: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    _, shown = ipython.run("%respond models")
    text = ipython.markdown(shown)
    assert "**Models at http://offline.nbresponses.invalid/v1** (API setting: `auto`)" in text
    assert "| `gpt-4.1` | not used yet | 0 / 0 |" in text
    assert "| `offline-chat` | not used yet | 0 / 0 |" in text
    assert "does not list" not in text and "| `4o-mini` | `gpt-4o-mini` | listed |" in text
    _, answered = ipython.run("%%respond -m offline-chat\nHello", cell_id="a")
    assert "does not serve offline-chat on /v1/responses" in ipython.markdown(answered)  # auto mode fell back
    ipython.run("%%respond\nHello", cell_id="b")
    _, again = ipython.run("%respond models offline")
    text = ipython.markdown(again)
    assert "| `offline-chat` | /chat/completions (bridge) | 0 / 0 |" in text and "`gpt-4.1`" not in text
    _, every = ipython.run("%respond models")
    assert "| `gpt-4.1` | /v1/responses | 0 / 0 |" in ipython.markdown(every)


def test_models_on_an_endpoint_without_a_list(ipython: Shell) -> None:
    no_list = httpx2.MockTransport(lambda request: httpx2.Response(404, text="404 page not found"))
    client = nbresponses.Client(api_key="sk-magic-0123456789", base_url=BASE, max_retries=0,
                                http_client=httpx2.Client(transport=no_list))  # fmt: skip
    ipython.magics.session.use_client(client)
    _, shown = ipython.run("%respond models")
    text = ipython.markdown(shown)
    assert "does not list its models (GET /models: HTTP 404)" in text and "No models known yet." in text


def test_models_markdown_without_prices_or_matches() -> None:
    text = models_markdown(
        base_url=BASE, api="chat", listed=["a"], routes={}, prices=PriceTable({}), pattern="zz"
    )
    assert "No model matches." in text
    text = models_markdown(
        base_url=BASE, api="chat", listed=None, routes={"m": "chat"}, prices=PriceTable({})
    )
    assert "| `m` | /chat/completions (bridge) | unknown |" in text


def test_models_lists_the_aliases_and_whether_the_endpoint_has_them(ipython: Shell) -> None:
    gateway = ChatGateway()
    ipython.magics.session.use_client(gateway_client(gateway))
    ipython.magics.aliases = {"ds": "deepseek-chat", "fast": "ds", "mini": "gpt-4.1-mini"}
    _, shown = ipython.run("%respond models")
    text = ipython.markdown(shown)
    assert "**Aliases** (`RespondMagics.aliases`):" in text
    assert "| `ds` | `deepseek-chat` | listed |" in text and "| `fast` | `deepseek-chat` | listed |" in text
    assert "| `mini` | `gpt-4.1-mini` | not listed by this endpoint |" in text
    _, filtered = ipython.run("%respond models deepseek")
    assert "`mini`" not in ipython.markdown(filtered) and "`ds`" in ipython.markdown(filtered)
    _, used = ipython.run("%%respond -m fast\nHello", cell_id="a")
    assert gateway.paths()[-1] == "POST /v1/chat/completions" and "You said: Hello" in ipython.markdown(used)
