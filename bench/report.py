"""Collecting measurements and printing them as Markdown tables.

Each table has one column per contender; the first column is ours (ftpd, or
ftpc in the client tables) and the rest are the peers. A row knows whether
higher or lower is better, so "best peer" is the max or the min of the peer
medians, and the ratio is always ours / best peer (above 1 is better for
throughput, below 1 is better for times, memory and CPU). Where the issue
sets a target the row carries it, and the table says whether it was met.
"""

import statistics


class Row:
    def __init__(self, label, unit, better, target=None, ref=None):
        """better: "higher" or "lower". target: the bound on ours / best peer
        (>= target for "higher" rows, <= for "lower"), or None. ref: compare
        against this column instead of the best peer (e.g. "vsftpd")."""
        self.label, self.unit, self.better = label, unit, better
        self.target, self.ref = target, ref
        self.values = {}  # column -> [one value per round]
        self.notes = {}  # column -> short note shown in the cell

    def add(self, col, value):
        self.values.setdefault(col, []).append(value)

    def median(self, col):
        v = self.values.get(col)
        return statistics.median(v) if v else None


class Table:
    def __init__(self, title, columns, ratio_header):
        self.title, self.columns, self.ratio_header = title, columns, ratio_header
        self.rows = {}  # label -> Row, in insertion order
        self.notes = []

    def row(self, label, unit, better, target=None, ref=None):
        if label not in self.rows:
            self.rows[label] = Row(label, unit, better, target, ref)
        return self.rows[label]


class Results:
    def __init__(self, rounds):
        self.rounds = rounds
        self.tables = {}
        self.errors = []  # a measurement could not be taken
        self.warnings = []  # taken, but not as asked (e.g. fewer sessions)

    def table(self, key, title, columns, ratio_header):
        if key not in self.tables:
            self.tables[key] = Table(title, columns, ratio_header)
        return self.tables[key]

    def as_json(self):
        return {
            "rounds": self.rounds,
            "errors": self.errors,
            "warnings": self.warnings,
            "tables": {
                k: {"title": t.title, "columns": t.columns, "notes": t.notes,
                    "rows": {r.label: {"unit": r.unit, "better": r.better,
                                       "values": r.values} for r in t.rows.values()}}
                for k, t in self.tables.items()
            },
        }


def fmt(v):
    if v is None:
        return "n/a"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def _ratio(table, row):
    """(ratio text, target text, met text) for one row."""
    ours = row.median(table.columns[0])
    peers = [c for c in table.columns[1:] if row.median(c) is not None]
    if row.ref is not None:
        peers = [c for c in peers if c == row.ref]
    target = "—"
    if row.target is not None:
        op = "≥" if row.better == "higher" else "≤"
        against = row.ref or (table.columns[1] if len(table.columns) == 2 else "best")
        target = f"{op} {row.target:g}× {against}"
    if ours is None or not peers:
        return "—", target, "—"
    pick = max if row.better == "higher" else min
    best = pick(row.median(c) for c in peers)
    if best == 0:
        return "—", target, "—"
    ratio = ours / best
    met = "—"
    if row.target is not None:
        ok = ratio >= row.target if row.better == "higher" else ratio <= row.target
        met = "yes" if ok else "**no**"
    return f"{ratio:.2f}", target, met


def render(results):
    out = []
    for t in results.tables.values():
        out.append(f"### {t.title}")
        out.append("")
        head = ["row", "unit", *t.columns, t.ratio_header, "target", "met"]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for r in t.rows.values():
            cells = []
            for c in t.columns:
                n = len(r.values.get(c, []))
                cell = fmt(r.median(c))
                if 0 < n < results.rounds:
                    cell += f" ({n}/{results.rounds} rounds)"
                if c in r.notes:
                    cell += f" ({r.notes[c]})"
                cells.append(cell)
            arrow = "↑" if r.better == "higher" else "↓"
            out.append("| " + " | ".join([r.label, f"{r.unit} {arrow}", *cells,
                                          *_ratio(t, r)]) + " |")
        if t.notes:
            out.append("")
            out.extend(f"- {n}" for n in t.notes)
        out.append("")
    return "\n".join(out)
