"""``germinate webhook serve``: receive GitHub webhooks (signed, de-duplicated) and act on them."""

from __future__ import annotations

import argparse
import os

from germinate.cli._arguments import port_number
from germinate.errors import ConfigError

# Mirrors germinate.webhook (which pulls the store): --help must not import it.
SECRET_ENV = "GERMINATE_WEBHOOK_SECRET"
DEFAULT_MAX_BODY = 1 << 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("webhook", help="GitHub webhook receiver (issues, check suites, reviews)",
                       description="Receive GitHub webhooks. Point the repository's webhook (content type "
                       f"application/json, the secret in {SECRET_ENV}) at http://HOST:PORT/. Events: issues "
                       "opened/labeled -> intake; check_suite failure on the default branch -> red-mode and a "
                       "fix ticket; pull_request_review requesting changes -> another cycle.")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    serve = verbs.add_parser("serve", help="run the receiver until interrupted")
    serve.add_argument("--repo", default=".", help="the target repository (default: .)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=port_number, default=8787, help="port (default: 8787)")
    serve.add_argument("--max-body", type=int, default=DEFAULT_MAX_BODY, help="largest payload in bytes (413 above)")
    serve.add_argument("--deployment", default="growth-cycle/on-demand", help="deployment that runs a cycle")
    serve.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        raise ConfigError(f"{SECRET_ENV} is not set. Fix: export the secret you entered in the GitHub webhook "
                          "settings (a long random string, e.g. from 'openssl rand -hex 32')")
    from flows.intake import start_growth_cycle
    from germinate.forge.factory import open_forge
    from germinate.seed import find_seed, load_seed
    from germinate.store import Store
    from germinate.webhook import WebhookReceiver, make_server
    from germinate.workspace import repo_root
    from germinate.writegate import WriteGate

    repo = repo_root(args.repo)
    seed = load_seed(find_seed(repo)).seed
    store = Store.open(repo=repo)
    receiver = WebhookReceiver(
        secret=secret, store=store, seed=seed, repo=str(repo), max_body=args.max_body,
        forge=lambda: open_forge(repo, seed, store),
        gate=lambda forge: WriteGate(store, seed.project.name, forge, seed),
        start=lambda r, t: start_growth_cycle(r, t, args.deployment),
    )
    try:
        server = make_server(receiver, args.host, args.port)
    except OSError as exc:
        store.close()
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}. Fix: pick a free "
                          "port (--port) and an address of this machine (--host)") from None
    print(f"germinate webhook: listening on http://{args.host}:{server.server_address[1]}/ for {repo}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        store.close()
    return 0
