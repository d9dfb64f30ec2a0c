"""The crawl's readability check (crawler.READABILITY, issue 22) on tiny pages under
Unfold's own stylesheet: stock admin markup is found, Unfold's components are not,
so the check cannot pass on everything without anyone noticing."""

import pytest
from django.contrib import admin
from django.template import Context, Template
from django.test import RequestFactory

from tests.browser import new_page

from .crawler import READABILITY, unreadable

pytestmark = [pytest.mark.browser]

UNFOLD_TABLE = Template(
    '{% load unfold %}{% component "unfold/components/table.html" with table=table %}{% endcomponent %}'
)
UNFOLD_BUTTON = Template(
    '{% load unfold %}<form>{% component "unfold/components/button.html" with submit=1 %}Close October'
    "{% endcomponent %}</form>"
)

# Unfold's theme colours, as its skeleton.html writes them on every admin page.
THEME = Template(
    "<style>:root {--border-radius: {{ border_radius }};"
    "{% for name, weights in colors.items %}{% for weight, value in weights.items %}"
    "--color-{{ name }}-{{ weight }}: {{ value }};{% endfor %}{% endfor %}}</style>"
)


@pytest.fixture
def facts(browser, live_server):
    request = RequestFactory().get("/admin/")
    colours = {"colors": admin.site._get_colors("COLORS", request), "border_radius": "6px"}
    theme = THEME.render(Context(colours))
    context = browser.new_context()
    page = new_page(context)

    def of(body: str) -> dict:
        stylesheet = f'<link rel="stylesheet" href="{live_server.url}/static/unfold/css/styles.css">'
        page.set_content(f"<!doctype html><html><head>{stylesheet}{theme}</head><body>{body}</body></html>")
        assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Inter"), "no Unfold styles"
        return page.evaluate(READABILITY)

    yield of
    context.close()


def test_a_stock_table_runs_its_columns_together(facts):
    found = facts("<table><tr><th>Qty</th><th>Days</th><th>Ex GST</th></tr><tr><td>2</td><td>31</td></tr></table>")

    assert found["tables"] == ["Qty"]
    assert unreadable("/admin/x/", found) == ["table cells without padding on /admin/x/: 'Qty'"]


def test_unfolds_table_and_button_are_readable(facts):
    table = {"headers": ["Service", "Ex GST"], "rows": [["0299990001", "$159.00"], ["0299990002", "-$12.50"]]}

    found = facts(UNFOLD_TABLE.render(Context({"table": table})) + UNFOLD_BUTTON.render(Context()))

    assert found == {"tables": [], "buttons": [], "money": []}


def test_a_stock_submit_button_reads_as_plain_text(facts):
    found = facts(
        '<form><input type="submit" value="Close October and bill it"></form><a class="button" href="/">Back</a>'
    )

    assert found["buttons"] == ["Close October and bill it", "Back"]
    assert "button without background or border on /p/: 'Back'" in unreadable("/p/", found)


def test_hidden_tables_and_buttons_are_left_alone(facts):
    found = facts('<div hidden><table><tr><td>a</td><td>b</td></tr></table><button type="submit">Go</button></div>')

    assert found == {"tables": [], "buttons": [], "money": []}


def test_money_without_its_dollar_sign(facts):
    found = facts(
        '<div class="px-3"><table><tr><td class="px-3">159.00</td><td class="px-3">$1,234.56</td>'
        '<td class="px-3">12</td></tr></table><span>-12.50</span><span>1,234.56</span><p>0.5</p></div>'
    )

    assert found["money"] == ["159.00", "-12.50", "1,234.56"]
    assert unreadable("/p/", found) == ["money not as $1,234.56 on /p/: 159.00, -12.50, 1,234.56"]
