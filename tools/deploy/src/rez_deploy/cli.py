"""`python -m rez_deploy --stage dev (--all | --service NAME)`: the `make deploy` entry point.

`--dry-run` prints each stack's change set and applies nothing; `--code-only` pushes one
function's code (`make deploy-code`). Applying to prod asks for a confirmation of each change
set on the terminal; without a terminal (CI, a pipe) it refuses unless `--yes`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from botocore.exceptions import BotoCoreError, ClientError

from rez_deploy.catalog import STACKS, STAGES
from rez_deploy.changesets import DeployError
from rez_deploy.code_only import DriftError, deploy_code
from rez_deploy.deploy import deploy_all, deploy_service
from rez_deploy.parameters import ParameterError
from rez_deploy.preview import Preview
from rez_deploy.safety import SafetyOverrides, UnsafeParametersError

CONFIRMED_STAGES = ("prod",)


def build_parser() -> argparse.ArgumentParser:
    """The command line `make deploy` and `make deploy-local` use."""
    parser = argparse.ArgumentParser(
        prog="rez_deploy",
        description="Deploy the rez_agent stacks to AWS, or to the harness when "
        "LOCALSTACK_ENDPOINT (or --endpoint) is set.",
    )
    parser.add_argument("--stage", required=True, choices=STAGES)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every stack, in dependency order")
    which.add_argument("--service", choices=list(STACKS), help="one stack alone")
    parser.add_argument(
        "--endpoint", help="harness URL (default: $LOCALSTACK_ENDPOINT; unset means AWS)"
    )
    parser.add_argument(
        "--region", help="default: AWS_REGION, AWS_DEFAULT_REGION, boto3's, else us-east-1"
    )
    parser.add_argument("--build-dir", type=Path, help="where the zips are (default: build/)")
    parser.add_argument(
        "--skip-package", action="store_true", help="use the zips already in the build folder"
    )
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="SECTION.NAME=VALUE",
        type=parameter_override,
        help="override a parameter of infra/parameters/<stage>.yaml, e.g. "
        "notifier.NtfyUrl=http://127.0.0.1:8090 or common.TracingBackend=otel (repeatable)",
    )
    parser.add_argument(
        "--allow-public-ntfy",
        action="store_true",
        help="deploy stage or prod even though ntfy gets no token (its topic is then public: "
        "anyone can read the notifications and post to the topic)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--dry-run",
        action="store_true",
        help="print each stack's change set (resources added, modified, removed; parameters "
        "changed), then delete it: no stack changes (the zips are still built and uploaded to "
        "the artifacts bucket, content-addressed: the change sets name their keys)",
    )
    mode.add_argument(
        "--code-only",
        action="store_true",
        help="with --service: push the function's code (UpdateFunctionCode) without a stack "
        "update; refused when the stack's configuration differs from this checkout",
    )
    parser.add_argument(
        "--yes",
        "-y",
        action="store_true",
        help="apply to prod without asking (required when there is no terminal to ask on)",
    )
    return parser


def parameter_override(text: str) -> tuple[str, str, str]:
    """`section.Name=value` -> (section, Name, value); argparse reports a malformed one."""
    key, sep, value = text.partition("=")
    section, dot, name = key.partition(".")
    if not sep or not dot or not section or not name:
        raise argparse.ArgumentTypeError(f"expected SECTION.NAME=VALUE, got {text!r}")
    return section, name, value


def overrides_of(items: list[tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    """The overrides in the stage file's shape."""
    sections: dict[str, dict[str, str]] = {}
    for section, name, value in items:
        sections.setdefault(section, {})[name] = value
    return sections


def _ask(stdin: TextIO, stdout: TextIO) -> Callable[[str], bool]:
    def ask(question: str) -> bool:
        stdout.write(f"{question} [y/N] ")
        stdout.flush()
        return stdin.readline().strip().lower() in ("y", "yes")

    return ask


def main(
    argv: list[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Run the deploy; exit 1 with the failure reason when a stack fails, 2 when refused."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.code_only and not args.service:
        parser.error("--code-only needs --service NAME (one function)")
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    ask: Callable[[str], bool] | None = None
    if args.stage in CONFIRMED_STAGES and not args.yes and not args.dry_run:
        if not stdin.isatty():
            print(
                f"refusing to deploy to {args.stage} without a confirmation: there is no "
                "terminal to ask on (stdin is not a TTY). Preview with --dry-run, then pass "
                "--yes to apply.",
                file=sys.stderr,
            )
            return 2
        ask = _ask(stdin, stdout)

    def out(line: str) -> None:
        stdout.write(line + "\n")
        stdout.flush()

    options = {
        "region": args.region,
        "package": not args.skip_package,
        "build_dir": args.build_dir,
        "parameters": overrides_of(args.parameter),
        "out": out,
    }
    try:
        if args.code_only:
            deploy_code(args.service, args.stage, args.endpoint, confirm=ask, **options)
            return 0
        confirm = None
        if ask is not None:
            question = ask

            def confirm(preview: Preview) -> bool:
                return preview.empty or question(
                    f"execute this change set on {args.stage} ({preview.stack_name})?"
                )

        safety = SafetyOverrides(allow_public_ntfy=args.allow_public_ntfy)
        if args.all:
            results = deploy_all(
                args.stage,
                args.endpoint,
                dry_run=args.dry_run,
                confirm=confirm,
                safety_overrides=safety,
                **options,
            )
        else:
            result = deploy_service(
                args.service,
                args.stage,
                args.endpoint,
                dry_run=args.dry_run,
                confirm=confirm,
                safety_overrides=safety,
                **options,
            )
            results = {args.service: result}
    except (DeployError, ParameterError, DriftError, UnsafeParametersError) as error:
        print(f"deploy failed: {error}", file=sys.stderr)
        return 1
    except (ClientError, BotoCoreError) as error:
        print(f"deploy failed: AWS error: {error}", file=sys.stderr)
        return 1
    if any(result.action == "declined" for result in results.values()):
        print("deploy stopped: a change set was declined", file=sys.stderr)
        return 1
    return 0
