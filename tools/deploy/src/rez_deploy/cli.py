"""`python -m rez_deploy --stage dev (--all | --service NAME)`: the `make deploy` entry point."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rez_deploy.catalog import STACKS, STAGES
from rez_deploy.changesets import DeployError
from rez_deploy.deploy import deploy_all, deploy_service


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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the deploy; exit 1 with the failure reason when a stack fails."""
    args = build_parser().parse_args(argv)
    options = {
        "region": args.region,
        "package": not args.skip_package,
        "build_dir": args.build_dir,
    }
    try:
        if args.all:
            deploy_all(args.stage, args.endpoint, **options)
        else:
            deploy_service(args.service, args.stage, args.endpoint, **options)
    except DeployError as error:
        print(f"deploy failed: {error}", file=sys.stderr)
        return 1
    return 0
