"""The deployed principals, made in the simulation from the templates themselves.

`deployed_role` reads a role of a resolved template (its trust and every policy the stack puts
on it, intrinsics filled in for the given parameter values) and creates it in the simulation
as a principal holding exactly those policies, so that a run under `Simulation.enforcing()`
is allowed exactly what the deployed role would be. `without_action` removes one action from
such policies, to show that the tests would catch a missing grant.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deploy_support import (
    load_template,
    parameter_values,
    render,
    resolve,
    role_managed_policies,
    role_policy_documents,
)

from dormant_sim.enforcement import PrincipalCredentials
from dormant_sim.server import Simulation

REGION = "us-east-1"


@dataclass(frozen=True)
class Stack:
    """A template resolved for one set of parameter values, as CloudFormation would see it."""

    resources: dict[str, Any]
    params: dict[str, str]
    attributes: dict[str, str]

    @classmethod
    def of(
        cls,
        path: Any,
        overrides: Mapping[str, str] | None = None,
        attributes: Mapping[str, str] | None = None,
    ) -> Stack:
        template = load_template(path)
        return cls(
            resources=resolve(template, overrides or {})["Resources"],
            params=parameter_values(template, overrides or {}),
            attributes=dict(attributes or {}),
        )

    def rendered(self, node: Any) -> Any:
        return render(node, self.params, self.attributes)

    def properties(self, logical_id: str) -> dict[str, Any]:
        rendered: dict[str, Any] = self.rendered(self.resources[logical_id]["Properties"])
        return rendered

    def property(self, logical_id: str, name: str) -> Any:
        """One property, rendered (the others may need attributes this test does not give)."""
        return self.rendered(self.resources[logical_id]["Properties"][name])

    def role_policies(self, role: str) -> dict[str, Any]:
        rendered: dict[str, Any] = self.rendered(role_policy_documents(self.resources, role))
        return rendered

    def managed_policies(self, role: str) -> dict[str, dict[str, Any]]:
        """The stack's own managed policies on the role: logical id -> properties."""
        return {name: self.properties(name) for name in role_managed_policies(self.resources, role)}

    def rule_parameters(self, rule: str) -> dict[str, str]:
        parameters: dict[str, str] = json.loads(self.property(rule, "InputParameters"))
        return parameters


def deployed_role(
    sim: Simulation,
    stack: Stack,
    role: str,
    *,
    name: str | None = None,
    account_id: str = "123456789012",
    policies: Mapping[str, Any] | None = None,
    managed_policy_arns: tuple[str, ...] = (),
) -> PrincipalCredentials:
    """A session of the template's role `role`, holding exactly the stack's policies for it."""
    props = stack.resources[role]["Properties"]
    return sim.principal(
        name or (stack.rendered(props["RoleName"]) if "RoleName" in props else role),
        account_id=account_id,
        policies=policies if policies is not None else stack.role_policies(role),
        managed_policy_arns=managed_policy_arns,
        trust=stack.rendered(props["AssumeRolePolicyDocument"]),
        path=props.get("Path", "/"),
    )


def without_action(policies: Mapping[str, Any], action: str) -> dict[str, Any]:
    """`policies` with `action` taken out of every statement (statements left empty go)."""
    trimmed: dict[str, Any] = copy.deepcopy(dict(policies))
    removed = False
    for document in trimmed.values():
        kept = []
        for statement in document["Statement"]:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            remaining = [a for a in actions if a != action]
            removed = removed or len(remaining) != len(actions)
            if remaining:
                kept.append({**statement, "Action": remaining})
        document["Statement"] = kept
    assert removed, f"{action} is not in the policies"
    return {name: doc for name, doc in trimmed.items() if doc["Statement"]}
