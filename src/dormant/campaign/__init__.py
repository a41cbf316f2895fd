"""The retire campaign across kinds: notice, grace, quarantine and delete for roles, notice and
quarantine for users, with one message per owner per run before anything changes.

``run`` plans both kinds, groups what changes by owner, tells each owner through every
channel, and changes only the resources of owners whose message was delivered. ``handler``
is the Lambda entry of the deployed retire stack (``deploy/retire.yaml``). The command line
is ``dormant.commands.retire``. This package sits above the kinds (it reads roles and users)
and below the commands; ``run`` never imports boto3 or click.
"""

from __future__ import annotations
