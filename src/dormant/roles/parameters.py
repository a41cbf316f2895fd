"""The roles' rule parameter ``references``: which sources the Lambda asks what names a role.

``none``, ``iam`` (the default: instance profiles, trust policies and ``iam:PassRole``
grants, read in the same GetAccountAuthorizationDetails pages as the roles) or ``config``
(also AWS Config's advanced queries in the function's account and Region, which needs
``config:SelectResourceConfig``: the template grants it only with ``References=config``).
The rule parameter first, then the template's default (``REFERENCES``). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping

from dormant.core.errors import InvalidParameter
from dormant.core.parameters import PARAM_REFERENCES
from dormant.core.settings import pick_parameter

__all__ = ["ENV_REFERENCES", "LAMBDA_REFERENCES", "PARAM_REFERENCES", "references_from_parameters"]

ENV_REFERENCES = "REFERENCES"
LAMBDA_REFERENCES = ("none", "iam", "config")


def references_from_parameters(params: Mapping[str, object], env: Mapping[str, str]) -> str:
    raw = pick_parameter(params, env, PARAM_REFERENCES, ENV_REFERENCES)
    if raw is None:
        return "iam"
    if isinstance(raw, str) and raw.strip() in LAMBDA_REFERENCES:
        return raw.strip()
    raise InvalidParameter(
        PARAM_REFERENCES, f"expected {' | '.join(LAMBDA_REFERENCES)}, got {raw!r}"
    )
