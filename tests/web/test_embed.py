"""/embed/timeline: the public timeline for other sites to frame, and only the sites the
setting names; every other page stays unframeable, and an embed never carries the privileges
of whoever is signed in."""

from __future__ import annotations

import re

import pytest

from archive.config import frame_ancestors, load_config
from archive.errors import ConfigError
from tests.conftest import login
from tests.web.conftest import add_user, may_see

NEWS = "https://news.example.org"
# pages of every kind, and an error: none of them may be framed, whatever the setting
OTHERS = ("/", "/timeline", "/documents", "/search", "/login", "/api/v1/timeline", "/no-such-page",
          "/timeline/export.json")  # fmt: skip


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def test_by_default_no_site_may_frame_the_embed(client, cited_everywhere):
    response = client.get("/embed/timeline")
    assert response.status_code == 200
    assert directives(response)["frame-ancestors"] == ["'none'"]
    assert "X-Frame-Options" not in response.headers
    assert directives(response)["script-src"] == ["'self'"]  # the rest of the policy stands


def test_the_sites_named_may_frame_the_embed_and_no_other_page(make_app):
    app = make_app(EMBED_FRAME_ANCESTORS=f"{NEWS} https://blog.example.net")
    client = app.test_client()
    embed = client.get("/embed/timeline")
    assert directives(embed)["frame-ancestors"] == [NEWS, "https://blog.example.net"]
    assert "X-Frame-Options" not in embed.headers
    for url in OTHERS:
        response = client.get(url)
        assert directives(response)["frame-ancestors"] == ["'none'"], url
        assert response.headers["X-Frame-Options"] == "DENY", url


@pytest.mark.parametrize("role", ["researcher", "custodian"])
def test_an_embed_shows_the_public_timeline_whoever_is_signed_in(app, client, cited_everywhere, role):
    name = add_user(app, role)
    login(client, name)
    public = [d for d in cited_everywhere.values() if may_see("anonymous", d.consent, d.status)]
    timeline = client.get("/timeline").text
    embed = client.get("/embed/timeline").text
    assert len(re.findall(r'<article class="entry ', timeline)) > len(public)  # the page: theirs
    listed = re.findall(r'<li id="entry-(\d+)"', embed)
    drawn = set(re.findall(r'<a href="#entry-(\d+)" class="mark', embed))
    assert len(listed) == len(public) == len(drawn) and drawn == set(listed)
    for doc in cited_everywhere.values():
        if doc not in public:
            assert doc.canary not in embed
    # nothing of the session: no name, no form, no token, no way to act
    assert name not in embed and "<form" not in embed and "csrf" not in embed
    assert "Sign out" not in embed


def test_an_embed_is_a_minimal_page_whose_links_leave_the_frame(client, cited_everywhere):
    html = client.get("/embed/timeline").text
    assert '<svg class="timeline-chart"' in html and '<ol class="embed-entries">' in html
    assert 'class="site"' not in html  # no site header, navigation or footer
    outbound = re.findall(r'<a href="(https?://[^"]+)"([^>]*)>', html)
    assert outbound and all('target="_blank"' in rest and "noopener" in rest for _, rest in outbound)
    assert 'style="' not in html and "<script" not in html


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "'none'"),
        ("none", "'none'"),
        ("'none'", "'none'"),
        ("self", "'self'"),
        (f"{NEWS}/ 'self'", f"{NEWS} 'self'"),
        ("https://*.example.org, http://localhost:8080", "https://*.example.org http://localhost:8080"),
    ],
)
def test_the_setting_is_read_as_sources_of_frame_ancestors(value, expected):
    assert frame_ancestors(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "*",
        "https:",
        f"{NEWS}/path",
        f"{NEWS}; script-src 'unsafe-inline'",
        "'unsafe-inline'",
        "javascript:alert(1)",
        "news.example.org",
        f"'none' {NEWS}",
        "https://news.example.org:99999x",
    ],
)
def test_a_setting_that_is_not_origins_refuses_to_start(tmp_path, value):
    with pytest.raises(ConfigError, match="ARCHIVE_EMBED_FRAME_ANCESTORS"):
        load_config({"DATA_DIR": str(tmp_path)}, environ={"ARCHIVE_EMBED_FRAME_ANCESTORS": value})
