"""`python -m rez_deploy --stage dev (--all | --service NAME)`: the `make deploy` entry point."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rez_deploy.catalog import STACKS, STAGES
from rez_deploy.changesets import DeployError
from rez_deploy.deploy import deploy_all, deploy_service
from rez_deploy.parameters import ParameterError
from rez_deploy.safety import SafetyOverrides, UnsafeParametersError


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


def main(argv: list[str] | None = None) -> int:
    """Run the deploy; exit 1 with the failure reason when a stack fails."""
    args = build_parser().parse_args(argv)
    options = {
        "region": args.region,
        "package": not args.skip_package,
        "build_dir": args.build_dir,
        "parameters": overrides_of(args.parameter),
        "safety_overrides": SafetyOverrides(allow_public_ntfy=args.allow_public_ntfy),
    }
    try:
        if args.all:
            deploy_all(args.stage, args.endpoint, **options)
        else:
            deploy_service(args.service, args.stage, args.endpoint, **options)
    except (DeployError, ParameterError, UnsafeParametersError) as error:
        print(f"deploy failed: {error}", file=sys.stderr)
        return 1
    return 0
