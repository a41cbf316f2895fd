"""The boto3 halves of the sources of references: ``config`` (AWS Config's advanced queries),
``live`` (each service's list and describe calls) and ``finder`` (``reference_finder``, which
combines what was asked, ``iam`` first: its data comes with the role reader,
``dormant.roles.aws.IamRoleSource(references=True)``, or from ``read_iam_references``).
"""
