"""``%%respond --map DF``: the cell as a template over the rows of a DataFrame; and ``%respond batches``.

Everything about sending, pacing, resuming and batching is `nbresponses.rowmap`'s; this module reads the magic's
options and settings, shows the progress view and the summary, and binds the result DataFrame to ``_r`` (and
``--out``). Bad input (no such variable, not a DataFrame, no rows, a template name that is no column, ``--batch``
on a backend without the Batch API) ends in one line and sends nothing. Ctrl-C keeps the answered rows, binds
them, and says how many are left.
"""

from __future__ import annotations

import shlex
from datetime import datetime
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from nbresponses._exceptions import NBResponsesError

from ._params import request_params
from ._run import RESULT_NAME, TurnFailed, show_notices
from ._turn import turn_client, turn_prices

if TYPE_CHECKING:
    from nbresponses.rowmap import MapJob

    from ._magic import RespondMagics
    from ._options import RespondOptions

__all__ = ["MapInterruptedError", "batches_subcommand", "check_map_options", "run_map"]

_UNSUPPORTED = (
    ("tools", "--tools (a tool loop per row)"),
    ("tool_json", "--tool"),
    ("approve", "--approve"),
    ("conversation", "--conversation (one server-side conversation cannot take rows in parallel)"),
    ("background", "--background (a map already runs its rows concurrently; use --batch to hand them off)"),
)


class MapInterruptedError(KeyboardInterrupt):
    """Ctrl-C during a map: the answered rows are kept and bound; IPython shows one line."""

    def __init__(self, answered: int, total: int, name: str, *, batch: bool = False) -> None:
        super().__init__(f"{answered} of {total} rows answered")
        self.answered, self.total, self.name, self.batch = answered, total, name, batch

    def _render_traceback_(self) -> list[str]:
        if self.batch:
            return ["\x1b[33mInterrupted while talking to the Batch API: run the cell again to see where the batch "
                    "stands.\x1b[0m"]  # fmt: skip
        left = self.total - self.answered
        return [
            f"\x1b[33mInterrupted: {self.answered} of {self.total} rows answered and kept (bound to {self.name}); "
            f"{left} left: run the cell again to send only those.\x1b[0m"
        ]


def check_map_options(options: RespondOptions) -> None:
    """Refuse map-only options without ``--map``, and options a map cannot honour with it."""
    if options.map is None:
        given = [flag for flag, on in (("--batch", options.batch), ("--fresh", options.fresh),
                                       ("--concurrency", options.concurrency is not None)) if on]  # fmt: skip
        if given:
            raise UsageError(
                f"{given[0]} applies to a map: add --map DF (the DataFrame whose rows fill the cell)."
            )
        return
    for name, flag in _UNSUPPORTED:
        if getattr(options, name):
            raise UsageError(f"--map does not combine with {flag}. Nothing was sent.")
    if options.batch and options.thread:
        raise UsageError("--batch does not combine with --thread: batch rows cannot continue a thread.")


def _budget(magics: RespondMagics, options: RespondOptions, store: Any, prices: Any) -> Any:
    limit = options.budget if options.budget is not None else magics.budget_usd
    if limit is None:
        return None
    from nbresponses.pricing.budget import budget_status
    from nbresponses.rowmap import MapBudget

    status = budget_status(store.usage_rows(magics.session.notebook), budget_usd=limit, prices=prices)
    if status.reached:
        raise UsageError(
            f"Budget reached: this notebook's estimated spend is {status.spend_text()}. Nothing was sent."
        )
    return MapBudget(limit, spent_before=status.spent_usd)


def _thread_prepare(
    magics: RespondMagics, thread: str, client: Any, store: Any, prices: Any, *, new: bool
) -> Any:
    """Each row continues the thread's head (rows stay off the thread: each is independent of the others);
    ``--new`` starts the thread afresh first."""
    conversation = magics.session.conversation(thread, client=client, store=store, prices=prices)
    if new:
        conversation.reset()
    parent = store.parent_for(conversation.notebook, thread)

    def prepare(body: dict[str, Any]) -> dict[str, Any]:
        content = body["input"]
        items = [{"role": "user", "content": content}]
        return conversation.request_body(items, parent, {k: v for k, v in body.items() if k != "input"})

    return prepare


