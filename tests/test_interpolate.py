"""Interpolation: resolvable placeholders replaced, everything else left exactly as typed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nbresponses._interpolate import Placeholder, interpolate


class Obj:
    attr = {"k": [10, 20]}
    _private = "secret"


NS = {"name": "Ada", "n": 3, "obj": Obj(), "data": {"key": "v", "two words": 2}, "items": [1, 2, 3]}


def text_of(pieces: list[str | Placeholder]) -> str:
    return "".join(p if isinstance(p, str) else f"<{p.value}>" for p in pieces)


def test_names_attributes_and_indexes() -> None:
    pieces, warnings = interpolate("{name} {obj.attr[k][1]} {data['key']} {data[two words]} {items[-1]}", NS)
    assert text_of(pieces) == "<Ada> <20> <v> <2> <3>" and warnings == []


def test_code_json_and_comprehensions_are_left_as_typed() -> None:
    for text in [
        '{"a": {"b": 1}}',
        "{k: v for k, v in d.items()}",
        "def f(): return {1, 2}",
        "x = {}",
        "${HOME}",
    ]:
        pieces, _ = interpolate(text, NS)
        assert text_of(pieces) == text


def test_double_braces_escape_a_placeholder() -> None:
    pieces, _ = interpolate("write {{name}} literally, but {name} here", NS)
    assert text_of(pieces) == "write {name} literally, but <Ada> here"


def test_json_closing_braces_are_not_unescaped() -> None:
    pieces, _ = interpolate('{"outer": {"inner": {"x": 1}}}', NS)
    assert text_of(pieces) == '{"outer": {"inner": {"x": 1}}}'


def test_missing_name_is_kept_and_warned_with_a_suggestion() -> None:
    pieces, warnings = interpolate("hello {nmae}", NS)
    assert text_of(pieces) == "hello {nmae}"
    assert warnings == [
        "{nmae} is not a variable of this notebook; it was sent as typed. Did you mean {name}?"
    ]


def test_private_and_dunder_access_is_never_resolved() -> None:
    pieces, _ = interpolate("{obj._private} {obj.__class__} {_hidden}", {**NS, "_hidden": 1})
    assert text_of(pieces) == "{obj._private} {obj.__class__} {_hidden}"


def test_failing_lookup_leaves_text_and_says_why() -> None:
    class Broken:
        @property
        def x(self) -> int:
            raise KeyError("x")

    pieces, warnings = interpolate("{items[9]} {data[nokey]} {dobj.x}", {**NS, "dobj": Broken()})
    assert text_of(pieces) == "{items[9]} {data[nokey]} {dobj.x}"
    assert warnings == [
        "{items[9]} could not be read (IndexError: list index out of range); it was sent as typed.",
        "{data[nokey]} could not be read (KeyError: 'nokey'); it was sent as typed.",
        "{dobj.x} could not be read (KeyError: 'x'); it was sent as typed.",
    ]


def test_single_letter_latex_is_not_warned_about() -> None:
    _, warnings = interpolate(r"\frac{x}{y}", {"value": 1})
    assert warnings == []


def test_single_letters_are_not_matched_to_short_notebook_names() -> None:
    # A notebook with matplotlib and numpy has ax and np: LaTeX {a} and {n} must not suggest them.
    pieces, warnings = interpolate(
        r"$\frac{a}{b}$ and $x^{n}$", {"ax": object(), "np": object(), "pd": object()}
    )
    assert text_of(pieces) == r"$\frac{a}{b}$ and $x^{n}$"
    assert warnings == []


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_text_without_resolvable_names_comes_back_unchanged(text: str) -> None:
    pieces, _ = interpolate(text, {})
    assert text_of(pieces) == text
