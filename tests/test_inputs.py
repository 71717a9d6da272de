"""Rich values become the right input parts, in order; errors are InputError with a clear message."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from nbresponses.inputs import InputError, ValueInterrupted, build_input, value_to_parts

matplotlib.use("Agg")


def png_bytes(size: tuple[int, int] = (4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return buffer.getvalue()


def decoded(part: dict[str, object]) -> bytes:
    return base64.b64decode(str(part["image_url"]).split(",", 1)[1])


def test_plain_text_is_one_part() -> None:
    prepared = build_input("Hello there", {})
    assert prepared.content == [{"type": "input_text", "text": "Hello there"}]


def test_dataframe_becomes_a_markdown_table_with_shape_and_dtypes() -> None:
    df = pd.DataFrame({"city": ["Paris", "Rome"], "temp": [18.5, 21.0]})
    (text,) = value_to_parts("df", df)
    assert isinstance(text, str)
    assert "shape 2 × 2" in text and "city: " in text and "temp: float64" in text
    assert "| 0 | Paris | 18.5 |" in text


def test_long_dataframe_is_capped_head_and_tail() -> None:
    (text,) = value_to_parts("df", pd.DataFrame({"x": range(100)}), max_rows=4)
    assert isinstance(text, str)
    assert (
        "showing 4 of 100 rows" in text
        and "| 1 | 1 |" in text
        and "| 99 | 99 |" in text
        and "| 50 |" not in text
    )


def test_series_and_numpy_summaries() -> None:
    (series,) = value_to_parts("s", pd.Series([1, 2, 3], name="score"))
    assert isinstance(series, str) and series.startswith("Series `s`")
    (array,) = value_to_parts("a", np.arange(6).reshape(2, 3))
    assert isinstance(array, str) and "shape (2, 3)" in array and "mean 2.5" in array


def test_pil_image_becomes_png_input_image() -> None:
    (part,) = value_to_parts("img", Image.new("RGB", (5, 7)))
    assert isinstance(part, dict) and part["type"] == "input_image"
    assert Image.open(io.BytesIO(decoded(part))).size == (5, 7)


def test_big_pil_image_is_downscaled_keeping_aspect() -> None:
    (part,) = value_to_parts("img", Image.new("RGB", (4096, 1024)))
    assert isinstance(part, dict)
    assert Image.open(io.BytesIO(decoded(part))).size == (2048, 512)


def test_matplotlib_figure_becomes_an_image() -> None:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    axes.plot([1, 2, 3])
    (part,) = value_to_parts("fig", figure)
    plt.close(figure)
    assert isinstance(part, dict) and decoded(part).startswith(b"\x89PNG")


def test_image_bytes_and_paths(tmp_path: Path) -> None:
    (part,) = value_to_parts("raw", png_bytes())
    assert isinstance(part, dict) and part["image_url"].startswith("data:image/png;base64,")  # type: ignore[union-attr]
    image_path = tmp_path / "chart.png"
    image_path.write_bytes(png_bytes())
    (from_path,) = value_to_parts("p", image_path)
    (from_string,) = value_to_parts("s", str(image_path))
    assert from_path == from_string == part


def test_pdf_path_becomes_input_file(tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 minimal")
    (part,) = value_to_parts("doc", pdf)
    assert part == {"type": "input_file", "filename": "report.pdf",
                    "file_data": "data:application/pdf;base64," + base64.b64encode(b"%PDF-1.4 minimal").decode()}  # fmt: skip


def test_parts_keep_their_order_and_text_merges() -> None:
    prepared = build_input(
        "Compare {a} and {b}, then {n} more", {"a": png_bytes(), "b": png_bytes((2, 2)), "n": 2}
    )
    assert [p["type"] for p in prepared.content] == [
        "input_text",
        "input_image",
        "input_text",
        "input_image",
        "input_text",
    ]
    assert prepared.content[-1]["text"] == ", then 2 more"
    assert prepared.text == "Compare [image: a] and [image: b], then 2 more"
    assert prepared.variables == ["a", "b", "n"]


def test_big_repr_is_capped() -> None:
    class Big:
        def __repr__(self) -> str:
            return "x" * 5000

    (text,) = value_to_parts("big", Big(), max_repr=100)
    assert text == "x" * 100 + "… (4900 chars truncated)"


def test_no_interpolate_sends_braces() -> None:
    assert build_input("{a}", {"a": 1}, interpolate=False).content == [{"type": "input_text", "text": "{a}"}]


def test_attachments_from_url_variable_path_and_file_id(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    prepared = build_input(
        "see", {"pic": png_bytes()}, images=["https://x.org/a.png", "pic"], files=[str(path), "file-abc"]
    )
    kinds = [
        (p["type"], p.get("image_url", p.get("file_url", p.get("filename", p.get("file_id")))))
        for p in prepared.content
    ]
    assert kinds[1] == ("input_image", "https://x.org/a.png")
    assert (
        kinds[2][0] == "input_image"
        and kinds[3] == ("input_file", "notes.txt")
        and kinds[4] == ("input_file", "file-abc")
    )


def test_missing_file_and_oversize_are_input_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="No such file"):
        build_input("x", {}, files=[str(tmp_path / "nope.pdf")])
    monkeypatch.setattr("nbresponses.inputs.MAX_IMAGE_BYTES", 10)
    with pytest.raises(InputError, match="up to 20 MB"):
        value_to_parts("img", png_bytes())


# ----- nothing invalid is sent: images by their bytes, empty and oversized files, values that cannot be shown -----


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"just text", "it holds text"),
        (b"\x00\x01\x02\xff\xfe", r"it starts with b'\\x00"),
    ],
)
def test_an_image_is_checked_by_its_bytes_not_its_name(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        build_input("look", {}, images=[str(path)])
    with pytest.raises(InputError, match=message):
        value_to_parts("p", path)


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "GIF", "WEBP"])
def test_a_whole_image_is_sent_and_a_cut_off_one_is_refused(tmp_path: Path, kind: str) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format=kind)
    whole = buffer.getvalue()
    path = tmp_path / f"photo.{kind.lower()}"
    path.write_bytes(whole)
    [part] = [p for p in build_input("look", {}, images=[str(path)]).content if p["type"] == "input_image"]
    assert base64.b64decode(part["image_url"].split(",", 1)[1]) == whole
    for damaged in (whole[: len(whole) // 2], whole[:12]):  # a download cut off, a bare signature
        path.write_bytes(damaged)
        with pytest.raises(
            InputError, match=f"is cut short or damaged \\(a {kind} of {len(damaged):,} bytes"
        ):
            build_input("look", {}, images=[str(path)])


def test_any_file_given_to_image_must_be_an_image(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("notes")
    with pytest.raises(InputError, match="is not a PNG, JPEG, GIF or WEBP image"):
        build_input("look", {}, images=[str(tmp_path / "notes.txt")])
    (tmp_path / "real.dat").write_bytes(png_bytes())  # an image whatever its name
    assert build_input("look", {}, images=[str(tmp_path / "real.dat")]).content[-1]["type"] == "input_image"
    with pytest.raises(InputError, match="is a folder"):
        build_input("look", {}, images=[str(tmp_path)])
    with pytest.raises(InputError, match="attach it with --file"):
        build_input("look", {"doc": b"%PDF-1.4 x"}, images=["doc"])


def test_oversized_files_are_refused_before_they_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = tmp_path / "huge.png"
    with open(huge, "wb") as file:
        file.write(png_bytes())
        file.truncate(21 * 1024 * 1024)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read"))
    with pytest.raises(InputError, match=r"is 22\.0 MB; the API takes images up to 20 MB"):
        build_input("look", {}, images=[str(huge)])


def test_documents_are_not_empty_and_a_pdf_is_one(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "fake.pdf").write_text("plain text")
    with pytest.raises(InputError, match="empty.txt is empty"):
        build_input("read", {}, files=[str(tmp_path / "empty.txt")])
    with pytest.raises(InputError, match="fake.pdf is not a PDF"):
        build_input("read", {}, files=[str(tmp_path / "fake.pdf")])


def test_a_value_whose_repr_fails_is_named() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise ValueError("no repr\nsecond line")

    with pytest.raises(
        InputError, match=r"^\{thing\} cannot be shown: its repr\(\) raised ValueError: no repr\.$"
    ):
        build_input("see {thing}", {"thing": Broken()})


def test_a_value_that_cannot_be_converted_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "nbresponses.inputs._frame_text", lambda *a: (_ for _ in ()).throw(MemoryError("big"))
    )
    with pytest.raises(InputError, match=r"\{df\} cannot be sent: reading it raised MemoryError: big"):
        build_input("{df}", {"df": pd.DataFrame({"a": [1]})})


def test_ctrl_c_while_a_value_is_read_names_it() -> None:
    class Slow:
        def __repr__(self) -> str:
            raise KeyboardInterrupt

        @property
        def attr(self) -> str:
            raise KeyboardInterrupt

    with pytest.raises(ValueInterrupted, match=r"reading \{slow\}") as stopped:
        build_input("{slow}", {"slow": Slow()})
    assert isinstance(stopped.value, KeyboardInterrupt) and stopped.value.expression == "slow"
    with pytest.raises(ValueInterrupted, match=r"reading \{slow\.attr\}"):
        build_input("{slow.attr}", {"slow": Slow()})


def test_a_long_value_is_cut_with_a_note() -> None:
    prepared = build_input("start {long} end", {"long": "y" * 1_000}, max_value_chars=300)
    (part,) = prepared.content
    assert part["text"] == "start " + "y" * 300 + "\n… [700 more characters of {long} were cut] end"
    assert prepared.warnings == [
        "{long} is 1,000 characters; only the first 300 were sent (700 cut). "
        "Raise `RespondMagics.max_value_chars` to send more."
    ]
    assert build_input("{short}", {"short": "z" * 300}, max_value_chars=300).warnings == []


def test_lone_surrogates_become_replacement_characters_said_once() -> None:
    prepared = build_input("a\ud800 {name} {pair}", {"name": "caf\udce9", "pair": "\ud83d\ude00"})
    assert prepared.content == [{"type": "input_text", "text": "a\ufffd caf\ufffd 😀"}]
    assert prepared.text == "a\ufffd caf\ufffd 😀"
    assert prepared.warnings == [
        "2 characters of the prompt cannot be sent (lone surrogates, e.g. from text decoded with the wrong "
        "encoding) and became U+FFFD (�)."
    ]
    prepared.content[0]["text"].encode("utf-8")  # sendable