def _target(options: RespondOptions, namespace: dict[str, Any]) -> Any:
    if options.schema:
        return namespace[options.schema]  # request_params checked it
    return "json" if options.json else None


def _job(magics: RespondMagics, options: RespondOptions, template: str, *, cell_id: str | None) -> MapJob:
    from nbresponses.rowmap import MapInputError, MapJob, MapLog

    namespace = magics.shell.user_ns if magics.shell is not None else {}
    name = str(options.map)
    if name not in namespace:
        raise UsageError(f"--map {name}: no such variable in the notebook. Nothing was sent.")
    session = magics.session
    params = request_params(options, model=magics.model, instructions=magics.instructions, store=magics.store,
                            namespace=namespace)  # fmt: skip
    store = session.store(magics.history_path)
    # The client and prices a turn would use (the map's rows go over HTTP whatever the notebook's transport).
    client = turn_client(magics, options.api or magics.api, store)
    prices = turn_prices(magics)
    budget = _budget(magics, options, store, prices)
    prepare = None
    if options.thread:
        prepare = _thread_prepare(magics, options.thread, client, store, prices, new=options.new)
    log = MapLog(store, session.notebook or "notebook", cell_id=cell_id, thread=options.thread or "map")
    try:
        return MapJob(template, namespace[name], client=client, params=params,
                      concurrency=options.concurrency or magics.concurrency, prices=prices, budget=budget, log=log,
                      fresh=options.fresh, target=_target(options, namespace), namespace=namespace,
                      max_rows=magics.max_rows, images=options.images, files=options.files, prepare=prepare,
                      what=name, tables_only=True, retries=max(magics.max_retries, 0) + 4)  # fmt: skip
    except MapInputError as error:  # a missing column, no rows, not a table: before anything is sent
        raise UsageError(str(error)) from None
    except NBResponsesError as error:  # a parameter the API would refuse
        raise UsageError(f"--map {name}: {error}") from None


def _batch_notes(state: Any) -> tuple[str, list[str]]:
    batch = state.batch
    counts = batch.request_counts
    done = f", {counts.completed}/{counts.total} done, {counts.failed} failed" if counts else ""
    notes = list(state.notes)
    if state.action == "submitted":
        notes.append(f"Submitted batch {batch.id} ({batch.status}). It runs on the server (within 24 h, at half "
                     "the price): run this cell again to see its status and collect the answers when it is done, "
                     "also after a kernel restart.")  # fmt: skip
    elif state.action == "running":
        notes.append(f"Batch {batch.id} is {batch.status}{done}. Run this cell again later to collect it; "
                     f"%respond batches lists batches, %respond batches cancel {batch.id} stops it.")  # fmt: skip
    else:
        notes.append(f"Collected batch {batch.id} ({batch.status}{done}).")
    return batch.status, notes


