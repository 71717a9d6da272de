"""Hosted tools in the stand-in model: the real item types, filled in honestly (pure).

When a request offers ``web_search``, ``file_search``, ``code_interpreter`` or ``image_generation`` and the
prompt asks for what the tool does (or ``tool_choice`` names it), the plan holds the tool's call item as OpenAI
sends it (``web_search_call`` with its ``action``, ``file_search_call`` with ``queries`` and ``results``,
``code_interpreter_call`` with ``code`` and ``outputs``, ``image_generation_call`` with a PNG ``result``),
followed by a message that cites it. Nothing pretends to be real: no network is searched (sources are
``.invalid`` placeholders), no vector store is read, arithmetic is evaluated (anything else is not run), and the
image is drawn from the prompt. ``results`` / ``outputs`` / ``sources`` are filled only when ``include`` asks,
as the API does.
"""

from __future__ import annotations

import ast
import hashlib
import operator
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from ._png import png_base64

__all__ = ["hosted_items"]

_WEB = re.compile(r"\b(search|look up|google|latest|news|current|today|web|internet|online)\b|搜索|搜一下|查一下|"
                  r"最新|新闻|今天|网上", re.IGNORECASE)  # fmt: skip
_FILES = re.compile(r"\b(files?|documents?|docs?|pdfs?|notes|knowledge base|according to)\b|文件|文档|资料",
                    re.IGNORECASE)  # fmt: skip
_CODE = re.compile(r"\b(calculate|compute|run|execute|python|code|plot|evaluate|factorial)\b|计算|代码|运行",
                   re.IGNORECASE)  # fmt: skip
_IMAGE = re.compile(r"\b(image|picture|draw|drawing|illustration|photo|logo|icon|paint)\b|图片|图像|画|插图|照片",
                    re.IGNORECASE)  # fmt: skip
_ARITHMETIC = re.compile(r"[-(]*\d[\d.\s()+\-*/%^]*[+\-*/%^][\d.\s()+\-*/%^]*\d\)*")
_FACTORIAL = re.compile(r"factorial of (\d{1,3})|(\d{1,3})\s*的阶乘", re.IGNORECASE)
_OPERATORS: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
    ast.USub: operator.neg, ast.UAdd: operator.pos,
}  # fmt: skip
_WEB_TYPES = ("web_search", "web_search_2025_08_26", "web_search_preview", "web_search_preview_2025_03_11")


def _evaluate(node: ast.AST) -> float | int:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise ValueError("exponent too large")
        value: float | int = _OPERATORS[type(node.op)](left, right)
        return value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        result: float | int = _OPERATORS[type(node.op)](_evaluate(node.operand))
        return result
    raise ValueError("not arithmetic")


def _program(prompt: str) -> tuple[str, str]:
    """The code for a prompt and what running it prints (only arithmetic and factorials are evaluated)."""
    factorial = _FACTORIAL.search(prompt)
    if factorial is not None:
        n = int(factorial.group(1) or factorial.group(2))
        value = 1
        for k in range(2, n + 1):
            value *= k
        return f"import math\n\nmath.factorial({n})\n", str(value)
    found = _ARITHMETIC.search(prompt)
    if found is not None:
        expression = " ".join(found.group(0).replace("^", "**").split())
        try:
            result = _evaluate(ast.parse(expression, mode="eval"))
        except (ValueError, SyntaxError, ZeroDivisionError, OverflowError, RecursionError):
            pass
        else:
            shown = f"{result:g}" if isinstance(result, float) else str(result)
            return f"# compute the value\n{expression}\n", shown
    text = " ".join(prompt.split())[:120].replace("\\", "\\\\").replace('"', '\\"')
    return (f'# The offline backend runs no code; a real model would write a program for:\n# "{text}"\n',
            "(offline backend: the code was not run)")  # fmt: skip


def _short_id(prompt: str, prefix: str) -> str:
    return f"{prefix}_offline{hashlib.sha256(prompt.encode('utf-8', 'replace')).hexdigest()[:24]}"


