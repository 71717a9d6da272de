"""Teach nbval 0.11 the ``update_display_data`` message, as nbclient and every frontend apply it.

nbval compares the outputs a cell produces with the saved ones, but drops display updates ("unhandled iopub
msg"), so it would compare the first state of an output updated in place (a live view) with the saved final
state. This plugin applies each update to the output of the same display id in the cell being checked, the way
nbclient did when it saved the notebook. Loaded from the root conftest; inert when nbval is not installed.
"""

from __future__ import annotations

from typing import Any

try:
    from nbval import kernel as nbval_kernel
    from nbval import plugin as nbval_plugin
except ImportError:  # pragma: no cover - nbval is in the dev extra
    nbval_plugin = None


def _install() -> None:
    if nbval_plugin is None or getattr(nbval_plugin, "_nbresponses_updates", False):
        return
    nbval_plugin._nbresponses_updates = True
    execute = nbval_kernel.RunningKernel.execute_cell_input
    get_message = nbval_plugin.IPyNbFile.get_kernel_message
    runtest = nbval_plugin.IPyNbCell.runtest

    def execute_cell_input(self: Any, *args: Any, **kwargs: Any) -> str:
        self._nbresponses_msg_id = execute(self, *args, **kwargs)
        return self._nbresponses_msg_id

    def cell_runtest(self: Any) -> Any:
        self.parent._nbresponses_cell, self.parent._nbresponses_ids = self, {}
        try:
            return runtest(self)
        finally:
            self.parent._nbresponses_cell = None

    def get_kernel_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        while True:
            message = get_message(self, *args, **kwargs)
            cell = getattr(self, "_nbresponses_cell", None)
            mine = message["parent_header"].get("msg_id") == getattr(self.kernel, "_nbresponses_msg_id", None)
            if cell is None or not mine:
                return message
            content = message["content"]
            display_id = (content.get("transient") or {}).get("display_id")
            if message["msg_type"] == "display_data" and display_id:
                self._nbresponses_ids[display_id] = len(cell.test_outputs)  # the index nbval appends it at
            elif message["msg_type"] == "update_display_data":
                index = self._nbresponses_ids.get(display_id)
                if index is not None and index < len(cell.test_outputs):
                    cell.test_outputs[index]["data"] = content["data"]
                    cell.test_outputs[index]["metadata"] = content["metadata"]
                continue  # applied (or for another cell's output): nbval need not see it
            return message

    nbval_kernel.RunningKernel.execute_cell_input = execute_cell_input
    nbval_plugin.IPyNbFile.get_kernel_message = get_kernel_message
    nbval_plugin.IPyNbCell.runtest = cell_runtest


_install()
