"""Hosted tools in the stand-in model: the real item types, filled in honestly (pure).

When a request offers ``web_search``, ``file_search``, ``code_interpreter`` or ``image_generation`` and the
prompt asks for what the tool does (or ``tool_choice`` names it), the plan holds the tool's call item as OpenAI
sends it (``web_search_call`` with its ``action``, ``file_search_call`` with ``queries`` and ``results``,
``code_interpreter_call`` with ``code`` and ``outputs``, ``image_generation_call`` with a PNG ``result``),
followed by a message that cites it. A tool is wanted when the prompt uses its own words ("documents" for
``file_search``; chart, plot, analyse, calculate, run code for ``code_interpreter``), else a plain "search",
"find" or "look up" goes to the first search tool offered. Nothing pretends to be real: no network is searched
(sources are ``.invalid`` placeholders), no vector store is read, arithmetic is evaluated and a chart of the
numbers given is drawn (anything else is not run), and the image is drawn from the prompt. ``results`` /
``outputs`` / ``sources`` are filled only when ``include`` asks, as the API does. The messages say what was and
was not done, never that the offline backend answered (the magic says that).
"""

from __future__ import annotations

import ast
import base64
import hashlib
import operator
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from ._png import bar_chart_png, png_base64

__all__ = ["hosted_items"]

_WEB = re.compile(r"\b(google|latest|news|current|today|web|internet|online|websites?)\b|"
                  r"网上|网络|最新|新闻|今天|ニュース", re.IGNORECASE)  # fmt: skip
_FILES = re.compile(r"\b(files?|documents?|docs?|pdfs?|notes|reports?|knowledge base|vector store|according to)\b|"
                    r"文件|文档|资料|报告|ファイル|資料", re.IGNORECASE)  # fmt: skip
_SEARCH = re.compile(r"\b(search|find|look (up|for)|lookup|information (about|on))\b|搜索|搜一下|查一下|查找|检索|検索",
                     re.IGNORECASE)  # fmt: skip  # wanted by both search tools: the first one offered answers
_CODE = re.compile(r"\b(calculate|compute|run|execute|python|code|plot|chart|graph|histogram|visuali[sz]\w*|"
                   r"analy[sz]\w*|statistics|average|mean|median|regression|csv|dataframe|evaluate|factorial)\b|"
                   r"计算|代码|运行|图表|柱状图|折线图|可视化|分析|統計|グラフ", re.IGNORECASE)  # fmt: skip
_CHART = re.compile(
    r"\b(plot|chart|graph|histogram|visuali[sz]\w*)\b|图表|柱状图|折线图|可视化|グラフ", re.IGNORECASE
)
_IMAGE = re.compile(r"\b(image|picture|draw|drawing|illustration|photo|logo|icon|paint)\b|图片|图像|画|插图|照片",
                    re.IGNORECASE)  # fmt: skip
_SERIES = re.compile(r"([^\W\d_][\w ]{0,23}?)\s*[:=：]\s*(-?\d+(?:\.\d+)?)")
_NUMBERS = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]\d)")
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
    return (f'# A stand-in model wrote this and did not run it; a real model would write a program for:\n# "{text}"\n',
            "(the code was not run)")  # fmt: skip


def _series(prompt: str) -> list[tuple[str, float]]:
    """The labelled numbers of a prompt ("Jan:100, Feb:150", 一月：100), else its numbers numbered from 1."""
    pairs = [(label.strip(), float(value)) for label, value in _SERIES.findall(prompt)]
    if len(pairs) > 1:
        return pairs[:40]
    numbers = [float(n) for n in _NUMBERS.findall(prompt)]
    return [(str(i + 1), n) for i, n in enumerate(numbers[:40])] if len(numbers) > 1 else []


def _number(value: float) -> str:
    return f"{value:g}"


