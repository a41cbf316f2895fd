"""Unused IAM roles: the blog's rule and everything around it.

``model`` (values), ``decide`` (the pure decision the Config rule makes), ``records`` and
``snapshot`` (GetAccountAuthorizationDetails' roles, live or from a saved file), ``scan``
(one account or many over a ``RoleSource``), ``layout`` (report columns and the HTML page's
cells), ``recorded`` and ``aggregated`` (what Config recorded, in one account or through an
aggregator), ``aws`` (the read adapter the Lambda uses), ``aws_accounts``, ``aws_aggregate``,
``aws_mutator`` (the other adapters), ``remediate/`` (quarantine, delete with a backup,
restore, retire), ``cli`` (``dormant scan``; ``dormant retire``, which spans kinds, is
``dormant.commands.retire``).
Nothing here imports the other kinds.
"""
