"""The ``iam`` source: what IAM itself says references a role, from data already read.

``GetAccountAuthorizationDetails`` with ``Filter=[Role, User, Group, LocalManagedPolicy]``
returns, in the same paged call the role reader makes anyway, everything this needs:

- the instance profiles that hold the role (``RoleDetail.InstanceProfileList``): an EC2
  instance launched with one loses its credentials when the role goes;
- other roles whose trust policy names the role's ARN as an AWS principal (role chaining);
- users, groups and roles whose inline policies, and customer managed policies (their
  default version), allow ``iam:PassRole`` on the role by a grant narrower than every role
  (``dormant.roles.references.passrole``).

``IamReferenceIndex`` is fed the pages as they are read (``add_page``), or a snapshot's
entries one by one with its roles as the decision read them (``add_entry``, ``add_role``:
each document parsed once), and answers any role afterwards without another call; it is a
``ReferenceFinder``. Pure: standard library only; it never changes what it is fed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from dormant.core.errors import RoleDataError
from dormant.roles.model import Reference, Role, RoleReferences
from dormant.roles.records import policy_document
from dormant.roles.references.passrole import (
    action_passes_role,
    may_pass_role,
    names_role,
    pass_role_patterns,
)

__all__ = [
    "GAAD_FILTER",
    "SOURCE_IAM",
    "VIA_INSTANCE_PROFILE",
    "VIA_PASS_ROLE",
    "VIA_TRUST_POLICY",
    "IamReferenceIndex",
]

SOURCE_IAM = "iam"
VIA_INSTANCE_PROFILE = "instance-profile"
VIA_TRUST_POLICY = "trust-policy"
VIA_PASS_ROLE = "iam:PassRole"

# What the role reader asks GetAccountAuthorizationDetails for when references are wanted.
GAAD_FILTER = ("Role", "User", "Group", "LocalManagedPolicy")

_LISTS = ("RoleDetailList", "UserDetailList", "GroupDetailList", "Policies")

_TYPE_ROLE = "AWS::IAM::Role"
_TYPE_USER = "AWS::IAM::User"
_TYPE_GROUP = "AWS::IAM::Group"
_TYPE_POLICY = "AWS::IAM::Policy"
_TYPE_PROFILE = "AWS::IAM::InstanceProfile"


class _Holder(NamedTuple):
    """A principal or policy that holds a grant or a trust: who to name in the reference.

    A named tuple, not a frozen dataclass: one is made for every role of a snapshot, and a
    frozen dataclass's ``__init__`` costs several times a tuple's."""

    type: str
    arn: str
    name: str

    @property
    def account_id(self) -> str:
        parts = self.arn.split(":")
        return parts[4] if len(parts) > 4 else ""

    def reference(self, via: str) -> Reference:
        return Reference(self.type, self.arn, self.name, self.account_id, None, via, SOURCE_IAM)


_WILDCARD = re.compile(r"[*?]")

# How many action names an index remembers as not matching iam:PassRole: far more than real
# policies use, and a bound on what a file of made-up names can make it hold.
_CLEAR_LIMIT = 1 << 16


def _as_list(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _document(value: object) -> Mapping[str, Any]:
    """A policy document, read in place when it is already one (only read here, never
    changed: copying every document of a 100,000-role snapshot costs more than reading it)."""
    return value if isinstance(value, Mapping) else policy_document(value)


class IamReferenceIndex:
    """Instance profiles, trusts and ``iam:PassRole`` grants of one or more accounts."""

    def __init__(self) -> None:
        self._profiles: dict[str, list[_Holder]] = defaultdict(list)
        self._trusted_by: dict[str, list[_Holder]] = defaultdict(list)
        self._exact_grants: dict[str, list[_Holder]] = defaultdict(list)
        # Wildcard grants by their literal head (what comes before the first * or ?): a role
        # is matched only against the grants whose head starts its ARN. A snapshot of 100,000
        # roles holds tens of thousands of such grants; trying each on each role is quadratic.
        self._pattern_grants: dict[str, list[tuple[str, _Holder]]] = defaultdict(list)
        self._head_lengths: set[int] = set()
        self._seen: set[tuple[str, str]] = set()
        # Action names seen not to match iam:PassRole: a snapshot's hundreds of thousands of
        # statements repeat a few hundred names, and most statements allow none of it.
        self._clear: set[str] = set()

    # ---- reading GetAccountAuthorizationDetails

    def add_page(self, page: Mapping[str, Any], *, where: str = "") -> None:
        """One response page (any of its four lists may be absent)."""
        for key in _LISTS:
            for entry in page.get(key) or ():
                self.add_entry(key, entry, where=where)

    def add_entry(self, key: str, entry: Any, *, where: str = "") -> None:
        """One entry of a page's list ``key`` (``RoleDetailList``, ``UserDetailList``,
        ``GroupDetailList`` or ``Policies``), as a streamed snapshot yields them."""
        try:
            if key == "RoleDetailList":
                self._add_role(entry)
            elif key == "UserDetailList":
                holder = _Holder(_TYPE_USER, str(entry["Arn"]), str(entry["UserName"]))
                self._add_inline(holder, entry.get("UserPolicyList"))
            elif key == "GroupDetailList":
                holder = _Holder(_TYPE_GROUP, str(entry["Arn"]), str(entry["GroupName"]))
                self._add_inline(holder, entry.get("GroupPolicyList"))
            elif key == "Policies":
                self._add_managed(entry)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            suffix = f" in {where}" if where else ""
            raise RoleDataError(
                f"account authorization details{suffix} have a bad entry: {exc}"
            ) from None

    def add_role(self, role: Role, profiles: Any, *, where: str = "") -> None:
        """A role already read (``role_from_detail``) with its RoleDetail's
        ``InstanceProfileList``: its trust and inline documents are the ones the decision
        reads, parsed once for both (a snapshot's pass feeds its roles this way)."""
        try:
            arn = role.arn
            trusted = self._trusted_roles(arn, role.trust_policy)
            grants = [
                statement
                for _, document in role.inline_policies
                for statement in self._granting(document)
            ]
            # Nine roles in ten hold no profile, trust no role and grant no PassRole: no
            # holder is built for them (a snapshot's pass makes one call here per role).
            if not (profiles or trusted or grants):
                return
            holder = _Holder(_TYPE_ROLE, arn, role.name)
            self._add_profiles(holder, profiles)
            for named in trusted:
                self._trusted_by[named].append(holder)
            self._add_grants(holder, grants)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            suffix = f" in {where}" if where else ""
            raise RoleDataError(
                f"account authorization details{suffix} have a bad entry: {exc}"
            ) from None

    def _add_role(self, detail: Mapping[str, Any]) -> None:
        holder = _Holder(_TYPE_ROLE, str(detail["Arn"]), str(detail["RoleName"]))
        self._add_profiles(holder, detail.get("InstanceProfileList"))
        trust = detail.get("AssumeRolePolicyDocument")
        if trust:
            self._add_trust(holder, _document(trust))
        self._add_inline(holder, detail.get("RolePolicyList"))

    def _add_profiles(self, holder: _Holder, profiles: Any) -> None:
        for profile in profiles or ():
            name = str(profile.get("InstanceProfileName") or profile["Arn"].rsplit("/", 1)[-1])
            self._profiles[holder.arn].append(_Holder(_TYPE_PROFILE, str(profile["Arn"]), name))

    def _add_trust(self, holder: _Holder, trust: Mapping[str, Any] | None) -> None:
        """The roles an ``Allow`` of this trust policy names as AWS principals."""
        for arn in self._trusted_roles(holder.arn, trust):
            self._trusted_by[arn].append(holder)

    @staticmethod
    def _trusted_roles(own_arn: str, trust: Mapping[str, Any] | None) -> set[str] | tuple[()]:
        """The role ARNs an ``Allow`` of a trust policy names as AWS principals, the role's
        own aside (most trust policies name none: they share one empty answer)."""
        named: set[str] | tuple[()] = ()
        statements = trust.get("Statement") if trust else None
        for statement in statements if type(statements) is list else _as_list(statements):
            if type(statement) is not dict and not isinstance(statement, Mapping):
                continue
            principal = statement.get("Principal")
            # Most roles trust a service, an account or an identity provider: no "AWS" key
            # naming a role, ruled out before the statement's effect is even read.
            if type(principal) is not dict and not isinstance(principal, Mapping):
                continue
            if "AWS" not in principal or statement.get("Effect") != "Allow":
                continue
            for value in _as_list(principal["AWS"]):
                if isinstance(value, str) and ":role/" in value and value != own_arn:
                    if not named:
                        named = set()
                    named.add(value)
        return named

    def _add_inline(self, holder: _Holder, policies: object) -> None:
        for policy in _as_list(policies):
            self._add_document(holder, _document(policy["PolicyDocument"]))

    def _add_managed(self, policy: Mapping[str, Any]) -> None:
        holder = _Holder(_TYPE_POLICY, str(policy["Arn"]), str(policy["PolicyName"]))
        default = policy.get("DefaultVersionId")
        for version in policy.get("PolicyVersionList") or ():
            if version.get("IsDefaultVersion") or version.get("VersionId") == default:
                self._add_document(holder, _document(version["Document"]))
                return

    def _add_document(self, holder: _Holder, document: Mapping[str, Any]) -> None:
        self._add_grants(holder, self._granting(document))

    def _granting(self, document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The statements of a policy document that may allow ``iam:PassRole`` (an ``Allow``
        whose actions leave it in), their resources unread; most documents have none."""
        found: list[Mapping[str, Any]] = []
        clear = self._clear
        statements = document.get("Statement")
        for statement in statements if type(statements) is list else _as_list(statements):
            if type(statement) is not dict and not isinstance(statement, Mapping):
                continue
            action = statement.get("Action")
            # The common cases first: action names all known not to match iam:PassRole, a
            # list of them tested in one C call (one holding anything unhashable goes the
            # long way).
            if type(action) is list:
                try:
                    if clear.issuperset(action) and "NotAction" not in statement:
                        continue
                except TypeError:
                    pass
            elif type(action) is str and action in clear and "NotAction" not in statement:
                continue
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement or action is None:
                if not may_pass_role(statement):
                    continue
            elif type(action) is str:
                if not action_passes_role(action):
                    if len(clear) < _CLEAR_LIMIT:
                        clear.add(action)
                    continue
            elif type(action) is list:
                if not any(map(action_passes_role, map(str, action))):
                    # None of these names matches: remembered (a bounded number of them).
                    if len(clear) < _CLEAR_LIMIT:
                        clear.update(name for name in action if type(name) is str)
                    continue
            elif not may_pass_role(statement):
                continue
            found.append(statement)
        return found

    def _add_grants(self, holder: _Holder, statements: list[Mapping[str, Any]]) -> None:
        for statement in statements:
            for pattern in pass_role_patterns(statement):
                if (holder.arn, pattern) in self._seen:
                    continue
                self._seen.add((holder.arn, pattern))
                if "*" in pattern or "?" in pattern:
                    head = _WILDCARD.split(pattern, maxsplit=1)[0]
                    self._pattern_grants[head].append((pattern, holder))
                    self._head_lengths.add(len(head))
                else:
                    self._exact_grants[pattern].append(holder)

    # ---- answering

    def references_of(self, role: Role) -> tuple[Reference, ...]:
        arn = role.arn
        profiles = self._profiles.get(arn, ())
        trusted = self._trusted_by.get(arn, ())
        granted = list(self._exact_grants.get(arn, ()))
        for length in self._head_lengths:
            if length <= len(arn):
                for pattern, h in self._pattern_grants.get(arn[:length], ()):
                    if names_role(pattern, arn):
                        granted.append(h)
        if not (profiles or trusted or granted):
            return ()  # most roles: nothing to build
        found = [p.reference(VIA_INSTANCE_PROFILE) for p in profiles]
        found += [h.reference(VIA_TRUST_POLICY) for h in trusted]
        seen: set[str] = set()
        for holder in granted:
            if holder.arn != role.arn and holder.arn not in seen:
                seen.add(holder.arn)
                found.append(holder.reference(VIA_PASS_ROLE))
        return tuple(found)

    def references(self, roles: Sequence[Role]) -> Mapping[str, RoleReferences]:
        return {
            role.arn: RoleReferences(self.references_of(role), sources=(SOURCE_IAM,))
            for role in roles
        }
