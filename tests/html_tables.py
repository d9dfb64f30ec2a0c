"""A page's table as a user reads it: each row's cell texts, whatever the markup of
the cells (Unfold's classes, links, spans)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self, table_id: str | None):
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # inside the wanted table (nesting depth of <table>)
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            if self.depth or self.table_id is None or dict(attrs).get("id") == self.table_id:
                self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(body: str, table_id: str | None = None) -> list[list[str]]:
    """The rows (header row included) of the table with ``id`` ``table_id`` (or of
    every table), each a list of its cells' texts, whitespace collapsed."""
    parser = _Tables(table_id)
    parser.feed(body)
    return [row for row in parser.rows if row]
