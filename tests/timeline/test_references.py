"""Documents and entries link to each other, as far as the reader may follow."""

from __future__ import annotations

import pytest

from archive.rendering import link_references, reference_slugs, render_markdown
from archive.services import get_db
from archive.storage import queries
from archive.storage.models import User
from archive.timeline.references import entries_citing, resolve_references
from tests.timeline.conftest import CASE

ROLES = {
    "anonymous": None,
    "researcher": User(username="r", role="researcher", active=True),
    "custodian": User(username="c", role="custodian", active=True),
}
SLUGS = {"public-report", "researcher-testimony", "custodian-testimony", "detentions", "hidden-event", "no-such-thing"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", {"public-report", "detentions"}),
        ("researcher", {"public-report", "researcher-testimony", "detentions"}),
        ("custodian", {"public-report", "researcher-testimony", "custodian-testimony", "detentions", "hidden-event"}),
    ],
)
def test_a_slug_resolves_only_to_what_the_reader_may_open(app, small_case, role, expected):
    with app.app_context(), get_db(app).session() as s:
        case_id = queries.get_case(s, CASE).id
        found = resolve_references(s, ROLES[role], case_id, SLUGS)
    assert set(found) == expected
    assert found["public-report"].kind == "document" and found["detentions"].kind == "entry"
    assert all("HIDDENCANARY" not in ref.title for ref in found.values())


@pytest.mark.parametrize(("role", "expected"), [("anonymous", []), ("custodian", ["hidden-event"])])
def test_a_document_lists_the_entries_citing_it_as_the_reader_may_see_them(app, small_case, role, expected):
    docs, _ = small_case
    with app.app_context(), get_db(app).session() as s:
        hidden = [item.entry.slug for item in entries_citing(s, ROLES[role], docs["custodians"])]
        public = [item.entry.slug for item in entries_citing(s, ROLES[role], docs["public"])]
    assert hidden == expected
    assert public == ["year-event", "detentions", "statement", "denial"]  # in date order


def test_cross_references_become_links_only_to_given_targets():
    rendered = render_markdown(
        "See `shown-doc`, `hidden-doc` and `2017-04-21`; [a `shown-doc` link](https://example.org).\n\n"
        "```\nshown-doc\n```\n"
    )
    assert reference_slugs(rendered) == {"shown-doc", "hidden-doc"}
    linked = link_references(rendered, {"shown-doc": ("/documents/7", "A <title> & more")})
    # the slug stays the link's text (a quoted passage matches the stored text), the title on hover
    assert '<a class="xref" href="/documents/7" title="A &lt;title&gt; &amp; more">shown-doc</a>' in linked
    assert linked.count('class="xref"') == 1  # not inside the link, nor in the code block
    # a target the reader may not open is its slug as plain text, like a slug naming nothing
    assert "hidden-doc and" in linked and "<code>hidden-doc</code>" not in linked
    assert "<code>2017-04-21</code>" in linked  # not a slug: code stays code
