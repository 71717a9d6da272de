"""Bad input and broken surroundings through ``%%respond`` in a real kernel, one table (issue 13's probe classes).

Every case runs in the same kernel, one after the other, as a user would hit them: a broken history or cassette,
values that cannot be shown, invalid images and files, bad option values, oversized values, bad price files, and
the inputs that must keep working (5 MB cells, NUL bytes, RTL text, emoji, brace forms, a million-row DataFrame).
For each case the test asserts: no traceback anywhere in the cell's output, the message it must say, what was
sent (nothing for an invalid cell, measured at ``httpx2.Client.send``), what was stored in the history, and that
the kernel and the thread are usable after (a plain turn continues from the thread's head).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.kernel_client import Kernel, kernel

HELPERS = r"""
import json as _nbr_json
import httpx2 as _nbr_httpx2

_nbr_sent = []
_nbr_send = _nbr_httpx2.Client.send


def _nbr_recording_send(self, request, **kwargs):
    if request.method == "POST" and request.url.path.endswith("/responses"):
        body = _nbr_json.loads(request.content)
        parts = [p for item in body.get("input") or [] if isinstance(item, dict)
                 for p in (item.get("content") if isinstance(item.get("content"), list) else [])]
        text = "".join(p.get("text", "") for p in parts if p.get("type") == "input_text")
        _nbr_sent.append({"bytes": len(request.content), "previous": body.get("previous_response_id"),
                          "text": text if len(text) <= 20000 else text[:10000] + text[-10000:],
                          "text_chars": len(text), "kinds": [p.get("type") for p in parts],
                          "tool_choice": body.get("tool_choice"), "model": body.get("model")})
    return _nbr_send(self, request, **kwargs)


_nbr_httpx2.Client.send = _nbr_recording_send
_nbr_magics = get_ipython().magics_manager.registry["RespondMagics"]


def _nbr_probe():
    store = getattr(_nbr_magics.session, "history_store", None) or _nbr_magics.session._store
    notebook = _nbr_magics.session.notebook
    rows = store.history(notebook, None) if store is not None else []
    path = store.active_path(notebook, _nbr_magics.thread) if store is not None else []
    last = rows[-1] if rows else None
    result = get_ipython().user_ns.get("_r")
    return {"sent": len(_nbr_sent), "rows": len(rows), "in_memory": bool(store is not None and getattr(store, "in_memory", False)),
            "last": None if last is None else {"status": last.status, "prompt": last.prompt,
                                               "request_chars": len(last.request_json or ""),
                                               "items_chars": len(last.input_items_json or "")},
            "head": path[-1].response_id if path else None, "r": getattr(result, "id", None),
            "r_status": getattr(result, "status", None)}


def _nbr_finish(teardown):
    after_case = _nbr_probe()
    exec(teardown, get_ipython().user_ns)
    _nbr_magics.session.store(_nbr_magics.history_path)  # the history the next turn uses
    return {"case": after_case, "after": _nbr_probe()}
