"""JSON: ``{"generated_at", "kind", "source", "settings", "findings", "summary", "failures"}``,
and ``"quota": {"roles", "roles_quota"}`` after a live scan of one account.

Findings are written one at a time as they arrive, so the summary follows them (key
order in a JSON object carries no meaning) and 100,000 findings cost memory for one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from dormant.report.layout import Line, ReportMeta, Tally, failure_record, iso

__all__ = ["render_json"]

# Records are flat and acyclic: skipping the encoder's cycle check makes each finding
# cheaper to write, which counts at 100,000 findings.
_encode_record = json.JSONEncoder(check_circular=False).encode


def render_json(lines: Iterable[Line], meta: ReportMeta, out: TextIO) -> Tally:
    tally = meta.tally()
    with_recorded = meta.kind == "report"
    record = meta.layout.record
    dumps = json.dumps
    head = {
        "generated_at": iso(meta.generated_at),
        "kind": meta.kind,
        "source": meta.source,
        "settings": dict(meta.settings),
    }
    out.write(dumps(head)[:-1] + ', "findings": [')
    write = out.write
    add = tally.add
    separator = "\n"
    for line in lines:
        add(line)
        write(separator + _encode_record(record(line, recorded_at=with_recorded)))
        separator = ",\n"
    tail: dict[str, object] = {
        "summary": meta.summary(tally),
        "failures": [failure_record(f) for f in meta.failures],
    }
    if meta.quota is not None:
        tail["quota"] = meta.quota.record()
    out.write("\n], " + dumps(tail)[1:] + "\n")
    return tally