def _chart(prompt: str) -> tuple[str, list[dict[str, Any]], str] | None:
    """A prompt asking for a chart of numbers it gives: the plotting code, its image output and what it shows."""
    series = _series(prompt) if _CHART.search(prompt) else []
    if not series:
        return None
    labels, values = [label for label, _ in series], [value for _, value in series]
    title = " ".join(prompt.split(":", maxsplit=1)[0].split())[:80]
    code = ("import matplotlib.pyplot as plt\n\n"
            f"labels = {labels!r}\nvalues = {[float(v) if v % 1 else int(v) for v in values]!r}\n\n"
            f"plt.bar(labels, values)\nplt.title({title!r})\nplt.show()\n")  # fmt: skip
    url = "data:image/png;base64," + base64.b64encode(bar_chart_png(values)).decode("ascii")
    top = max(series, key=lambda pair: pair[1])
    shown = ", ".join(f"{label} {_number(value)}" for label, value in series[:12])
    more = f" and {len(series) - 12} more" if len(series) > 12 else ""
    summary = (f"The chart shows {len(series)} values ({shown}{more}): the highest is {top[0]} ({_number(top[1])}), "
               f"the total {_number(sum(values))}.")  # fmt: skip
    return code, [{"type": "image", "url": url}], summary


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
    lead = f"I searched the web for “{query}”, but no network was reached, so "
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
                "text": f"(no vector store was read; this stands in for a passage about “{query}”)",
                "vector_store_id": stores[0] if stores else None}]  # fmt: skip
    call = {"type": "file_search_call", "status": "completed", "queries": [query],
            "results": results if "file_search_call.results" in include else None}  # fmt: skip
    text = (
        f"I searched {', '.join(stores) or 'the vector store'} for “{query}”, but no passage could be read, so "
        "there is nothing to quote."
    )
    annotation = {"type": "file_citation", "file_id": file_id, "filename": filename, "index": len(text)}
    return [call, _message(text, [annotation])]


def _code(tool: dict[str, Any], prompt: str, include: set[str]) -> list[dict[str, Any]]:
    chart = _chart(prompt)
    if chart is not None:
        code, made, answer = chart
    else:
        code, logs = _program(prompt)
        made = [{"type": "logs", "logs": logs}]
        answer = (
            f"The result is {logs}."
            if not logs.startswith("(")
            else "I wrote the code above; it was not run."
        )
    container = tool.get("container")
    container_id = container if isinstance(container, str) else _short_id(prompt, "cntr")
    outputs = made if "code_interpreter_call.outputs" in include else None
    call = {"type": "code_interpreter_call", "status": "completed", "code": code, "container_id": container_id,
            "outputs": outputs}  # fmt: skip
    return [call, _message(answer, [])]


def _image(tool: dict[str, Any], prompt: str, include: set[str]) -> list[dict[str, Any]]:
    call = {"type": "image_generation_call", "status": "completed", "result": png_base64(prompt),
            "revised_prompt": prompt[:500], "size": "64x64", "output_format": "png", "quality": "low",
            "background": "opaque"}  # fmt: skip
    return [
        call,
        _message("Here is the image: a small placeholder drawn from your prompt.", []),
    ]


_HOSTED: dict[
    str, tuple[re.Pattern[str], Callable[[dict[str, Any], str, set[str]], list[dict[str, Any]]]]
] = {
    "web_search": (_WEB, _web),
    "file_search": (_FILES, _files),
    "code_interpreter": (_CODE, _code),
    "image_generation": (_IMAGE, _image),
}
_SEARCHES = ("web_search", "file_search")


def _kind(tool: dict[str, Any]) -> str:
    kind = str(tool.get("type"))
    return "web_search" if kind in _WEB_TYPES else kind


def _wanted(offered: list[tuple[str, dict[str, Any]]], prompt: str) -> tuple[str, dict[str, Any]] | None:
    """The hosted tool a prompt asks for: the first whose own words it uses ("chart" → code_interpreter,
    "documents" → file_search), else the first search tool offered when it asks to search or find."""
    for kind, tool in offered:
        if _HOSTED[kind][0].search(prompt):
            return kind, tool
    if _SEARCH.search(prompt):
        return next(((kind, tool) for kind, tool in offered if kind in _SEARCHES), None)
    return None


def hosted_items(tools: list[dict[str, Any]], body: dict[str, Any], prompt: str) -> list[dict[str, Any]]:
    """The output items of the hosted tool the prompt calls for (with the message after it), or []."""
    choice = body.get("tool_choice")
    offered = [(_kind(tool), tool) for tool in tools if _kind(tool) in _HOSTED]
    if choice == "none" or not offered:
        return []
    forced = _kind(choice) if isinstance(choice, dict) else None
    if forced is not None:
        chosen = next(((kind, tool) for kind, tool in offered if kind == forced), None)
    else:
        chosen = _wanted(offered, prompt) or (offered[0] if choice == "required" else None)
    if chosen is None:
        return []
    include = {str(i) for i in body.get("include") or []}
    return _HOSTED[chosen[0]][1](chosen[1], prompt.strip() or "(empty prompt)", include)
