"""Deploys the rez_agent CloudFormation stacks to AWS or to the local harness, idempotently.

`deploy_all(stage, endpoint)` deploys every stack in dependency order; `deploy_service(name,
stage, endpoint)` one stack alone. Both return the stacks' `StackResult` (action and outputs) and
raise `DeployError` with the first failed resource's reason.
"""

from rez_deploy.changesets import DeployError, StackResult
from rez_deploy.deploy import deploy_all, deploy_service, deploy_stacks

__all__ = ["DeployError", "StackResult", "deploy_all", "deploy_service", "deploy_stacks"]
