"""Superseded answers marked in place (nbresponses/magics/_marks.py)."""

from __future__ import annotations

from nbresponses.magics._marks import short_cell_id
from tests.magic_shell import Shell


def updates(captured: object) -> list[object]:
    return [o for o in captured.outputs if "Superseded" in o.data.get("text/plain", "")]  # type: ignore[attr-defined]


def test_a_rerun_marks_the_cells_below_it_once(ipython: Shell) -> None:
    ipython.run("%%respond\nOne.", cell_id="aaaaaaaa-1111")
    ipython.run("%%respond\nTwo.", cell_id="bbbbbbbb-2222")
    ipython.run("%%respond\nThree.", cell_id="cccccccc-3333")
    _, captured = ipython.run("%%respond\nOne again.", cell_id="aaaaaaaa-1111")
    marks = updates(captured)
    assert len(marks) == 2  # the two cells below; not the re-run cell itself
    assert all("Superseded by the re-run of cell aaaaaaaa (turn 4)" in m.data["text/plain"] for m in marks)
    assert {m.data["text/plain"].split("\n\n")[2] for m in marks} == {"Two.", "Three."} or all(
        "You asked" in m.data["text/plain"] for m in marks
    )
    _, captured = ipython.run("%%respond\nOne, third time.", cell_id="aaaaaaaa-1111")
    assert updates(captured) == []  # already marked: their turns left the thread before


def test_cells_without_an_id_are_never_marked(ipython: Shell) -> None:
    ipython.run("%%respond\nOne.")
    _, captured = ipython.run("%%respond\nTwo.")
    assert updates(captured) == []
    assert short_cell_id("0123456789abcdef") == "01234567"
