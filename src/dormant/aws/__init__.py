"""Thin boto3 adapters: the only modules of dormant that import boto3 or botocore.

Each adapter implements one of the small interfaces in ``dormant.engine.rule`` (or the
remediation and organization equivalents) and translates AWS's PascalCase fields
and errors into dormant's values and exception tree, once.
"""
