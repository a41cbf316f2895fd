"""Unused permissions inside used roles: services a role may use but has not.

``model`` (values), ``decide`` (the pure decision), ``scan`` (many roles over an
``AccessSource``), ``aws`` (IAM's service last-accessed jobs), ``aws_accounts`` (one account
or many), ``layout`` (report columns), ``remediate`` (restrict: the deny of unused services),
``cli`` and ``cli_remediate`` (``dormant permissions`` and ``dormant restrict``). Permissions
are held by roles, so this kind may read the roles' model and records; nothing else of it.
"""
