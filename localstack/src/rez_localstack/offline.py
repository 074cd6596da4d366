"""Keep LocalStack from reaching the network on its own.

LocalStack's internal S3 client asks DNS once whether ``s3.<LOCALSTACK_HOST>`` resolves
(``localstack.utils.aws.aws_stack.get_s3_hostname``), to choose virtual-host addressing. That
is a query to the machine's resolver - outside loopback, and a stall where no resolver
answers. The answer here is always "no": the harness uses path-style 127.0.0.1 URLs.
"""


def skip_s3_hostname_lookup() -> None:
    """Pre-answer LocalStack's cached DNS probe (no hook or setting exists for it)."""
    from localstack.utils.aws import aws_stack

    aws_stack.CACHE_S3_HOSTNAME_DNS_STATUS = False
