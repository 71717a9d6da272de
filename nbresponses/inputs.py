"""A prompt and the notebook's values, turned into Responses API input parts (pure: no IPython).

Text stays text; interpolated values become the input a model can use: a DataFrame a Markdown table with its
shape and dtypes, an array a summary, PIL images, matplotlib figures, image bytes and image files ``input_image``
parts, PDFs and other documents ``input_file`` parts, anything else a capped ``repr``. Heavy libraries are never
imported here: values are recognised by their type's module and duck-typed methods.

Nothing invalid is sent: an image is checked by its first bytes (not its name), empty files and files over the
API's limits are refused, a value whose ``repr`` or conversion fails is named in a one-line `InputError`, and a
Ctrl-C while a value is read (a ``repr`` that never returns) is a `ValueInterrupted` naming it. The text of one
value is capped at ``max_value_chars`` with a note saying how much was cut, and lone surrogates (which UTF-8
cannot carry) become U+FFFD, said once.
"""

from __future__ import annotations

import base64
import io
import json
import mimetypes
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._exceptions import NBResponsesError
from ._interpolate import Placeholder, ValueInterrupted
from ._interpolate import interpolate as _interpolate_text

__all__ = [
    "DEFAULT_MAX_VALUE_CHARS",
    "InputError",
    "PreparedInput",
    "ValueInterrupted",
    "build_input",
    "file_part",
    "image_part",
    "value_to_parts",
]

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_IMAGE_SIDE = 2048
DEFAULT_MAX_VALUE_CHARS = 200_000
"""Characters of one interpolated value sent at most (``RespondMagics.max_value_chars``)."""
_IMAGE_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF87a": "image/gif",
                b"GIF89a": "image/gif"}  # fmt: skip
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
_SURROGATE = re.compile("[\ud800-\udfff]")


class InputError(NBResponsesError):
    """An input that cannot be sent (a missing file, a file too large, not an image): the user's to fix."""


@dataclass
class PreparedInput:
    """The parts of one user message, the text as sent, the variables used and warnings to show."""

    content: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""
    variables: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _module(value: Any) -> str:
    return type(value).__module__.split(".")[0]


def _image_media(data: bytes) -> str | None:
    for magic, media in _IMAGE_MAGIC.items():
        if data.startswith(magic):
            return media
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _whole(data: bytes, media: str) -> bool:
    """Whether an image's bytes reach its format's end (a cut-off download or a bare signature does not).

    Only the format's framing is read (header chunk and end marker, or the RIFF size), not the pixels.
    """
    if media == "image/png":  # signature, an IHDR chunk first, an IEND chunk last
        return len(data) >= 57 and data[12:16] == b"IHDR" and data.rfind(b"IEND") >= 33
    if media == "image/jpeg":  # an end-of-image marker after the start
        return data.rfind(b"\xff\xd9") > 2
    if media == "image/gif":  # header, logical screen, then the ";" trailer
        return len(data) >= 14 and data.rfind(b";") >= 13
    return len(data) >= 20 and int.from_bytes(data[4:8], "little") + 8 <= len(data)  # WEBP: the RIFF size


def _data_url(media: str, data: bytes) -> str:
    return f"data:{media};base64,{base64.b64encode(data).decode()}"


def _describe(data: bytes) -> str:
    try:
        data[:64].decode("utf-8")
    except UnicodeDecodeError:
        return f"it starts with {data[:8]!r}"
    return "it holds text"


