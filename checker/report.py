"""A check's Report as text (a table for the terminal), Markdown or JSON."""

import json
from collections import Counter

from checker.judging import STATUSES


def summary(report):
    counts = Counter(v.status for v in report.verdicts.values())
    parts = [f"{counts[s]} {s}" for s in STATUSES if counts[s]]
    return (f"{report.folder} in {report.engine}, seed {report.seed}: {', '.join(parts)} "
            f"({report.seconds:.1f} s)")


def error_text(error):
    return "" if error is None else f"{error:.1e}"


def rows(report):
    return [(name, v.status, error_text(v.max_rel_error), v.note)
            for name, v in report.verdicts.items()]


def as_text(report):
    header = ("function", "status", "max rel. error", "note")
    table = [header, *rows(report)]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3]
             for row in table]
    return "\n".join([summary(report), "", *(line.rstrip() for line in lines)])


def as_markdown(report):
    lines = [f"Checked {summary(report)}", "",
             "| function | status | max rel. error | note |", "|---|---|---|---|"]
    lines += [f"| `{name}` | {status} | {error} | {note.replace('|', '/')} |"
              for name, status, error, note in rows(report)]
    return "\n".join(lines)


def as_json(report):
    def finite(value):  # JSON has no NaN or inf: those become strings
        return value if value is None or abs(value) < float("inf") else str(value)

    contents = report.as_dict()
    for verdict in contents["functions"].values():
        verdict["max_rel_error"] = finite(verdict["max_rel_error"])
    return json.dumps(contents, indent=2)


FORMATS = {"text": as_text, "json": as_json, "markdown": as_markdown}
