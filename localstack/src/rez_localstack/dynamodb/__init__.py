"""DynamoDB for the harness, served by the moto that LocalStack ships."""
