"""The subset of AWS Config's advanced-query SQL that the simulation answers, without moto.

Parses an expression and evaluates it over configuration items (plain dicts, as Config
records them); `dormant_sim.config_query` serves it as SelectResourceConfig and
SelectAggregateResourceConfig. Supported, as AWS Config documents them:

- `SELECT *` (only the top-level scalar properties of an item, `TOP_LEVEL_SCALARS`) or a
  comma-separated list of property paths (`resourceId`, `configuration.role`,
  `configuration.Targets.RoleArn`); a path through a list selects that property of every
  element, and each result holds only the selected properties, nested as in the item;
- `WHERE` conditions joined by `AND`: `path = literal` and `path IN (literal, ...)`, with
  string (`'...'`, `''` escapes a quote), integer and `TRUE`/`FALSE` literals. A condition
  on a path through lists holds when any element's value matches, each condition on its own
  (Config's "multiple properties within an array" rule).

Anything else (OR, NOT, LIKE, BETWEEN, comparisons, GROUP BY, ORDER BY, aggregate functions,
and the keywords Config never accepts: ALL, AS, DISTINCT, FROM, HAVING, JOIN, UNION) raises
`QueryError`, which the service turns into InvalidExpressionException: a query the
simulation cannot answer exactly must fail loudly, never return a wrong answer.

Pure: stdlib only, no moto, no boto3. Test support; never imported by dormant's Lambda path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "TOP_LEVEL_SCALARS",
    "Condition",
    "Query",
    "QueryError",
    "matches",
    "parse",
    "project",
]

# What `SELECT *` returns: Config's top-level scalar properties of a configuration item.
TOP_LEVEL_SCALARS = (
    "accountId",
    "awsRegion",
    "arn",
    "availabilityZone",
    "configurationItemCaptureTime",
    "resourceCreationTime",
    "resourceId",
    "resourceName",
    "resourceType",
    "version",
)

# Keywords of Config's language the simulation does not implement; a query using one fails.
_UNSUPPORTED = frozenset(
    {
        "OR",
        "NOT",
        "LIKE",
        "BETWEEN",
        "GROUP",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "COUNT",
        "SUM",
        "AVG",
        "MIN",
        "MAX",
        "IS",
        "NULL",
    }
)
# Keywords AWS Config rejects in any query.
_NEVER = frozenset({"ALL", "AS", "DISTINCT", "FROM", "HAVING", "JOIN", "UNION"})
_KEYWORDS = frozenset({"SELECT", "WHERE", "AND", "IN", "TRUE", "FALSE"}) | _UNSUPPORTED | _NEVER

Scalar = str | int | bool


class QueryError(ValueError):
    """The expression is not one the simulation can answer (InvalidExpressionException)."""


@dataclass(frozen=True)
class Condition:
    """`path = value` (one value) or `path IN (values)`."""

    path: tuple[str, ...]
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class Query:
    """A parsed expression: the selected property paths and the conditions, all ANDed."""

    fields: tuple[str, ...]
    conditions: tuple[Condition, ...]

    def resource_types(self) -> frozenset[str] | None:
        """The resource types the conditions allow, or None when they allow any."""
        allowed: frozenset[str] | None = None
        for condition in self.conditions:
            if condition.path == ("resourceType",):
                values = frozenset(v for v in condition.values if isinstance(v, str))
                allowed = values if allowed is None else allowed & values
        return allowed


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "string", "number", "symbol"
    text: str
    value: Scalar | None = None


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<symbol><>|!=|<=|>=|[=,()*<>;%])
    """,
    re.VERBOSE,
)


