"""A prompt template filled from each row: columns first, then notebook variables; missing names are errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nbresponses.offline._png import png_bytes
from nbresponses.rowmap import MapInputError
from nbresponses.rowmap._template import RowTemplate, row_value


def test_columns_fill_the_template_before_variables() -> None:
    template = RowTemplate("Translate {text} into {language}.", {"language": "French", "text": "not this"})
    assert template.render({"text": "good morning"}) == "Translate good morning into French."


def test_a_column_that_is_not_an_identifier_is_reached_through_row() -> None:
    template = RowTemplate("Name: {row[Product Name]}")
    assert template.render({"Product Name": "Widget"}) == "Name: Widget"


def test_a_missing_name_is_an_error_with_the_columns_and_a_suggestion() -> None:
    template = RowTemplate("Classify {reveiw} by {x} in {{braces}}")  # single letters are LaTeX or code
    with pytest.raises(MapInputError) as raised:
        template.check([{"review": "ok", "stars": 5}], columns=["review", "stars"], what="df", uniform=True)
    message = str(raised.value)
    assert (
        "{reveiw}" in message and "columns: review, stars" in message and "Did you mean {review}?" in message
    )
    assert "Nothing was sent" in message
    assert template.missing({"review": "ok"}) == ["reveiw"]


def test_a_single_letter_of_a_column_in_the_other_case_is_a_typo() -> None:
    template = RowTemplate("Describe {X}.")
    with pytest.raises(MapInputError) as raised:
        template.check([{"x": 1, "y": 2}], columns=["x", "y"], what="df", uniform=True)
    message = str(raised.value)
    assert message.startswith("The template uses {X}, which is neither a column of df (columns: x, y) nor a")
    assert "Did you mean {x}?" in message and "write {{X}} for a literal {X}" in message
    assert RowTemplate("Describe {Review}.").missing({"review": 1}) == ["Review"]
    with pytest.raises(MapInputError, match=r"Did you mean \{review\}\?"):  # the same letters first
        RowTemplate("{Review}").check([{"reviews": 1, "review": 2}], columns=["reviews", "review"], what="df",
                                      uniform=True)  # fmt: skip


def test_other_single_letters_and_json_are_sent_as_typed() -> None:
    text = 'Plot {x} on $\\mathbb{R}^{n}$; answer as {"label": "a"} or {{x}}.'
    template = RowTemplate(text)
    template.check([{"x": 1}], columns=["x"], what="df", uniform=True)  # {R}, {n}: LaTeX, no column like them
    assert template.render({"x": 7}) == 'Plot 7 on $\\mathbb{R}^{n}$; answer as {"label": "a"} or {x}.'
    assert RowTemplate("{X} and {Y}", {"X": "var"}).missing({"x": 1}) == []  # a variable X fills {X}


def test_rows_given_as_dicts_are_each_checked() -> None:
    template = RowTemplate("{a_col} {b_col}")
    rows = [{"a_col": 1, "b_col": 2}, {"a_col": 3}]
    with pytest.raises(MapInputError, match=r"\(row 1\)"):
        template.check(rows, columns=["a_col", "b_col"], what="the rows", uniform=False)


def test_rows_with_images_become_content_parts(tmp_path: pytest.TempPathFactory) -> None:
    png = png_bytes("a picture", size=8)
    parts = RowTemplate("Describe {picture}").render({"picture": png})
    assert isinstance(parts, list) and [p["type"] for p in parts] == ["input_text", "input_image"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, ""),
        (math.nan, ""),
        (pd.NA, ""),
        (pd.NaT, ""),
        (np.int64(3), "3"),
        (np.float64(2.5), "2.5"),
        (pd.Timestamp("2024-05-01"), "2024-05-01 00:00:00"),
        ("text", "text"),
        (7, 7),
    ],
)
def test_cells_show_as_text_and_missing_values_as_nothing(value: object, shown: object) -> None:
    assert row_value(value) == shown
