"""CloudFormation resource providers LocalStack's free edition lacks, in LocalStack's style.

Each provider lives beside its plugin stub (``aws_<service>_<type>.py`` and ``..._plugin.py``)
and a short schema; entry points are in the ``localstack.cloudformation.resource_providers``
group. With ``CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES=0`` any other unknown type fails its stack.
"""