def _message(text: str, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    part = {"type": "output_text", "text": text, "annotations": annotations, "logprobs": []}
    return {"type": "message", "role": "assistant", "status": "completed", "content": [part]}


def _web(tool: dict[str, Any], query: str, include: set[str]) -> list[dict[str, Any]]:
    url = f"https://search.offline.nbresponses.invalid/?q={quote(query[:100])}"
    action: dict[str, Any] = {"type": "search", "queries": [query], "query": query}
    if "web_search_call.action.sources" in include:
        action["sources"] = [{"type": "url", "url": url}]
    lead = f"I searched the web for “{query}”, but this is the offline backend: no network was used, so "
    cited = "there is no real result to report"
    text = lead + cited + "."
    start = len(lead)
    annotation = {"type": "url_citation", "start_index": start, "end_index": start + len(cited),
                  "title": f"Offline placeholder for “{query[:60]}”", "url": url}  # fmt: skip
    call = {"type": "web_search_call", "status": "completed", "action": action}
    return [call, _message(text, [annotation])]


def _files(tool: dict[str, Any], query: str, include: set[str]) -> list[dict[str, Any]]:
    stores = [str(s) for s in tool.get("vector_store_ids") or []]
    file_id = _short_id(query, "file")
    filename = f"{stores[0] if stores else 'store'}-offline.txt"
    results = [{"attributes": {}, "file_id": file_id, "filename": filename, "score": 0.5,
                "text": f"(offline backend: vector stores are not read; this stands in for a passage about “{query}”)",
                "vector_store_id": stores[0] if stores else None}]  # fmt: skip
    call = {"type": "file_search_call", "status": "completed", "queries": [query],
            "results": results if "file_search_call.results" in include else None}  # fmt: skip
    text = (
        f"I searched {', '.join(stores) or 'the vector store'} for “{query}”; offline, no passage was read."
    )
    annotation = {"type": "file_citation", "file_id": file_id, "filename": filename, "index": len(text)}
    return [call, _message(text, [annotation])]


def _code(tool: dict[str, Any], prompt: str, include: set[str]) -> list[dict[str, Any]]:
    code, logs = _program(prompt)
    container = tool.get("container")
    container_id = container if isinstance(container, str) else _short_id(prompt, "cntr")
    outputs = [{"type": "logs", "logs": logs}] if "code_interpreter_call.outputs" in include else None
    call = {"type": "code_interpreter_call", "status": "completed", "code": code, "container_id": container_id,
            "outputs": outputs}  # fmt: skip
    answer = f"The result is {logs}." if not logs.startswith("(") else f"I wrote the code above {logs}."
    return [call, _message(answer, [])]


def _image(tool: dict[str, Any], prompt: str, include: set[str]) -> list[dict[str, Any]]:
    call = {"type": "image_generation_call", "status": "completed", "result": png_base64(prompt),
            "revised_prompt": prompt[:500], "size": "64x64", "output_format": "png", "quality": "low",
            "background": "opaque"}  # fmt: skip
    return [
        call,
        _message(
            "Here is the image (a small placeholder drawn from your prompt by the offline backend).", []
        ),
    ]


_HOSTED: dict[
    str, tuple[re.Pattern[str], Callable[[dict[str, Any], str, set[str]], list[dict[str, Any]]]]
] = {
    "web_search": (_WEB, _web),
    "file_search": (_FILES, _files),
    "code_interpreter": (_CODE, _code),
    "image_generation": (_IMAGE, _image),
}


def _kind(tool: dict[str, Any]) -> str:
    kind = str(tool.get("type"))
    return "web_search" if kind in _WEB_TYPES else kind


def hosted_items(tools: list[dict[str, Any]], body: dict[str, Any], prompt: str) -> list[dict[str, Any]]:
    """The output items of the first hosted tool the prompt calls for (with the message after it), or []."""
    choice = body.get("tool_choice")
    forced = _kind(choice) if isinstance(choice, dict) else None
    include = {str(i) for i in body.get("include") or []}
    for tool in tools:
        kind = _kind(tool)
        if kind not in _HOSTED or choice == "none":
            continue
        pattern, make = _HOSTED[kind]
        if forced == kind or (forced is None and (pattern.search(prompt) or choice == "required")):
            return make(tool, prompt.strip() or "(empty prompt)", include)
    return []
