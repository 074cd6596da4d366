"""SQS queue metrics LocalStack does not publish (``ApproximateAgeOfOldestMessage``)."""