def run_map(magics: RespondMagics, options: RespondOptions, template: str, *, cell_id: str | None) -> None:
    """Map the cell over the rows of ``--map DF``; bind the result DataFrame to ``_r`` (and ``--out``)."""
    from nbresponses.render import make_map_view, map_summary
    from nbresponses.rowmap import BatchUnsupportedError

    job = _job(
        magics, options, template.rstrip(), cell_id=cell_id
    )  # a cell's trailing newline is no part of it
    show_notices(magics.session.notices)
    name, total, model = str(options.map), job.progress.total, job.params["model"]
    bound = options.out or RESULT_NAME
    notes: list[str] = []
    view = make_map_view("quiet" if options.quiet else magics.display)
    if options.batch:
        title = f"Batch map of {name} ({total} rows) with {model}"
        try:
            result = job.run_batch()
        except KeyboardInterrupt:
            raise MapInterruptedError(job.progress.resumed, job.progress.total, bound, batch=True) from None
        except BatchUnsupportedError as error:
            raise UsageError(str(error)) from None
        except NBResponsesError as error:
            from ._subcommands import show_markdown

            show_markdown(f"**--batch failed:** {error}\n\n{getattr(error, 'hint', '')}")
            raise TurnFailed(error) from None
        if job.batch is not None:
            _, notes = _batch_notes(job.batch)
    else:
        what = f"{name} ({total} rows) with {model}, up to {job.concurrency} at a time"
        title = f"Mapped {what}"
        view.start(job.progress, title=f"Mapping {what}")  # a terminal prints both: the start, then the end
        result = job.run(on_tick=lambda: view.update(job.progress))
    if job.progress.resumed and not options.fresh:
        notes.append(f"{job.progress.resumed} rows were answered by an earlier run and not sent again "
                     "(--fresh sends them all).")  # fmt: skip
    frame = result.frame()
    namespace = magics.shell.user_ns if magics.shell is not None else {}
    namespace[RESULT_NAME] = frame
    if options.out:
        namespace[options.out] = frame
    view.finish(map_summary(result, title=title, bound_to=bound, notes=notes))
    if result.progress.interrupted:
        raise MapInterruptedError(result.progress.answered, result.progress.total, bound)


# ----- %respond batches -----


def _when(timestamp: float | None) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S") if timestamp else ""


def _notebook_name(key: str) -> str:
    """A notebook key as the listing shows it: a path's file name; a run without a notebook identity as such."""
    if key.startswith(("kernel:", "ipython:")):
        return f"headless run ({key.split(':', 1)[1][:8]})"
    return key.replace("\\", "/").rsplit("/", 1)[-1]


def batches_subcommand(magics: RespondMagics, args: str) -> None:
    """``%respond batches`` lists this notebook's batches and the open ones a run here would collect (other
    notebooks', headless runs'); ``%respond batches cancel ID`` cancels one."""
    from nbresponses.rowmap import MapLog, cancel_batch, list_batches

    from ._subcommands import markdown_table, show_markdown

    words = shlex.split(args)
    session = magics.session
    store = session.store(magics.history_path)
    log = MapLog(store, session.notebook or "notebook")
    client = turn_client(magics, "responses", store)
    if words[:1] == ["cancel"]:
        if len(words) != 2:
            raise UsageError("Usage: %respond batches cancel BATCH_ID")
        try:
            batch = cancel_batch(client, log, words[1])
        except NBResponsesError as error:
            raise UsageError(f"Could not cancel {words[1]}: {error}") from None
        print(
            f"Batch {batch.id} is {batch.status}. Answers it already has are collected when the cell runs again."
        )
        return
    if words:
        raise UsageError("Usage: %respond batches [cancel BATCH_ID]")
    listing = list_batches(client, log)
    if not listing:
        print("No batches in this notebook yet: %%respond --batch --map DF submits one.")
        return
    others = any(entry.record.notebook != log.notebook for entry in listing)
    rows = []
    for entry in listing:
        record, latest = entry.record, entry.batch
        counts = (
            latest.request_counts.model_dump()
            if latest is not None and latest.request_counts
            else record.counts
        )
        status = latest.status if latest is not None else record.status
        if entry.problem:
            status += " (could not ask the server)"
        done = f"{counts.get('completed', 0)}/{counts.get('total', record.request_count)}" if counts else ""
        row: tuple[Any, ...] = (record.batch_id, (record.cell_id or "")[:8], record.request_count, status, done,
                                counts.get("failed", 0) if counts else "", _when(record.created_at),
                                _when(record.collected_at) or "not yet")  # fmt: skip
        if others:
            row = (*row[:1], "this one" if record.notebook == log.notebook else _notebook_name(record.notebook),
                   *row[1:])  # fmt: skip
        rows.append(row)
    header: tuple[str, ...] = ("batch", "cell", "requests", "status", "done", "failed", "submitted",
                               "collected")  # fmt: skip
    if others:
        header = (*header[:1], "notebook", *header[1:])
    show_markdown(markdown_table(header, rows))
    if others:
        print("Open batches of other notebooks and headless runs are listed too: running the same map here "
              "collects them.")  # fmt: skip
