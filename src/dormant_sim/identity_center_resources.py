"""What IAM authorizes Identity Center's calls against, for the simulation's enforcement:
``RESOURCES`` maps each sso and identitystore action (lower case) to the ARNs of every
resource type IAM's service reference gives it. Test support; never imported by dormant's
Lambda path.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RESOURCES"]


def _params(*names: str) -> Any:
    return lambda _account, _caller, params, _region: tuple(str(params(n)) for n in names)


def _with_account(*names: str, account_param: str) -> Any:
    """The named ARNs and the target account's (``arn:aws:sso:::account/ID``)."""

    def build(_account: str, _caller: Any, params: Any, _region: str) -> tuple[str, ...]:
        arns = tuple(str(params(n)) for n in names)
        return (*arns, f"arn:aws:sso:::account/{params(account_param)}")

    return build


def _identity_store(*kinds: str) -> Any:
    """The identity store's ARN and, per kind, the user's, group's or memberships' ARN."""

    def build(account: str, _caller: Any, params: Any, _region: str) -> tuple[str, ...]:
        arns = [f"arn:aws:identitystore::{account}:identitystore/{params('IdentityStoreId')}"]
        for kind in kinds:
            if kind == "membership":
                arns.append("arn:aws:identitystore:::membership/*")
            else:
                arns.append(f"arn:aws:identitystore:::{kind}/{params(kind.title() + 'Id')}")
        return tuple(arns)

    return build


# What IAM authorizes each call against (`dormant_sim.request_context.RESOURCES`): every
# resource type IAM's service reference gives the action (an assignment's instance,
# permission set and account alike), so a grant on one of them alone is not enough. Actions
# without resource types (ListInstances) need no builder.
RESOURCES: dict[str, Any] = {
    "sso:listpermissionsets": _params("InstanceArn"),
    "sso:describepermissionset": _params("InstanceArn", "PermissionSetArn"),
    "sso:listtagsforresource": _params("InstanceArn", "ResourceArn"),
    "sso:listaccountsforprovisionedpermissionset": _params("InstanceArn", "PermissionSetArn"),
    "sso:listaccountassignments": _with_account(
        "InstanceArn", "PermissionSetArn", account_param="AccountId"
    ),
    "sso:createaccountassignment": _with_account(
        "InstanceArn", "PermissionSetArn", account_param="TargetId"
    ),
    "sso:deleteaccountassignment": _with_account(
        "InstanceArn", "PermissionSetArn", account_param="TargetId"
    ),
    "sso:describeaccountassignmentcreationstatus": _params("InstanceArn"),
    "sso:describeaccountassignmentdeletionstatus": _params("InstanceArn"),
    "identitystore:describeuser": _identity_store("user"),
    "identitystore:describegroup": _identity_store("group"),
    "identitystore:listgroupmemberships": _identity_store("group", "membership"),
}
