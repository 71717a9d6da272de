"""Import cost: ``from nbresponses import Client`` and ``%load_ext nbresponses``, each in fresh interpreters.

Every measurement runs in a new Python process (so nothing is cached in ``sys.modules``), alternating the
contenders so that the machine's load hits them alike, and keeps the median of ``--repeat`` runs:

  (a) baseline: ``import pydantic, httpx2`` + ``from pydantic import BaseModel`` (what any pydantic-and-httpx2
      client must pay);
  (b) ``from nbresponses import Client``;
  (c) ``%load_ext nbresponses`` in an IPython ``InteractiveShell`` (the shell is created first and not timed,
      as in a kernel that is already running); ipykernel is imported beforehand, as it is in a kernel.

For each, the modules it added to ``sys.modules`` (all of them, and those of nbresponses). Targets (issue 14):
(b)/(a) <= 1.15 and (c) under 150 ms.

``--tree PATH`` (repeatable) measures other source trees in the same run (e.g. a worktree of an earlier commit:
``git worktree add /tmp/before 4703bcc``), each put first on ``sys.path``; the default is this checkout.

Usage: python benchmarks/import_cost.py [--repeat 15] [--tree PATH ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, sys, time
what = sys.argv[1]
if what == "load_ext":
    import ipykernel  # a kernel has it loaded before any cell runs
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
before = set(sys.modules)
start = time.perf_counter()
if what == "baseline":
    import pydantic, httpx2
    from pydantic import BaseModel
elif what == "client":
    from nbresponses import Client
else:
    shell.run_line_magic("load_ext", "nbresponses")
elapsed = time.perf_counter() - start
added = set(sys.modules) - before
print(json.dumps({"seconds": elapsed, "modules": len(added),
                  "ours": sum(1 for name in added if name.split(".")[0] == "nbresponses")}))
"""


def probe(what: str, tree: Path) -> dict[str, float]:
    """One fresh interpreter importing ``what`` with ``tree`` first on the path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), os.environ.get("PYTHONPATH", "")])}
    env["NBRESPONSES_HISTORY"] = os.devnull  # never touch the user's history from a benchmark
    out = subprocess.run(
        [sys.executable, "-c", PROBE, what], env=env, cwd=tree, capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--tree", action="append", type=Path, default=[], help="another source tree to measure"
    )
    args = parser.parse_args()
    trees = [ROOT, *(path.resolve() for path in args.tree)]
    kinds = ["baseline", "client", "load_ext"]
    samples: dict[tuple[str, str], list[dict[str, float]]] = {}
    for _ in range(args.repeat):
        for tree in trees:
            for kind in kinds:
                if kind == "baseline" and tree is not ROOT:
                    continue  # the baseline does not depend on the tree
                samples.setdefault((str(tree), kind), []).append(probe(kind, tree))

    baseline = statistics.median(s["seconds"] for s in samples[(str(ROOT), "baseline")])
    base_modules = samples[(str(ROOT), "baseline")][0]["modules"]
    print(
        f"median of {args.repeat} fresh interpreters each ({sys.executable}, Python {sys.version.split()[0]})"
    )
    print(
        f"(a) import pydantic, httpx2; from pydantic import BaseModel: {baseline * 1000:7.1f} ms"
        f"   {base_modules:4.0f} modules"
    )
    print()
    print(f"{'tree':40} {'what':24} {'ms':>8} {'vs (a)':>7} {'modules':>8} {'ours':>5}  target")
    for tree in trees:
        for kind, label, target in (
            ("client", "from nbresponses import Client", "<= 1.15x (a)"),
            ("load_ext", "%load_ext nbresponses", "< 150 ms"),
        ):
            runs = samples[(str(tree), kind)]
            seconds = statistics.median(run["seconds"] for run in runs)
            ratio = f"{seconds / baseline:6.2f}x" if kind == "client" else "      "
            name = str(tree) if len(str(tree)) <= 40 else "..." + str(tree)[-37:]
            print(
                f"{name:40} {label:24} {seconds * 1000:8.1f} {ratio:>7} {runs[0]['modules']:8.0f} "
                f"{runs[0]['ours']:5.0f}  {target}"
            )


if __name__ == "__main__":
    main()
