"""The pure core every kind shares: values, settings, time, patterns, tags, managed-by,
errors, Config evaluation shapes, events, rule parameters and cost.

Standard library only: no boto3, no command-line library, no kind.
"""
