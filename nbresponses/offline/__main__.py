"""``python -m nbresponses.offline [--host 127.0.0.1] [--port 8765]``: the offline server over HTTP on loopback."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Serve the offline backend until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m nbresponses.offline", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    parser.add_argument("--seed", default="", help="varies the generated ids")
    args = parser.parse_args(argv)
    try:
        import uvicorn
    except ImportError:
        print("The HTTP server needs uvicorn: pip install 'nbresponses[server]'", file=sys.stderr)
        return 2
    from ._asgi import create_app
    from ._server import OfflineServer

    print(f"Offline Responses API on http://{args.host}:{args.port}/v1 (any key works; Ctrl-C stops)")
    uvicorn.run(
        create_app(OfflineServer(seed=args.seed)), host=args.host, port=args.port, log_level="warning"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
