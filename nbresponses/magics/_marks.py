"""Superseded answers marked in place: a re-run that replaces a turn updates the outputs of the cells below it.

Re-running a cell replaces its turn, and the turns of the cells that answered on top of it leave the thread
(the history marks them ``superseded_by``). Their outputs stay on screen, so each is updated by its display id
with a line saying which re-run superseded it. Display ids live as long as the kernel: outputs from before a
restart keep no id and are not marked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython import display as ipy_display

if TYPE_CHECKING:
    from nbresponses.conversation import Conversation
    from nbresponses.render import LiveView

    from ._session import NotebookSession

__all__ = ["mark_superseded", "short_cell_id"]


def short_cell_id(cell_id: str) -> str:
    """The first 8 characters of a cell id (JupyterLab's are UUIDs): enough to tell cells apart on screen."""
    return cell_id[:8]


def mark_superseded(
    session: NotebookSession,
    conversation: Conversation,
    view: LiveView,
    cell_id: str,
    turn_ids: list[int],
    *,
    display: Any = ipy_display,
) -> list[str]:
    """Remember this cell's final output; mark the outputs of the cells whose turns this turn superseded.

    Returns the cells whose outputs were marked.
    """
    from nbresponses.render import mark_bundle

    bundle: dict[str, str] | None = getattr(view, "final_bundle", None)
    display_id: str | None = getattr(view, "display_id", None)
    if bundle is None or display_id is None:
        return []
    session.shown[cell_id] = (display_id, bundle)
    if not turn_ids:
        return []
    store = conversation.store
    cells = dict.fromkeys(
        cell for cell in store.superseded_cells(conversation.notebook, turn_ids) if cell != cell_id
    )
    number = store.turn_numbers(conversation.notebook).get(turn_ids[0])
    marked = []
    for cell in cells:
        shown = session.shown.pop(cell, None)
        if shown is None:
            continue
        old_id, old_bundle = shown
        display.update_display(
            mark_bundle(old_bundle, short_cell_id(cell_id), number), raw=True, display_id=old_id
        )
        marked.append(cell)
    return marked
