"""``germinate server``: Germinate's Prefect server with its UI (start, --background, --status, --stop)."""

from __future__ import annotations

import argparse

from germinate.cli._arguments import port_number


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "server",
        help="start Germinate's Prefect server with its UI (or --status / --stop it)",
        description="Start Germinate's Prefect server with its UI: 'prefect server start --background' "
        "with PREFECT_HOME under the germinate home (GERMINATE_HOME/prefect), analytics off, on "
        "127.0.0.1; wait until /api/health answers and print its URL and the PREFECT_API_URL to "
        "export. Without --background it runs until Ctrl-C. A healthy server started by Germinate is "
        "reused. 'germinate run', 'deploy', 'approve' and 'webhook serve' start it on demand when no "
        "PREFECT_API_URL (or Prefect profile with one) is set.",
    )
    p.add_argument("--port", type=port_number, default=None,
                   help="port on 127.0.0.1 (default 4200, or a free one if 4200 is taken; 0: any free one)")
    p.add_argument("--background", action="store_true", help="leave it running ('germinate server --stop' ends it)")
    p.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for health (default 180)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--stop", action="store_true", help="stop the server Germinate started (only that pid)")
    mode.add_argument("--status", action="store_true", help="say whether it runs, where, and its pid")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from germinate import server

    if args.stop:
        print(server.stop_server())
        return 0
    if args.status:
        print(server.server_status())
        return 0 if server.running_server() else 3
    info, reused = server.start_server(args.port, timeout=args.timeout)
    if reused:
        print(f"Germinate's Prefect server is already running at {info.url} (pid {info.pid}); reusing it")
        print(f"  export PREFECT_API_URL={info.api_url}")
        return 0
    print(f"Prefect server (UI) at {info.url}  (pid {info.pid})")
    print(f"  export PREFECT_API_URL={info.api_url}")
    if args.background:
        print("  running in the background; stop it with 'germinate server --stop'")
        return 0
    print("  Ctrl-C to stop")
    return server.wait_foreground(info)
