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
    from germinate.cli._prefect_api import resolve_api
    from germinate.forge.factory import open_forge
    from germinate.seed import find_seed, load_seed
    from germinate.store import Store
    from germinate.webhook import WebhookReceiver
    from germinate.webhook_http import WebhookServer, listen
    from germinate.workspace import repo_root
    from germinate.writegate import WriteGate

    repo = repo_root(args.repo)
    seed = load_seed(find_seed(repo)).seed
    sock = listen(args.host, args.port)  # a busy port fails before anything else starts
    api = resolve_api(start=True)  # cycles start on this API's deployment
    store = Store.open(repo=repo)
    receiver = WebhookReceiver(
        secret=secret, store=store, seed=seed, repo=str(repo), max_body=args.max_body,
        forge=lambda: open_forge(repo, seed, store),
        gate=lambda forge: WriteGate(store, seed.project.name, forge, seed),
        start=lambda r, t: start_growth_cycle(r, t, args.deployment),
    )
    server = WebhookServer(receiver, sock)
    print(f"germinate webhook: listening on http://{args.host}:{server.port}/ for {repo}; cycles start on "
          f"'{args.deployment}' at {api.url if api and api.url else 'a temporary server'}", flush=True)
    try:
        server.run()
    finally:
        store.close()
    return 0