"""


@dataclass
class Case:
    """One bad (or must-keep-working) input: the cell, what it must say, and what may be sent and stored."""

    name: str
    cell: str
    says: str = ""
    error: str | None = None  # the cell's error name; None: the cell succeeds
    sent: int = 0  # requests to /responses
    stored: str | None = None  # the status of the one row the history gets; None: no row
    setup: str = ""  # Python run before the cell
    teardown: str = ""  # Python run after it
    in_memory: bool = False  # the turn went to an in-memory history (the file could not be used)
    check: Callable[[dict[str, Any], list[dict[str, Any]]], None] | None = None  # (probe, requests sent)
    interrupt_on: str = ""  # Ctrl-C once this text is shown
    file_unchanged: Path | None = None  # a user's file that must be left byte for byte as it was
    notes: list[str] = field(default_factory=list)


def config(name: str, value: object) -> str:
    return f"get_ipython().run_line_magic('config', {f'RespondMagics.{name} = {value!r}'!r})\n"


def png(size: int = 64) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (size, size), "blue").save(buffer, format="PNG")
    return buffer.getvalue()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[bool]:
    """Make files and folders read-only, for root too (chattr +i) where the system allows; yields whether it took."""
    immutable = []
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
        if (
            os.geteuid() == 0
            and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
        ):
            immutable.append(path)
    try:
        effective = all(not os.access(p, os.W_OK) for p in paths)
        yield effective
    finally:
        for path in immutable:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)
        for path in paths:
            path.chmod(0o755 if path.is_dir() else 0o644)


def history_file(path: Path, *, turns: int = 0) -> Path:
    from nbresponses.store import HistoryStore

    with HistoryStore(path) as store:
        for n in range(turns):
            turn = store.begin_turn("other notebook", parent_id=None, prompt=f"turn {n}")
            store.finish_turn(turn.id, status="completed", response={"id": f"resp_{n}", "output": []})
    return path


def sent_text(contains: str) -> Callable[[dict[str, Any], list[dict[str, Any]]], None]:
    def check(probe: dict[str, Any], sent: list[dict[str, Any]]) -> None:
        assert contains in sent[-1]["text"], sent[-1]["text"][-300:]

    return check


def cases(d: Path, read_only_took: bool) -> list[Case]:
    """The table. ``d`` holds the files the cases use; ``read_only_took``: read-only files really are here."""
    (d / "empty.png").write_bytes(b"")
    (d / "text.png").write_text("hello, I am text")
    (d / "notes.txt").write_text("some notes")
    (d / "empty.pdf").write_bytes(b"")
    (d / "fake.pdf").write_text("not a pdf at all")
    (d / "good.png").write_bytes(png())
    with open(d / "huge.png", "wb") as huge:  # 21 MB, sparse: an image over the API's 20 MB
        huge.write(png())
        huge.truncate(21 * 1024 * 1024)
    (d / "a folder").mkdir()
    garbage = d / "garbage.sqlite"
    garbage.write_bytes(b"this is my thesis, not a database\n" * 100)
    newer = d / "newer.sqlite"
    raw = sqlite3.connect(newer)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    foreign = d / "foreign.sqlite"
    raw = sqlite3.connect(foreign)
    raw.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    raw.execute("INSERT INTO customers (name) VALUES ('Ada')")
    raw.commit()
    raw.close()
    (d / "bad-cassette.json").write_text("{not json")
    (d / "list-cassette.json").write_text('["a", "b"]')
    (d / "dict-cassette.json").write_text('{"request": {}, "response": {}}')
    (d / "bad-prices.json").write_text("{oops")
    (d / "list-prices.json").write_text("[1, 2]")
    (d / "negative-prices.json").write_text('{"gpt-4.1": {"input": -1, "output": 2}}')
    read_only_history = d / "locked" / "history.sqlite"
    sealed = d / "sealed"
    reset_history = config("history_path", "")
    reset_cassette = config("cassette", "")
    reset_prices = config("prices", {})
    five_mb = "lorem ipsum dolor sit amet " * 200_000
    read_only_cases = (
        [
            Case(
                "history file read-only",
                "%%respond\nhi",
                setup=config("history_path", str(read_only_history)),
                teardown=reset_history,
                says="it is read-only",
                sent=1,
                in_memory=True,
                stored="completed",
                file_unchanged=read_only_history,
            ),
            Case(
                "history folder read-only",
                "%%respond\nhi",
                setup=config("history_path", str(sealed / "h.sqlite")),
                teardown=reset_history,
                says="cannot be created",
                sent=1,
                in_memory=True,
                stored="completed",
            ),
        ]
        if read_only_took
        else [  # root without chattr: nothing is read-only here, so these histories simply work
            Case(
                "history file read-only (writable here)",
                "%%respond\nhi",
                sent=1,
                stored="completed",
                setup=config("history_path", str(read_only_history)),
                teardown=reset_history,
            ),
            Case(
                "history folder read-only (writable here)",
                "%%respond\nhi",
                sent=1,
                stored="completed",
                setup=config("history_path", str(sealed / "h.sqlite")),
                teardown=reset_history,
            ),
        ]
    )
    return [
        # ----- broken surroundings: history, cassette, prices -----
        Case(
            "history is not SQLite",
            "%%respond\nhi",
            setup=config("history_path", str(garbage)),
            teardown=reset_history,
            says="is not an SQLite database",
            sent=1,
            in_memory=True,
            stored="completed",
            file_unchanged=garbage,
        ),
        Case(
            "history is a folder",
            "%%respond\nhi",
            setup=config("history_path", str(d / "a folder")),
            teardown=reset_history,
            says="it is a folder",
            sent=1,
            in_memory=True,
            stored="completed",
        ),
        *read_only_cases,
        Case(
            "history in a file's place",
            "%%respond\nhi",
            setup=config("history_path", str(d / "notes.txt" / "h")),
            teardown=reset_history,
            says="cannot be created",
            sent=1,
            in_memory=True,
            stored="completed",
        ),
        Case(
            "history from a newer version",
            "%%respond\nhi",
            setup=config("history_path", str(newer)),
            teardown=reset_history,
            says="newer nbresponses",
            sent=1,
            in_memory=True,
            stored="completed",
            file_unchanged=newer,
        ),
        Case(
            "history is another program's database",
            "%%respond\nhi",
            setup=config("history_path", str(foreign)),
            teardown=reset_history,
            says="another program's SQLite database",
            sent=1,
            in_memory=True,
            stored="completed",
            file_unchanged=foreign,
        ),
        Case(
            "cassette not JSON",
            "%%respond\nhi",
            setup=config("cassette", str(d / "bad-cassette.json")),
            teardown=reset_cassette,
            error="UsageError",
            says="is not valid JSON",
            file_unchanged=d / "bad-cassette.json",
        ),
        Case(
            "cassette a list of strings",
            "%%respond\nhi",
            setup=config("cassette", str(d / "list-cassette.json")),
            teardown=reset_cassette,
            error="UsageError",
            says="is not a cassette",
        ),
        Case(
            "cassette an object",
            "%%respond\nhi",
            setup=config("cassette", str(d / "dict-cassette.json")),
            teardown=reset_cassette,
            error="UsageError",
            says="is not a cassette",
        ),
        Case(
            "cassette a folder",
            "%%respond\nhi",
            setup=config("cassette", str(d / "a folder")),
            teardown=reset_cassette,
            error="UsageError",
            says="Cannot read the cassette",
        ),
        Case(
            "price file missing",
            "%%respond\nhi",
            setup=config("prices", str(d / "nope.json")),
            teardown=reset_prices,
            error="UsageError",
            says="No such file",
        ),
        Case(
            "price file not JSON",
            "%%respond\nhi",
            setup=config("prices", str(d / "bad-prices.json")),
            teardown=reset_prices,
            error="UsageError",
            says="cannot read the price file",
        ),
        Case(
            "price file a list",
            "%%respond\nhi",
            setup=config("prices", str(d / "list-prices.json")),
            teardown=reset_prices,
            error="UsageError",
            says="a price table is a JSON object",
        ),
        Case(
            "price negative",
            "%%respond\nhi",
            setup=config("prices", str(d / "negative-prices.json")),
            teardown=reset_prices,
            error="UsageError",
            says="must be a number >= 0",
        ),
        # ----- values that cannot be shown -----
        Case(
            "repr raises",
            "%%respond\nlook at {bad_repr}",
            setup="class BadRepr:\n    def __repr__(self):\n        raise ValueError('no repr today')\nbad_repr = BadRepr()",
            error="UsageError",
            says="{bad_repr} cannot be shown: its repr() raised ValueError: no repr today",
        ),
        Case(
            "repr returns bytes",
            "%%respond\nlook at {odd_repr}",
            setup="class OddRepr:\n    def __repr__(self):\n        return b'x'\nodd_repr = OddRepr()",
            error="UsageError",
            says="{odd_repr} cannot be shown",
        ),
        Case(
            "property raises",
            "%%respond\nlook at {obj.broken}",
            setup="class Obj:\n    @property\n    def broken(self):\n        raise RuntimeError('x')\nobj = Obj()",
            sent=1,
            stored="completed",
            check=sent_text("look at {obj.broken}"),
        ),
        Case(
            "repr hangs, Ctrl-C",
            "%%respond\nlook at {slow}",
            setup="import time\nclass Slow:\n    def __repr__(self):\n        print('REPR STARTED', flush=True)\n"
            "        time.sleep(3600)\nslow = Slow()",
            interrupt_on="REPR STARTED",
            error="TurnInterrupted",
            says="Interrupted while reading {slow}",
        ),
        # A frontend can send one (JSON "\\ud800"), jupyter_client cannot: the cell is made in the kernel.
        Case(
            "lone surrogate in the cell",
            "get_ipython().run_cell_magic('respond', '', 'lone \\ud800 here')",
            sent=1,
            stored="completed",
            says="became U+FFFD",
            check=sent_text("lone \ufffd here"),
        ),
        Case(
            "lone surrogate in a value",
            "%%respond\nname: {surrogate}",
            setup="surrogate = 'caf\\udce9'",
            sent=1,
            stored="completed",
            says="became U+FFFD",
            check=sent_text("caf\ufffd"),
        ),
        Case(
            "split surrogate pair is joined",
            "%%respond\npair: {pair}",
            setup="pair = '\\ud83d\\ude00'",
            sent=1,
            stored="completed",
            check=sent_text("pair: 😀"),
        ),
        # ----- images and files -----
        Case(
            "empty .png", f"%%respond --image '{d / 'empty.png'}'\nlook", error="UsageError", says="is empty"
        ),
        Case(
            "text named .png",
            f"%%respond --image '{d / 'text.png'}'\nlook",
            error="UsageError",
            says="is not a PNG, JPEG, GIF or WEBP image",
        ),
        Case(
            ".txt as --image",
            f"%%respond --image '{d / 'notes.txt'}'\nlook",
            error="UsageError",
            says="is not a PNG, JPEG, GIF or WEBP image",
        ),
        Case(
            "image over 20 MB",
            f"%%respond --image '{d / 'huge.png'}'\nlook",
            error="UsageError",
            says="the API takes images up to 20 MB",
        ),
        Case(
            "image missing",
            f"%%respond --image '{d / 'missing.png'}'\nlook",
            error="UsageError",
            says="No such file",
        ),
        Case(
            "image a folder",
            f"%%respond --image '{d / 'a folder'}'\nlook",
            error="UsageError",
            says="is a folder",
        ),
        Case(
            "empty .png interpolated",
            "%%respond\nlook {empty_path}",
            setup=f"from pathlib import Path\nempty_path = Path({str(d / 'empty.png')!r})",
            error="UsageError",
            says="is empty",
        ),
        Case(
            "text .png path interpolated",
            "%%respond\nlook {text_png}",
            setup=f"text_png = {str(d / 'text.png')!r}",
            error="UsageError",
            says="is not a PNG",
        ),
        Case(
            "bytes variable as --image",
            "%%respond --image nothing\nlook",
            setup="nothing = b''",
            error="UsageError",
            says="is not an image or a file",
        ),
        Case(
            "PDF bytes as --image",
            "%%respond --image doc\nlook",
            setup="doc = b'%PDF-1.4 tiny'",
            error="UsageError",
            says="attach it with --file",
        ),
        Case(
            "empty .pdf as --file",
            f"%%respond --file '{d / 'empty.pdf'}'\nread",
            error="UsageError",
            says="is empty",
        ),
        Case(
            "text named .pdf as --file",
            f"%%respond --file '{d / 'fake.pdf'}'\nread",
            error="UsageError",
            says="is not a PDF",
        ),
        Case(
            "file missing",
            f"%%respond --file '{d / 'gone.txt'}'\nread",
            error="UsageError",
            says="No such file",
        ),
        Case(
            "a good image still goes",
            f"%%respond --image '{d / 'good.png'}'\nlook",
            sent=1,
            stored="completed",
            check=lambda probe, sent: sent[-1]["kinds"].count("input_image") == 1 or pytest.fail("no image"),
        ),
        # ----- option values -----
        Case("--out 1bad", "%%respond --out 1bad\nhi", error="UsageError", says="not a Python variable name"),
        Case("--out for", "%%respond --out for\nhi", error="UsageError", says="not a Python variable name"),
        Case(
            "--out with a space",
            "%%respond --out 'a b'\nhi",
            error="UsageError",
            says="not a Python variable name",
        ),
        Case(
            "--tool-choice nosuch",
            "%%respond --tool-choice nosuch\nhi",
            error="UsageError",
            says="this cell has no such tool",
        ),
        Case(
            "--tool-choice required, no tools",
            "%%respond --tool-choice required\nhi",
            error="UsageError",
            says="offers no tool",
        ),
        Case(
            "--tool-choice a hosted tool",
            "%%respond --web-search --tool-choice web_search\nhi",
            sent=1,
            stored="completed",
            check=lambda p, s: s[-1]["tool_choice"] == {"type": "web_search"} or pytest.fail(str(s[-1])),
        ),
        Case("-m ''", "%%respond -m ''\nhi", error="UsageError", says="needs a model name"),
        Case("-m blank", "%%respond -m '   '\nhi", error="UsageError", says="needs a model name"),
        Case("--thread ''", "%%respond --thread ''\nhi", error="UsageError", says="needs a thread name"),
        Case(
            "--conversation ''",
            "%%respond --conversation ''\nhi",
            error="UsageError",
            says="needs a conversation id",
        ),
        Case(
            "--max-output-tokens 10**30",
            "%%respond --max-output-tokens " + "1" + "0" * 30 + "\nhi",
            error="UsageError",
            says="a 31-digit number",
        ),
        Case(
            "--max-output-tokens 0",
            "%%respond --max-output-tokens 0\nhi",
            error="UsageError",
            says="from 1 to",
        ),
        Case(
            "--max-output-tokens as code",
            "%%respond --max-output-tokens '10**30'\nhi",
            error="UsageError",
            says="expected a whole number",
        ),
        Case(
            "--max-tool-rounds 0",
            "%%respond --max-tool-rounds 0\nhi",
            error="UsageError",
            says="from 1 to 1,000",
        ),
        Case("--temperature 5", "%%respond --temperature 5\nhi", error="UsageError", says="from 0 to 2"),
        Case("--temperature nan", "%%respond --temperature nan\nhi", error="UsageError", says="from 0 to 2"),
        Case("--top-p 2", "%%respond --top-p 2\nhi", error="UsageError", says="from 0 to 1"),
        Case(
            "--metadata without =", "%%respond --metadata novalue\nhi", error="UsageError", says="KEY=VALUE"
        ),
        Case(
            "--metadata 17 keys",
            "%%respond " + " ".join(f"--metadata k{n}=v" for n in range(17)) + "\nhi",
            error="UsageError",
            says="at most 16 keys",
        ),
        Case(
            "--metadata value too long",
            "%%respond --metadata k=" + "v" * 600 + "\nhi",
            error="UsageError",
            says="the API's limits",
        ),
        Case("--budget -1", "%%respond --budget -1\nhi", error="UsageError", says="from 0 to"),
        Case("unknown option", "%%respond --bogus\nhi", error="UsageError", says="unrecognized arguments"),
        Case(
            "API key on the line",
            "%%respond --api-key sk-abcdefghijklmnopqrstuvwx\nhi",
            error="UsageError",
            says="Do not put an API key on the magic line",
        ),
        Case(
            "unbalanced quote", '%%respond -m "gpt\nhi', error="UsageError", says="could not read the options"
        ),
        Case("empty cell", "%%respond\n   \n", error="UsageError", says="The cell is empty"),
        Case("--schema missing", "%%respond --schema Nope\nhi", error="UsageError", says="no such name"),
        Case("--tool not JSON", "%%respond --tool 'x'\nhi", error="UsageError", says="takes a JSON object"),
        Case(
            "--tools missing function",
            "%%respond --tools nosuch_fn\nhi",
            error="UsageError",
            says="nosuch_fn",
        ),
        # ----- too much -----
        Case(
            "100 MB value",
            "%%respond\nsummarise {huge_text}",
            setup="huge_text = 'x' * (100 * 1024 * 1024)",
            teardown="del huge_text",
            sent=1,
            stored="completed",
            says="were sent (104,657,600 cut)",
            check=lambda p, s: (
                (
                    s[-1]["bytes"] < 1_000_000
                    and p["last"]["request_chars"] + p["last"]["items_chars"] < 1_000_000
                )
                or pytest.fail(str((s[-1]["bytes"], p)))
            ),
        ),
        Case(
            "250k-character value",
            "%%respond\n{long_text}",
            setup="long_text = 'y' * 250_000",
            sent=1,
            stored="completed",
            says="(50,000 cut)",
            check=sent_text("[50,000 more characters of {long_text} were cut]"),
        ),
        # ----- inputs that work today and must keep working -----
        Case(
            "5 MB cell",
            f"%%respond\n{five_mb}",
            sent=1,
            stored="completed",
            check=lambda p, s: (
                (
                    s[-1]["text_chars"] >= len(five_mb)
                    and p["last"]["request_chars"] < 10_000  # the request is stored once: as its items
                    and p["last"]["items_chars"] < 1.1 * len(five_mb)
                )
                or pytest.fail(str(p))
            ),
        ),
        Case(
            "NUL bytes",
            "%%respond\nbefore\x00after",
            sent=1,
            stored="completed",
            check=sent_text("before\x00after"),
        ),
        Case(
            "RTL text",
            "%%respond\nمرحبا بالعالم \u202eשלום עולם",
            sent=1,
            stored="completed",
            check=sent_text("مرحبا بالعالم \u202eשלום עולם"),
        ),
        Case(
            "emoji",
            "%%respond\n👩‍👩‍👧‍👦 🇫🇷 🏳️‍🌈 é",
            sent=1,
            stored="completed",
            check=sent_text("👩‍👩‍👧‍👦 🇫🇷"),
        ),
        Case(
            "ANSI escapes",
            "%%respond\n\x1b[31mred\x1b[0m text",
            sent=1,
            stored="completed",
            check=sent_text("\x1b[31mred"),
        ),
        Case(
            "brace forms",
            "%%respond\n{{escaped}} {not_a_name} {d['k']} {o.attr} {\"json\": 1} "
            "{x for x in y} $\\frac{a}{b}$ {}",
            setup="d = {'k': 'VALUE-K'}\nclass O:\n    attr = 'VALUE-ATTR'\no = O()",
            sent=1,
            stored="completed",
            says="{not_a_name} is not a variable",
            check=sent_text(
                '{escaped} {not_a_name} VALUE-K VALUE-ATTR {"json": 1} {x for x in y} $\\frac{a}{b}$ {}'
            ),
        ),
        Case(
            "million-row DataFrame",
            "%%respond\n{frame}",
            setup="import pandas as pd\nframe = pd.DataFrame({'n': range(1_000_000)})",
            teardown="del frame",
            sent=1,
            stored="completed",
            check=sent_text("showing 20 of 1000000 rows"),
        ),
        Case(
            "a NaN and None",
            "%%respond\n{nan} {none}",
            setup="nan = float('nan')\nnone = None",
            sent=1,
            stored="completed",
            check=sent_text("nan None"),
        ),
    ]


def _text_of(outputs: list[dict[str, Any]]) -> str:
    texts = []
    for output in outputs:
        if output["msg_type"] == "stream":
            texts.append(output["text"])
        elif output["msg_type"] == "error":
            texts += [output["ename"], output["evalue"], *output["traceback"]]
        else:
            data = output.get("data", {})
            texts.append(data.get("text/markdown", "") or data.get("text/plain", ""))
    return "\n".join(texts)


def run_case(k: Kernel, case: Case, number: int) -> None:
    k.execute("_nbr_before = _nbr_probe()\n" + case.setup)
    before_digest = digest(case.file_unchanged) if case.file_unchanged else None
    cell_id = f"case-{number}"
    if case.interrupt_on:
        outputs = k.interrupt_when_shown(case.cell, case.interrupt_on)
    else:
        outputs = k.execute(case.cell, cell_id=cell_id, timeout=120)
    text = _text_of(outputs)
    errors = [o for o in outputs if o["msg_type"] == "error"]
    where = f"case {number} ({case.name}): {text[-1500:]}"
    assert "Traceback" not in text, where
    assert k.last_reply.get("ename") == case.error, where
    if case.error == "UsageError":  # IPython prints a usage error as one line on stderr
        lines = [
            line for o in outputs if o["msg_type"] == "stream" for line in o["text"].splitlines() if line
        ]
        assert len(lines) == 1 and lines[0].startswith("UsageError: "), where
    elif case.error:  # our own errors render as one line instead of a traceback
        assert [len([line for line in e["traceback"] if line.strip()]) for e in errors] == [1], where
    assert case.says in text, where
    result = k.value(f"[_nbr_before, _nbr_finish({case.teardown!r}), _nbr_sent[_nbr_before['sent']:]]")
    before, probes, sent = result
    after = probes["case"]
    assert len(sent) == case.sent, f"{where}\nsent: {sent}"
    assert after["in_memory"] == case.in_memory, where
    rows_added = after["rows"] - (0 if case.in_memory else before["rows"])
    assert rows_added == (1 if case.stored else 0), f"{where}\n{before}\n{after}"
    if case.stored:
        assert after["last"]["status"] == case.stored, where
        assert after["r"] is not None and after["r"] != before["r"] and after["r_status"] == "completed", (
            where
        )
    else:
        assert after["r"] == before["r"], where  # nothing was sent: _r still names the last turn sent
    if case.check is not None:
        case.check(after, sent)
    if case.file_unchanged is not None:
        assert digest(case.file_unchanged) == before_digest, f"{where}: the user's file was changed"
    # The kernel and the thread are usable: a plain turn continues from the thread's head.
    head = probes["after"]["head"]
    outputs = k.execute(f"%%respond\nstill there after case {number}?", cell_id=f"health-{number}")
    assert not [o for o in outputs if o["msg_type"] == "error"], f"{where}\n{_text_of(outputs)}"
    health_sent, health = k.value("[_nbr_sent[-1], _nbr_probe()]")
    assert health_sent["previous"] == head, where
    assert health["last"]["status"] == "completed" and health["r_status"] == "completed", where


@pytest.mark.timeout(900)
def test_bad_inputs_end_in_one_line_send_nothing_wrong_and_lose_nothing(tmp_path: Path) -> None:
    d = tmp_path / "files"
    d.mkdir()
    env = {"NBRESPONSES_BACKEND": "offline", "NBRESPONSES_HISTORY": str(tmp_path / "history.sqlite"),
           "NBRESPONSES_NOTEBOOK": str(tmp_path / "notebook.ipynb")}  # fmt: skip
    (d / "locked").mkdir()
    (d / "sealed").mkdir()
    history_file(d / "locked" / "history.sqlite", turns=1)
    with kernel(**env) as k, read_only(d / "locked" / "history.sqlite", d / "sealed") as took:
        table = cases(d, took)
        k.execute("%load_ext nbresponses\n%config RespondMagics.display = 'markdown'")
        k.execute(HELPERS)
        k.execute("%%respond\nthe first turn", cell_id="first")
        failures = []
        for number, case in enumerate(table, 1):
            try:
                run_case(k, case, number)
            except (AssertionError, TimeoutError) as failure:  # report every failing case, not just the first
                failures.append(str(failure)[:2000])
                k.execute(case.teardown)
    assert not failures, f"{len(failures)} of {len(table)} cases failed:\n\n" + "\n\n".join(failures)
    assert len(table) >= 60
