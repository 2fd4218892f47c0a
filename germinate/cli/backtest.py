"""``germinate backtest REPO``: replay past commits as tickets; how often would the agents land?"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from germinate.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backtest",
        help="replay REPO's past commits as tickets and score what lands (land rate, cost, gates)",
        description="Pick past commits of REPO that changed product code and tests within the change "
        "budget; for each, start a scratch clone at its parent, make a ticket of its message, hold its "
        "test changes out, run a full growth cycle, then run the held-out tests on the result. Issues and "
        "pull requests a message links (#123, a full URL) are read from GitHub and quoted into the ticket when "
        "the seed's forge is GitHub and GERMINATE_GITHUB_TOKEN is set. REPO is only read. --oracle answers with the true commits (offline, no API key): how often the gates "
        "refuse a human's change, and the pipeline's overhead. The report (markdown with a chart, "
        "compared with the previous run) and the JSON are stored under $GERMINATE_HOME/backtests/ and "
        "published as a Prefect artifact.",
    )
    p.add_argument("repo", help="a git repository (a checkout or a bare clone)")
    p.add_argument("--commits", type=int, default=5, help="how many past commits to replay (default 5)")
    p.add_argument("--oracle", action="store_true", help="answer with the true commits: no model, no key")
    p.add_argument("--seed", default=None, help="seed.yaml to judge with (default: REPO's own, else one "
                   "'germinate init' writes)")
    p.add_argument("--label", default="", help="a name for this run in the side-by-side comparison")
    p.add_argument("--ref", default="HEAD", help="look back from this commit (default HEAD)")
    p.add_argument("--json", action="store_true", help="print the run as JSON instead of the markdown report")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from germinate.cli._prefect_api import connect
    from germinate.workspace import repo_root

    if args.commits < 1:
        raise ConfigError("--commits must be at least 1")
    repo = repo_root(Path(args.repo).expanduser())
    if args.seed and not Path(args.seed).is_file():
        raise ConfigError(f"--seed {args.seed}: no such file")
    if not args.oracle:
        from germinate.llm import check_models
        from germinate.seed import load_seed

        seed_path = Path(args.seed) if args.seed else repo / "seed.yaml"
        if seed_path.is_file():
            check_models(load_seed(seed_path).seed)
    connect(start=True)
    from flows.backtest import backtest
    from germinate.backtest.score import markdown, previous_run

    result = backtest(repo=str(repo), commits=args.commits, oracle=args.oracle, seed=args.seed,
                      label=args.label, ref=args.ref)
    if args.json:
        print(json.dumps({**json.loads(result.model_dump_json()), "summary": result.summary()}, indent=2))
    else:
        print(markdown(result, previous_run(result)), end="")
    if not result.tickets:
        print("no past commit qualified: none changed product code and tests within the change budget "
              "(execution.change_budget); try --ref further back")
    return 0