def image_part(
    data: bytes, media: str | None = None, *, detail: str = "auto", source: str = "The image"
) -> dict[str, Any]:
    """An ``input_image`` part from image bytes: not empty, PNG/JPEG/GIF/WEBP by its first bytes, within 20 MB.

    ``media`` defaults to the type the bytes show; ``source`` names the image in errors.
    """
    if not data:
        raise InputError(f"{source} is empty (0 bytes): there is no image to send.")
    found = _image_media(data)
    if found is None:
        raise InputError(
            f"{source} is not a PNG, JPEG, GIF or WEBP image ({_describe(data)}); the API takes only those."
        )
    if len(data) > MAX_IMAGE_BYTES:
        raise InputError(
            f"{source} is {len(data) / 1e6:.1f} MB; the API takes images up to 20 MB. Resize it first."
        )
    if not _whole(data, found):
        kind = found.removeprefix("image/").upper()
        raise InputError(
            f"{source} is cut short or damaged (a {kind} of {len(data):,} bytes without its end); "
            "the API would refuse it. Save or download it again."
        )
    return {"type": "input_image", "image_url": _data_url(media or found, data), "detail": detail}


def file_part(data: bytes, filename: str, media: str | None = None) -> dict[str, Any]:
    """An ``input_file`` part from a document's bytes: not empty, within the API's 32 MB, a PDF if it says so."""
    if not data:
        raise InputError(f"{filename} is empty (0 bytes): there is nothing to send.")
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{filename} is {len(data) / 1e6:.1f} MB; the API takes files up to 32 MB.")
    media = media or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if media == "application/pdf" and not data.startswith(b"%PDF"):
        raise InputError(
            f"{filename} is not a PDF ({_describe(data)}); send a real PDF or another kind of file."
        )
    return {"type": "input_file", "filename": filename, "file_data": _data_url(media, data)}


def _path_part(path: Path, *, as_image: bool = False) -> dict[str, Any]:
    """The part of a file: an image (by its suffix, or because ``--image`` asked for one) or a document."""
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file.")
    if not path.is_file():
        raise InputError(f"No such file: {path}")
    image = as_image or path.suffix.lower() in _IMAGE_SUFFIXES
    limit, what = (MAX_IMAGE_BYTES, "images up to 20 MB") if image else (MAX_FILE_BYTES, "files up to 32 MB")
    try:
        size = path.stat().st_size
        if size > limit:  # refused before it is read into memory
            raise InputError(f"{path} is {size / 1e6:.1f} MB; the API takes {what}.")
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"Cannot read {path}: {error.strerror or error}.") from None
    return image_part(data, source=str(path)) if image else file_part(data, path.name)


def _pil_png(image: Any) -> bytes:
    if max(image.size) > MAX_IMAGE_SIDE:  # keep the aspect ratio; the API downscales larger images anyway
        scale = MAX_IMAGE_SIDE / max(image.size)
        image = image.resize((max(1, round(image.size[0] * scale)), max(1, round(image.size[1] * scale))))
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _frame_text(name: str, frame: Any, max_rows: int) -> str:
    rows, cols = frame.shape
    shown = frame if rows <= max_rows else None
    index_name = str(frame.index.name or "")
    header = [index_name, *(str(c) for c in frame.columns)]

    def render(part: Any) -> list[list[str]]:
        return [
            [str(idx), *(str(v) for v in values)]
            for idx, values in zip(part.index, part.itertuples(index=False), strict=True)
        ]

    if shown is not None:
        body = render(frame)
    else:
        head, tail = max_rows // 2, max_rows - max_rows // 2
        body = [*render(frame.head(head)), ["…"] * len(header), *render(frame.tail(tail))]
    dtypes = ", ".join(f"{c}: {t}" for c, t in frame.dtypes.items())
    note = f" (showing {max_rows} of {rows} rows)" if shown is None else ""
    return f"DataFrame `{name}`, shape {rows} × {cols}{note}; dtypes: {dtypes}\n\n{_markdown_table(header, body)}\n"


def _series_text(name: str, series: Any, max_rows: int) -> str:
    frame = series.to_frame(name=str(series.name if series.name is not None else name))
    return _frame_text(name, frame, max_rows).replace("DataFrame", "Series", 1)


