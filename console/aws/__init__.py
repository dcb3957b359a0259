"""The gateway: the only code that builds boto3 clients and calls Cognito (DESIGN.md)."""
