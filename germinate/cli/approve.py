"""``germinate approve RUN_ID``: answer a growth cycle paused at a human checkpoint."""

from __future__ import annotations

import argparse
import getpass
from typing import Literal
from uuid import UUID

from germinate.errors import ConfigError, GerminateError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "approve",
        help="approve (or --reject / --request-changes) a growth cycle paused for a person",
        description="Resume a paused growth cycle with an answer. RUN_ID is the cycle's flow run id "
        "('germinate status' lists the pending ones). Prefect has no CLI verb for this: it calls "
        "prefect.flow_runs.resume_flow_run(RUN_ID, run_input={action, comment, by}).",
    )
    p.add_argument("run_id", metavar="RUN_ID", help="flow run id of the paused growth cycle")
    action = p.add_mutually_exclusive_group()
    action.add_argument("--reject", action="store_true", help="drop the change (the cycle ends rejected)")
    action.add_argument("--request-changes", action="store_true",
                        help="send the change back to the implementer with --comment")
    p.add_argument("--comment", default="", help="why; with --request-changes, what to change")
    p.add_argument("--by", default=None, help="who answers (default: your login name)")
    p.set_defaults(func=run)


def answer(args: argparse.Namespace) -> dict[str, str]:
    """The run input for the pause form, validated like the form itself."""
    from flows.checkpoint import ApprovalInput

    action: Literal["approve", "reject", "request_changes"] = (
        "reject" if args.reject else "request_changes" if args.request_changes else "approve")
    if action == "request_changes" and not args.comment.strip():
        raise ConfigError("--request-changes needs --comment saying what to change")
    form = ApprovalInput(action=action, comment=args.comment, by=args.by or getpass.getuser())
    return form.model_dump(include={"action", "comment", "by"})


def run(args: argparse.Namespace) -> int:
    from prefect.exceptions import FlowPauseTimeout, NotPausedError, ObjectNotFound
    from prefect.flow_runs import resume_flow_run

    from germinate.cli._prefect_api import require_api

    try:
        run_id = UUID(args.run_id)
    except ValueError:
        raise ConfigError(f"{args.run_id!r} is not a flow run id. Fix: copy it from 'germinate status'") from None
    run_input = answer(args)
    api = require_api()
    try:
        resume_flow_run(run_id, run_input=run_input)
    except NotPausedError:
        raise GerminateError(f"flow run {run_id} is not paused: it was answered already or never asked") from None
    except FlowPauseTimeout:
        raise GerminateError(f"flow run {run_id} waited too long: its approval timed out (deferred)") from None
    except ObjectNotFound:
        raise GerminateError(f"no flow run {run_id} on {api.url or 'a temporary server'} ({api.source}). Fix: "
                             "answer on the server the run was started on (export PREFECT_API_URL)") from None
    except RuntimeError as exc:
        raise GerminateError(f"flow run {run_id} refused the answer: {exc}") from None
    print(f"{run_input['action']} sent to {run_id}" + (f" ({run_input['comment']})" if run_input["comment"] else ""))
    return 0