def _array_text(name: str, array: Any, max_repr: int) -> str:
    summary = f"array `{name}`: shape {tuple(array.shape)}, dtype {array.dtype}"
    if array.size and array.dtype.kind in "biuf":
        summary += f", min {array.min():.6g}, max {array.max():.6g}, mean {array.mean():.6g}"
    numpy = sys.modules["numpy"]  # the value is a numpy array, so numpy is already imported
    values = numpy.array2string(array, threshold=50, edgeitems=3)
    return f"{summary}\n{_capped(values, max_repr)}\n"


def _capped(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} chars truncated)"


def _repr(name: str, value: Any, max_repr: int) -> str:
    try:
        text = repr(value)
    except Exception as error:
        raise InputError(f"{{{name}}} cannot be shown: its repr() raised {_one_line(error)}.") from None
    return _capped(text, max_repr)


def _one_line(error: BaseException) -> str:
    message = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {message[0]}" if message else type(error).__name__
    return text if len(text) <= 200 else text[:200] + "…"


def value_to_parts(
    name: str, value: Any, *, max_rows: int = 20, max_repr: int = 2000
) -> list[dict[str, Any] | str]:
    """The input of one value: text (``str``) and/or content parts (dicts).

    Raises:
        InputError: the value cannot be sent (an empty or invalid image, a missing file, a failing repr).
    """
    module, kind = _module(value), type(value).__name__
    if isinstance(value, str):
        if (
            len(value) < 4096
            and "\n" not in value
            and Path(value).suffix.lower() in _IMAGE_SUFFIXES | {".pdf"}
        ):
            path = Path(value).expanduser()
            if path.is_file():
                return [_path_part(path)]
        return [value]
    if isinstance(value, bool | int | float) or value is None:
        return [str(value)]
    if isinstance(value, Path):
        return [_path_part(value.expanduser())]
    if isinstance(value, bytes | bytearray):
        data = bytes(value)
        if _image_media(data):
            return [image_part(data, source=f"{{{name}}}")]
        if data.startswith(b"%PDF"):
            return [file_part(data, f"{name}.pdf", "application/pdf")]
        return [_capped(repr(data), max_repr)]
    if module == "pandas" and kind == "DataFrame":
        return [_frame_text(name, value, max_rows)]
    if module == "pandas" and kind == "Series":
        return [_series_text(name, value, max_rows)]
    if module == "numpy" and hasattr(value, "shape") and hasattr(value, "dtype"):
        return [_array_text(name, value, max_repr) if getattr(value, "ndim", 0) else str(value)]
    if module == "PIL" and hasattr(value, "save") and hasattr(value, "size"):
        return [image_part(_pil_png(value), "image/png", source=f"{{{name}}}")]
    if module == "matplotlib" and hasattr(value, "savefig"):
        buffer = io.BytesIO()
        value.savefig(buffer, format="png", bbox_inches="tight")
        return [image_part(buffer.getvalue(), "image/png", source=f"{{{name}}}")]
    if module == "IPython" and isinstance(getattr(value, "data", None), bytes):  # IPython.display.Image
        return [image_part(value.data, source=f"{{{name}}}")]
    if isinstance(value, dict | list | tuple):
        try:
            return [_capped(json.dumps(value, indent=2, ensure_ascii=False, default=str), max_repr)]
        except Exception:  # a key that is not a string, a str() that fails: fall back to repr
            pass
    return [_repr(name, value, max_repr)]


def _read_value(expression: str, value: Any, **limits: int) -> list[dict[str, Any] | str]:
    """`value_to_parts`, with any failure an `InputError` naming the value and Ctrl-C a `ValueInterrupted`."""
    try:
        return value_to_parts(expression, value, **limits)
    except InputError:
        raise
    except KeyboardInterrupt:
        raise ValueInterrupted(expression) from None
    except Exception as error:
        raise InputError(f"{{{expression}}} cannot be sent: reading it raised {_one_line(error)}.") from None


