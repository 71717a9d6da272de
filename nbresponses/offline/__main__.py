"""``python -m nbresponses.offline [--host 127.0.0.1] [--port 8765]``: the offline server on loopback.

HTTP (``/v1/responses``, ``/v1/conversations``, ...) and the WebSocket mode (``ws://HOST:PORT/v1/responses``).
Its state is the file beside the history that the magic's offline backend uses (``--db :memory:`` for none), so
a response made in a notebook can be retrieved here and the other way round. ``--port 0`` picks a free port;
the first line printed says which.
"""

from __future__ import annotations

import argparse
import socket
import sys

__all__ = ["main"]


def _default_database() -> str:
    from nbresponses.store import default_history_path

    from ._state import state_path

    return str(state_path(default_history_path()))


def main(argv: list[str] | None = None) -> int:
    """Serve the offline backend until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m nbresponses.offline", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0: a free one)")
    parser.add_argument("--seed", default="", help="varies the generated ids")
    parser.add_argument(
        "--db", default=None, help="SQLite state file (default: beside the history; :memory:)"
    )
    parser.add_argument(
        "--pace", type=float, default=None, help="streamed tokens per second (default: no wait)"
    )
    parser.add_argument(
        "--websocket-limit", type=float, default=3600.0, help="seconds a WebSocket connection may live"
    )
    args = parser.parse_args(argv)
    try:
        import uvicorn
    except ImportError:
        print("The HTTP server needs uvicorn: pip install 'nbresponses[server]'", file=sys.stderr)
        return 2
    from ._asgi import create_app
    from ._server import OfflineServer

    database = args.db if args.db is not None else _default_database()
    server = OfflineServer(seed=args.seed, database=database, pace=args.pace)
    app = create_app(server, websocket_limit_seconds=args.websocket_limit)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
        sock.listen(
            128
        )  # connections wait in the backlog until the server runs, so the URL printed works now
    except OSError as error:
        print(f"Cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    host, port = sock.getsockname()[:2]
    where = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"Offline Responses API on http://{where}:{port}/v1 and ws://{where}:{port}/v1/responses "
          f"(state: {database}; any key works; Ctrl-C stops)", flush=True)  # fmt: skip
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="websockets-sansio")
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
