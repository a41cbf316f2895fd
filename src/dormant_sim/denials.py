"""The simulation's denials: the error it answers instead of calling an operation, worded as
IAM words AccessDenied (which kind of policy denied, explicitly or for want of an Allow).

Test support; never imported by dormant's Lambda path.
"""

from __future__ import annotations

from dataclasses import dataclass

from dormant_sim.principals import Caller
from dormant_sim.request_context import ANY, DENIED_CODES

__all__ = ["Denial", "denied", "explicitly_denied", "implicitly_denied"]


@dataclass(frozen=True)
class Denial:
    """An error the simulation answers instead of calling the operation."""

    code: str
    message: str
    status: int


def denied(caller: Caller, action: str, resource: str, because: str) -> Denial:
    on = f" on resource: {resource}" if resource != ANY else ""
    return Denial(
        DENIED_CODES.get(action.split(":", 1)[0], "AccessDenied"),
        f"User: {caller.arn} is not authorized to perform: {action}{on} {because}",
        403,
    )


# Where a verdict comes from, as IAM names it in AccessDenied messages.
_KINDS = {
    "identity": ("an", "identity-based policy"),
    "resource": ("a", "resource-based policy"),
    "boundary": ("a", "permissions boundary"),
    "session": ("a", "session policy"),
}


def explicitly_denied(caller: Caller, action: str, resource: str, where: str) -> Denial:
    article, kind = _KINDS[where]
    return denied(caller, action, resource, f"with an explicit deny in {article} {kind}")


def implicitly_denied(caller: Caller, action: str, resource: str, where: str) -> Denial:
    return denied(
        caller, action, resource, f"because no {_KINDS[where][1]} allows the {action} action"
    )
