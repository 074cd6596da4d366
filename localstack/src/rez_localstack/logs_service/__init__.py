"""The harness's CloudWatch Logs provider: LocalStack's, plus what its free edition lacks.

Chosen with ``PROVIDER_OVERRIDE_LOGS=rez`` (entry point ``localstack.aws.provider``
``logs:rez``). It subclasses LocalStack's ``LogsProvider`` and adds Logs Insights
(``StartQuery``/``GetQueryResults``/``StopQuery``/``DescribeQueries``), query definitions and EMF
metric extraction on ``PutLogEvents``.
"""