def _source_parts(source: str, namespace: Mapping[str, Any], *, as_image: bool) -> dict[str, Any]:
    flag = "--image" if as_image else "--file"
    if source.startswith(("http://", "https://")):
        return (
            {"type": "input_image", "image_url": source}
            if as_image
            else {"type": "input_file", "file_url": source}
        )
    if not as_image and source.startswith("file-"):
        return {"type": "input_file", "file_id": source}
    if source.isidentifier() and source in namespace:
        parts = [p for p in _read_value(source, namespace[source]) if isinstance(p, dict)]
        if not parts:
            raise InputError(
                f"{flag} {source}: it is not an image or a file, so it cannot be attached; "
                f"interpolate {{{source}}} in the prompt instead."
            )
        if as_image and parts[0]["type"] != "input_image":
            raise InputError(f"--image {source}: it is a document, not an image; attach it with --file.")
        return parts[0]
    if not source.strip():
        raise InputError(f"{flag} needs a path, a URL or a variable name.")
    return _path_part(Path(source).expanduser(), as_image=as_image)


def _cap(text: str, expression: str, limit: int, warnings: list[str]) -> str:
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    warnings.append(
        f"{{{expression}}} is {len(text):,} characters; only the first {limit:,} were sent ({cut:,} cut). "
        "Raise `RespondMagics.max_value_chars` to send more."
    )
    return f"{text[:limit]}\n… [{cut:,} more characters of {{{expression}}} were cut]"


def _valid_text(text: str) -> tuple[str, int]:
    """``text`` with lone surrogates (UTF-8 cannot encode them) replaced by U+FFFD, and how many there were.

    A surrogate pair split into two code points (text decoded badly) is joined back into its character.
    """
    if not _SURROGATE.search(text):
        return text, 0
    fixed = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return fixed, fixed.count("\ufffd") - text.count("\ufffd")


def build_input(
    cell_text: str,
    namespace: Mapping[str, Any],
    *,
    interpolate: bool = True,
    images: Iterable[str] = (),
    files: Iterable[str] = (),
    max_rows: int = 20,
    max_repr: int = 2000,
    max_value_chars: int = DEFAULT_MAX_VALUE_CHARS,
) -> PreparedInput:
    """The content parts of one user message: the (interpolated) text, rich values in place, then attachments.

    Raises:
        InputError: something cannot be sent (see `value_to_parts`); nothing should be sent then.
        ValueInterrupted: Ctrl-C while a value was read.
    """
    prepared = PreparedInput()
    pieces: list[str | Placeholder]
    if interpolate:
        pieces, prepared.warnings = _interpolate_text(cell_text, namespace)
    else:
        pieces = [cell_text]
    text_parts: list[str] = []
    shown: list[str] = []

    def flush() -> None:
        if text_parts:
            joined = "".join(text_parts)
            if joined.strip():
                prepared.content.append({"type": "input_text", "text": joined})
            text_parts.clear()

    for piece in pieces:
        if isinstance(piece, str):
            text_parts.append(piece)
            shown.append(piece)
            continue
        prepared.variables.append(piece.name)
        for part in _read_value(piece.expression, piece.value, max_rows=max_rows, max_repr=max_repr):
            if isinstance(part, str):
                text = _cap(part, piece.expression, max_value_chars, prepared.warnings)
                text_parts.append(text)
                shown.append(text)
            else:
                flush()
                prepared.content.append(part)
                shown.append(f"[{part['type'].removeprefix('input_')}: {piece.expression}]")
    flush()
    for source in images:
        prepared.content.append(_source_parts(source, namespace, as_image=True))
    for source in files:
        prepared.content.append(_source_parts(source, namespace, as_image=False))
    prepared.text = _valid_text("".join(shown))[0]
    replaced = 0
    for part in prepared.content:
        if part["type"] == "input_text":
            part["text"], count = _valid_text(part["text"])
            replaced += count
    if replaced:
        prepared.warnings.append(
            f"{replaced} character{'s' if replaced > 1 else ''} of the prompt cannot be sent (lone surrogates, "
            "e.g. from text decoded with the wrong encoding) and became U+FFFD (�)."
        )
    return prepared
