"""Denials as schema.org ClaimReview: JSON-LD on the denial's page, built from what its reader
may see, and unable to break out of its script element."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from archive.timeline.claimreview import RATING
from archive.web.security import CONTENT_SECURITY_POLICY

SITE = "http://archive.test"  # the test app's SERVER_NAME
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def permalink(kind: str, slug: str) -> str:
    return f"{SITE}/cases/test-case/{'documents' if kind == 'document' else 'timeline'}/{slug}"


def reviews(client, entry_id: int) -> list[dict]:
    """The JSON-LD objects on an entry's page."""
    page = client.get(f"/timeline/entries/{entry_id}")
    assert page.status_code == 200, page.status_code
    return [json.loads(found) for found in LD_JSON.findall(page.text)]


def test_a_denials_page_carries_its_claim_review(client, context_case):
    _, ids = context_case
    [review] = reviews(client, ids["governor-denial"])
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["url"] == permalink("entry", "governor-denial")
    # quoted word for word in a document the reader may open: the quotation is the claim
    assert review["claimReviewed"] == "There are no such people here."
    assert review["itemReviewed"] == {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "A governor", "jobTitle": "head of the region"},
        "temporalCoverage": "2017-04",  # a month: no single day of publication
        "appearance": [
            {
                "@type": "CreativeWork",
                "name": "A governor denies the detentions",
                "url": permalink("document", "governor-article"),
            },
            {
                "@type": "CreativeWork",
                "name": "The governor's denial, translated",
                "url": permalink("document", "governor-article-translation"),
            },
        ],
    }
    assert review["reviewRating"]["@type"] == "Rating"
    assert review["reviewRating"]["alternateName"] == RATING == "Contradicted by reported evidence"
    assert "Detentions begin" in review["reviewRating"]["ratingExplanation"]
    assert review["citation"] == [
        {"@type": "CreativeWork", "name": "Detentions begin", "url": permalink("entry", "detentions")}
    ]
    assert review["author"] == {"@type": "Organization", "name": "Witness Archive"}


def test_a_denial_of_one_day_names_its_day_of_publication(client, small_case):
    _, ids = small_case
    [review] = reviews(client, ids["denial"])
    assert review["itemReviewed"]["datePublished"] == review["itemReviewed"]["temporalCoverage"] == "2017-04-21"


@pytest.mark.parametrize("role", ["anonymous", "researcher"])
def test_the_claim_is_the_paraphrase_unless_the_reader_may_open_the_words(reader, context_case, role):
    _, ids = context_case
    [review] = reviews(reader(role), ids["researcher-quoted-denial"])
    # the quotation stands only in the researcher testimony
    claimed = "A first account." if role == "researcher" else "The authorities said nothing had happened."
    assert review["claimReviewed"] == claimed
    # no office recorded: the speaker is an organisation
    assert review["itemReviewed"]["author"] == {"@type": "Organization", "name": "Regional authorities"}
    assert review["itemReviewed"]["temporalCoverage"] == "2017~" and "datePublished" not in review["itemReviewed"]


@pytest.mark.parametrize("slug", ["detentions", "year-event", "statement"])
def test_an_entry_that_is_no_denial_has_no_claim_review(client, context_case, slug):
    _, ids = context_case
    page = client.get(f"/timeline/entries/{ids[slug]}")
    assert page.status_code == 200 and "application/ld+json" not in page.text


@pytest.mark.parametrize("role", ["anonymous", "researcher", "custodian"])
def test_a_claim_review_lists_no_hidden_document_or_event(reader, context_case, role):
    _, ids = context_case
    client = reader(role)
    [review] = reviews(client, ids["denial"])
    events = [permalink("entry", "detentions")] + ([permalink("entry", "hidden-event")] if role == "custodian" else [])
    assert [c["url"] for c in review["citation"]] == events
    assert [a["url"] for a in review["itemReviewed"]["appearance"]] == [permalink("document", "public-report")]
    text = json.dumps(review)
    assert ("hidden-event" in text) == ("Known only from a custodian testimony" in text) == (role == "custodian")
    assert "custodian-testimony" not in text and "researcher-testimony" not in text
    # a denial of events none of which the reader may see is not reviewed at all
    hidden = reviews(client, ids["hidden-only-denial"])
    assert (hidden == []) == (role != "custodian")


PLANTED = '</script><script>alert("title")</script>'


def test_a_script_end_tag_in_a_denial_cannot_break_out(client, small_case, add_entries):
    ids = add_entries(
        {
            "slug": "hostile-denial",
            "kind": "denial",
            "date": "2017-04-22",
            "title": f"Denies it {PLANTED}",
            "speaker": "An official </SCRIPT ><img src=x onerror=alert(1)>",
            "office": "Spokesman & <b>",
            "paraphrase": f"Nothing happened {PLANTED} <!-- & -->",
            "denies": ["detentions"],
            "citations": [{"document": "public-report", "excerpt": "An official denied it."}],
        }
    )
    page = client.get(f"/timeline/entries/{ids['hostile-denial']}")
    assert page.status_code == 200
    [raw] = LD_JSON.findall(page.text)
    assert "<" not in raw and ">" not in raw and "&" not in raw  # written as \u003c, \u003e, \u0026
    review = json.loads(raw)
    assert review["claimReviewed"] == f"Nothing happened {PLANTED} <!-- & -->"
    assert review["name"] == f"Denies it {PLANTED}"
    assert review["itemReviewed"]["author"]["name"] == "An official </SCRIPT ><img src=x onerror=alert(1)>"
    scripts = _Scripts()
    scripts.feed(page.text)
    # the JSON-LD and the site's own files: no script the page did not mean to have
    assert [s for s in scripts.found if s.get("type") != "application/ld+json"] == [
        s for s in scripts.found if (s.get("src") or "").startswith("/static/")
    ]
    assert scripts.found.count({"type": "application/ld+json"}) == 1
    assert '<script>alert("title")' not in page.text and "<img src=x" not in page.text


def test_the_claim_review_needs_no_change_to_the_content_security_policy(client, small_case):
    _, ids = small_case
    page = client.get(f"/timeline/entries/{ids['denial']}")
    # JSON-LD is a data block, which browsers never run, so `script-src 'self'` stands as it is
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert '<script type="application/ld+json">' in page.text


class _Scripts(HTMLParser):
    """The attributes of every script element of a page."""

    def __init__(self):
        super().__init__()
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.found.append(dict(attrs))
