"""IAM users' unused credentials: console passwords and access keys.

``model`` (values), ``decide`` (the pure decision), ``records`` (the credential report and
GetAccountAuthorizationDetails' users), ``parameters`` (the users' rule parameters), ``aws``
(the read adapter the Lambda uses), ``aws_accounts`` (many accounts), ``aws_mutator`` (the
remediation adapter), ``remediate`` (quarantine and release of users), ``layout`` (report
columns), ``cli`` and ``cli_remediate`` (``dormant users`` and the ``--user`` remediation).
Nothing here imports the other kinds.
"""
