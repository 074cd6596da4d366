"""CloudWatch as AWS computes it: percentiles and other extended statistics, metric math, alarms
on both, and CloudWatch's alarm notification. A provider subclassing LocalStack's v2 provider
(``cloudwatch:rez``), reading the metric values LocalStack stores."""