def _tokens(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(expression):
        found = _TOKEN.match(expression, position)
        if found is None:
            raise QueryError(
                f"Invalid expression: unexpected character {expression[position]!r} "
                f"at position {position}"
            )
        position = found.end()
        kind = found.lastgroup or ""
        text = found.group()
        if kind == "space":
            continue
        if kind == "string":
            tokens.append(_Token("string", text, text[1:-1].replace("''", "'")))
        elif kind == "number":
            if "." in text:
                raise QueryError(
                    f"Invalid expression: the simulation compares integers only, not {text}"
                )
            tokens.append(_Token("number", text, int(text)))
        else:
            tokens.append(_Token(kind, text))
    return tokens


class _Parser:
    def __init__(self, tokens: Sequence[_Token]) -> None:
        self._tokens = tokens
        self._index = 0

    def _peek(self) -> _Token | None:
        return self._tokens[self._index] if self._index < len(self._tokens) else None

    def _next(self, expected: str) -> _Token:
        token = self._peek()
        if token is None:
            raise QueryError(f"Invalid expression: expected {expected}, found the end")
        self._index += 1
        self._check_keyword(token)
        return token

    @staticmethod
    def _check_keyword(token: _Token) -> None:
        if token.kind != "word":
            return
        upper = token.text.upper()
        if upper in _NEVER:
            raise QueryError(f"Invalid expression: AWS Config does not support {upper}")
        if upper in _UNSUPPORTED:
            raise QueryError(
                f"Invalid expression: {upper} is not supported by the simulated AWS Config "
                "(it answers SELECT ... WHERE with = , IN and AND only)"
            )

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token is not None and token.kind == "word" and token.text.upper() == word:
            self._index += 1
            return True
        return False

    def _expect_symbol(self, symbol: str) -> None:
        token = self._next(repr(symbol))
        if token.kind != "symbol" or token.text != symbol:
            raise QueryError(f"Invalid expression: expected {symbol!r}, found {token.text!r}")

    def _path(self) -> str:
        token = self._next("a property")
        if token.kind != "word" or token.text.upper() in _KEYWORDS:
            raise QueryError(f"Invalid expression: expected a property, found {token.text!r}")
        return token.text

    def _literal(self) -> Scalar:
        token = self._next("a value")
        if token.kind in ("string", "number") and token.value is not None:
            return token.value
        if token.kind == "word" and token.text.upper() in ("TRUE", "FALSE"):
            return token.text.upper() == "TRUE"
        raise QueryError(f"Invalid expression: expected a value, found {token.text!r}")

    def parse(self) -> Query:
        if not self._keyword("SELECT"):
            first = self._peek()
            raise QueryError(
                "Invalid expression: a query starts with SELECT"
                + (f", not {first.text!r}" if first is not None else "")
            )
        fields = self._select_list()
        conditions: list[Condition] = []
        if self._keyword("WHERE"):
            conditions.append(self._condition())
            while self._keyword("AND"):
                conditions.append(self._condition())
        trailing = self._peek()
        if trailing is not None:
            self._check_keyword(trailing)
            raise QueryError(f"Invalid expression: unexpected {trailing.text!r}")
        return Query(tuple(fields), tuple(conditions))

    def _select_list(self) -> list[str]:
        token = self._peek()
        if token is not None and token.kind == "symbol" and token.text == "*":
            self._index += 1
            after = self._peek()
            if after is not None and after.kind == "symbol" and after.text == ",":
                raise QueryError("Invalid expression: SELECT * takes no other property")
            return list(TOP_LEVEL_SCALARS)
        fields = [self._select_item()]
        while True:
            token = self._peek()
            if token is None or token.kind != "symbol" or token.text != ",":
                return fields
            self._index += 1
            fields.append(self._select_item())

    def _select_item(self) -> str:
        path = self._path()
        token = self._peek()
        if token is not None and token.kind == "symbol" and token.text == "(":
            raise QueryError(
                f"Invalid expression: functions such as {path}(...) are not supported by the "
                "simulated AWS Config"
            )
        return path

    def _condition(self) -> Condition:
        path = tuple(self._path().split("."))
        operator = self._next("= or IN")
        if operator.kind == "symbol" and operator.text == "=":
            return Condition(path, (self._literal(),))
        if operator.kind == "word" and operator.text.upper() == "IN":
            self._expect_symbol("(")
            values = [self._literal()]
            while True:
                token = self._next("',' or ')'")
                if token.kind == "symbol" and token.text == ")":
                    return Condition(path, tuple(values))
                if token.kind != "symbol" or token.text != ",":
                    raise QueryError(
                        f"Invalid expression: expected ',' or ')', found {token.text!r}"
                    )
                values.append(self._literal())
        raise QueryError(
            f"Invalid expression: the simulated AWS Config compares with = or IN only, "
            f"not {operator.text!r}"
        )


def parse(expression: str) -> Query:
    """The query in `expression`, or QueryError naming what it cannot answer."""
    return _Parser(_tokens(expression)).parse()


def _values_at(node: Any, path: Sequence[str]) -> Iterable[Any]:
    if isinstance(node, list):
        for element in node:
            yield from _values_at(element, path)
        return
    if not path:
        yield node
        return
    if isinstance(node, Mapping) and path[0] in node:
        yield from _values_at(node[path[0]], path[1:])


def _equal(stored: Any, wanted: Scalar) -> bool:
    # bool is an int in Python; Config keeps them apart.
    if isinstance(stored, bool) or isinstance(wanted, bool):
        return isinstance(stored, bool) and isinstance(wanted, bool) and stored is wanted
    return type(stored) is type(wanted) and bool(stored == wanted)


def matches(query: Query, item: Mapping[str, Any]) -> bool:
    """Whether the configuration item satisfies every condition of the query."""
    return all(
        any(_equal(value, wanted) for value in _values_at(item, c.path) for wanted in c.values)
        for c in query.conditions
    )


_Tree = dict[str, "_Tree | None"]  # None: the whole value at this key is selected


def _tree(fields: Iterable[str]) -> _Tree:
    root: _Tree = {}
    for field in fields:
        node = root
        parts = field.split(".")
        for i, part in enumerate(parts):
            if i == len(parts) - 1:
                node[part] = None
                break
            child = node.get(part, {})
            if child is None:  # an ancestor is already selected whole
                break
            node[part] = child
            node = child
    return root


def _project(node: Any, tree: _Tree) -> Any:
    if isinstance(node, list):
        selected = [_project(element, tree) for element in node]
        return [s for s in selected if s is not None]
    if not isinstance(node, Mapping):
        return None
    result: dict[str, Any] = {}
    for key, subtree in tree.items():
        if key not in node:
            continue
        if subtree is None:
            result[key] = node[key]
            continue
        selected = _project(node[key], subtree)
        if selected not in (None, {}, []):
            result[key] = selected
    return result or None


def project(query: Query, item: Mapping[str, Any]) -> dict[str, Any]:
    """The selected properties of the item, nested as in the item (a Config result)."""
    selected = _project(item, _tree(query.fields))
    return selected if isinstance(selected, dict) else {}
