"""The shape of one simulated service: the patches it puts on moto and the state it keeps.

A service module (`iam`, `sts`, `config`, `dispatch`) is written against moto's private
response classes. It exposes

- `PATCHES`: a sequence of `Patch` (set `owner.name` to `replacement`), applied by
  `dormant_sim.installer.install()` and undone by `uninstall()`; a patch may add a method moto
  lacks (moto dispatches a request to the method named after its operation), and
- `reset()`: forget the state the module keeps (stored results, issued tokens).

To simulate another service or operation, write a module in this style and add it to
`dormant_sim.installer.SERVICES`. Patches must never weaken a check that AWS makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Patch", "SimulatedService"]


@dataclass(frozen=True)
class Patch:
    """Replace (or add) the attribute `name` of `owner`, a moto class or module."""

    owner: object
    name: str
    replacement: object


class SimulatedService(Protocol):
    """A module that makes one part of moto behave like AWS."""

    # A read-only property, so that a module-level constant satisfies it.
    @property
    def PATCHES(self) -> Sequence[Patch]: ...

    def reset(self) -> None: ...
