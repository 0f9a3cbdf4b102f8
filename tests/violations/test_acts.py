"""The violations layer: acts recorded, refused, shown, counted and filtered as each reader may."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from archive.errors import IngestError, NotPermitted
from archive.protection.identities import protect_identity
from archive.services import get_db
from archive.storage import queries
from archive.storage.models import Act, ActPerpetrator, ActSource, ActVictim, AuditEntry, User
from archive.violations.acts import save_acts, validate_act
from archive.violations.read import ActFilters, count_by_type, documents_of_acts, visible_acts
from tests.conftest import CLI, SETUP, csrf_token, login

CASE = "test-case"
ROLES = ("anonymous", "researcher", "custodian")
SEES = {  # the acts each reader may see in acts_case
    "anonymous": {"argun-detentions", "argun-beatings"},
    "researcher": {"argun-detentions", "argun-beatings", "threats-of-outing"},
    "custodian": {"argun-detentions", "argun-beatings", "threats-of-outing", "death-at-base"},
}


def _client(app, make_user, role: str):
    client = app.test_client()
    if role != "anonymous":
        login(client, make_user(role, f"{role}-acts"))
    return client


def _act(**changes) -> dict:
    fields = {
        "case": CASE,
        "slug": "new-act",
        "type": "arbitrary_detention",
        "date": "2017-04",
        "summary": "Men held",
        "sources": [{"document": "public-report", "excerpt": ""}],
    }
    return {**fields, **changes}


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"type": "genocide-ish"}, "type"),
        ({"type": ""}, "type"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"date": "sometime"}, "date"),
        ({"summary": ""}, "summary"),
        ({"victims": [{"count": 0, "who": "men"}]}, "victims"),
        ({"victims": [{"count": -3}]}, "victims"),
        ({"victims": [{"count": True}]}, "victims"),
        ({"victims": [{"count": "12 men"}]}, "victims"),
        ({"victims": [{"count": 10**12}]}, "victims"),
        ({"victims": [{"person": ""}]}, "victims"),
        ({"victims": [{"person": "A", "count": 2}]}, "victims"),
        ({"victims": [{"person": "A"}, {"person": "A"}]}, "victims"),
        ({"victims": "twelve men"}, "victims"),
        ({"victims": [{"count": 1}] * 201}, "victims"),
        ({"perpetrators": [{"name": "Police", "kind": "ghost"}]}, "perpetrators"),
        ({"perpetrators": [{"name": "", "kind": "unit"}]}, "perpetrators"),
        ({"perpetrators": [{"name": "Police"}]}, "perpetrators"),
        ({"type": "evacuation", "perpetrators": [{"name": "Police", "kind": "institution"}]}, "perpetrators"),
        ({"sources": []}, "sources"),
        ({"sources": [{"document": "public-report", "stance": "disputes"}]}, "sources"),
        ({"sources": [{"document": "public-report", "stance": "maybe"}]}, "sources"),
        ({"sources": [{"document": "public-report"}, {"document": "public-report"}]}, "sources"),
        ({"sources": [{"excerpt": "x"}]}, "sources"),
        ({"entry": "Not a slug"}, "entry"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_malformed_act_is_refused_naming_its_field(changes, field):
    with pytest.raises(IngestError) as caught:
        validate_act(_act(**changes), "t")
    assert caught.value.field == field


def test_counts_written_as_text_in_yaml_are_read():
    sub = validate_act(_act(victims=[{"count": "52", "who": "men"}]), "t")
    assert sub.victims[0].count == 52


def _rows(app) -> dict:
    with app.app_context(), get_db(app).session() as s:
        return {
            m.__name__: s.scalar(select(func.count()).select_from(m))
            for m in (Act, ActVictim, ActPerpetrator, ActSource)
        }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"summary": "Khamzat Baisarov held by police"}, "summary"),  # a protected identity
        ({"description": "Call him on +7 928 417-53-96"}, "description"),
        ({"place": "ул. Береговая, д. 8, кв. 82"}, "place"),
        ({"victims": [{"count": 2, "who": "Khamzat and his brother"}]}, "victims"),
        ({"perpetrators": [{"name": "Officer reachable at kanar.q7z@mail.ru", "kind": "official"}]}, "perpetrators"),
        ({"sources": [{"document": "public-report", "excerpt": "Khamzat Baisarov"}]}, "sources"),
        ({"sources": [{"document": "public-report", "excerpt": "words the report does not hold"}]}, "sources"),
        ({"sources": [{"document": "no-such-document", "excerpt": ""}]}, "sources"),
        ({"entry": "no-such-entry"}, "entry"),
        ({"victims": [{"person": "Nobody known"}]}, "victims"),
    ],
)
def test_an_act_that_would_reveal_someone_or_cite_what_is_not_there_is_refused_whole(app, acts_case, changes, field):
    """Refused with the field named, and nothing of it stored: no act, victim, perpetrator
    or source row (the other acts of the batch neither)."""
    with app.app_context(), get_db(app).session() as s:
        protect_identity(s, queries.get_case(s, CASE), ["Khamzat Baisarov", "Khamzat"], "Witness K", SETUP, "t")
    before = _rows(app)
    with app.app_context(), get_db(app).session() as s:
        good = ("good", validate_act(_act(slug="good-one"), "good"))
        bad = ("bad", validate_act(_act(**changes), "bad"))
        with pytest.raises(IngestError) as caught:
            save_acts(s, queries.get_case(s, CASE), [good, bad], CLI, "cli")
    assert caught.value.field == field
    assert caught.value.source == "bad"
    assert _rows(app) == before


def test_only_custodians_record_acts(app, acts_case, make_user):
    from archive.auth.users import create_user

    with app.app_context(), get_db(app).session() as s:
        researcher = create_user(s, "r-acts", "correct horse battery staple", "researcher", CLI, "cli")
        with pytest.raises(NotPermitted):
            save_acts(s, queries.get_case(s, CASE), [("t", validate_act(_act(), "t"))], researcher, "web")


# -- reading as each reader --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_reader_sees_the_acts_of_the_sources_they_may_open_and_only_those_sources(app, acts_case, make_user, role):
    client = _client(app, make_user, role)
    data = client.get(f"/api/v1/cases/{CASE}/acts").get_json()
    assert {a["slug"] for a in data["acts"]} == SEES[role]
    beatings = next(a for a in data["acts"] if a["slug"] == "argun-beatings")
    titles = {s["title"] for s in beatings["sources"]}
    assert ("Researchers' testimony" in titles) == (role != "anonymous")
    assert beatings["corroboration"]["documents"] == (1 if role == "anonymous" else 2)
    page = client.get(f"/cases/{CASE}/acts").text
    for slug, act_id in acts_case["acts"].items():
        shown = client.get(f"/acts/{act_id}")
        api = client.get(f"/api/v1/acts/{act_id}")
        assert (shown.status_code, api.status_code) == ((200, 200) if slug in SEES[role] else (404, 404))
    # nothing of a hidden act anywhere: not its summary, its unit, its place, its count
    if role != "custodian":
        for text in (page, json.dumps(data, ensure_ascii=False), client.get(f"/cases/{CASE}").text):
            assert "Kurchaloy" not in text
            assert "act=death_in_custody" not in text  # no row of the counts
            assert '"death_in_custody"' not in text.replace('value="death_in_custody"', "")


@pytest.mark.parametrize("role", ROLES)
def test_counts_by_type_add_up_only_what_the_reader_sees(app, acts_case, make_user, role):
    client = _client(app, make_user, role)
    counts = {c["type"]: c for c in client.get(f"/api/v1/cases/{CASE}/acts").get_json()["counts"]}
    expected = {"arbitrary_detention", "torture"} | ({"threats"} if role != "anonymous" else set())
    expected |= {"death_in_custody"} if role == "custodian" else set()
    assert set(counts) == expected
    assert counts["arbitrary_detention"] == {
        "type": "arbitrary_detention",
        "violation": True,
        "acts": 1,
        "people_at_least": 12,
        "people_summed_over_acts": 12,
        "documents": 1,
        "independent_sources": 1,
        "disputing_documents": 0,
    }
    assert counts["torture"]["independent_sources"] == (1 if role == "anonymous" else 2)


def test_the_case_page_shows_the_counts_with_their_corroboration(app, acts_case):
    page = app.test_client().get(f"/cases/{CASE}").text
    assert "Acts recorded" in page
    assert "arbitrary detention" in page and "torture or ill-treatment" in page
    assert f"/cases/{CASE}/acts?act=torture" in page


def test_a_victim_known_as_a_person_is_shown_by_pseudonym_only(app, acts_case, add_acts, make_user):
    names = ["Ruslan Tsakaev", "Руслан Цакаев", "Rusik"]
    with app.app_context(), get_db(app).session() as s:
        protect_identity(s, queries.get_case(s, CASE), names, "Witness R", SETUP, "t")
    add_acts(_act(slug="witness-r-held", victims=[{"person": "Witness R"}, {"count": 3, "who": "others"}]))
    for role in ROLES:
        client = _client(app, make_user, role)
        act = next(
            a for a in client.get(f"/api/v1/cases/{CASE}/acts").get_json()["acts"] if a["slug"] == "witness-r-held"
        )
        assert act["victims"] == [{"person": "Witness R"}, {"count": 3, "who": "others"}]
        assert act["people"] == 4
        for text in (json.dumps(act, ensure_ascii=False), client.get(f"/acts/{act['id']}").text):
            assert "Witness R" in text
            assert not any(part.lower() in text.lower() for n in names for part in n.split())


def test_a_name_protected_after_the_act_was_written_is_replaced_in_it(app, acts_case, add_acts):
    add_acts(
        _act(
            slug="zelimkhan-held",
            summary="The man they call Zelimkhanchik held",
            victims=[{"count": 1, "who": "the man called Zelimkhanchik"}],
            perpetrators=[{"name": "Unit of Zelimkhanchik's uncle", "kind": "group"}],
        )
    )
    with app.app_context(), get_db(app).session() as s:
        protect_identity(s, queries.get_case(s, CASE), ["Zelimkhanchik"], "Witness Z", SETUP, "t")
    text = app.test_client().get(f"/api/v1/cases/{CASE}/acts").text
    assert "Zelimkhanchik" not in text
    assert "Witness Z" in text


def test_an_excerpt_follows_its_document_when_a_name_is_protected_later(app, make_document, add_acts):
    make_document(slug="later", body="Police held Beslanchik in Argun.\n")
    add_acts(_act(slug="later-act", sources=[{"document": "later", "excerpt": "Police held Beslanchik in Argun."}]))
    with app.app_context(), get_db(app).session() as s:
        protect_identity(s, queries.get_case(s, CASE), ["Beslanchik"], "Witness B", SETUP, "t")
        source = s.scalar(select(ActSource))
        assert "Beslanchik" not in source.excerpt
        assert "Witness B" in source.excerpt
        assert source.excerpt in source.document.body_public


# -- filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_timeline_filters_by_act_type_and_perpetrator_without_telling_of_hidden_acts(
    app, acts_case, make_user, role
):
    client = _client(app, make_user, role)

    def titles(**args) -> set[str]:
        return {e["title"] for e in client.get("/api/v1/timeline", query_string=args).get_json()["items"]}

    assert titles(act="torture") == {"Men held in Argun"}
    assert titles(perpetrator="argun POLICE") == {"Men held in Argun"}
    assert titles(act="threats") == set()  # the threats act belongs to no entry
    # the custodians' event and act: only a custodian finds the entry by the act
    assert titles(act="death_in_custody") == ({"Men held at a base"} if role == "custodian" else set())
    assert titles(perpetrator="Kurchaloy") == ({"Men held at a base"} if role == "custodian" else set())
    assert client.get("/api/v1/timeline", query_string={"act": "made_up"}).status_code == 400
    page = client.get("/timeline", query_string={"act": "torture"}).text
    assert "Men held in Argun" in page and "Men held at a base" not in page


@pytest.mark.parametrize("role", ROLES)
def test_search_narrows_to_the_sources_of_acts_the_reader_may_see(app, acts_case, make_user, role):
    from archive.search.indexing import reindex

    with app.app_context(), get_db(app).session() as s:
        reindex(s, app.extensions["archive.search"], CLI)
    client = _client(app, make_user, role)

    def found(**args) -> set[str]:
        return {h["title"] for h in client.get("/api/v1/search", query_string=args).get_json()["items"]}

    assert found(act="arbitrary_detention") == {"Public report"}
    assert found(act="torture") == (
        {"Public report"} if role == "anonymous" else {"Public report", "Researchers' testimony"}
    )
    assert found(act="threats") == (set() if role == "anonymous" else {"Researchers' testimony"})
    assert found(act="death_in_custody") == ({"Custodians' testimony"} if role == "custodian" else set())
    assert found(perpetrator="garrison") == ({"Custodians' testimony"} if role == "custodian" else set())
    assert found(act="torture", q="week") == (set() if role == "anonymous" else {"Researchers' testimony"})
    page = client.get("/search", query_string={"act": "torture"}).text
    assert "Only documents supporting an act of" in page
    assert client.get("/search", query_string={"act": "nonsense"}).status_code == 400


def test_the_same_reads_as_use_cases(app, acts_case, make_user):
    with app.app_context(), get_db(app).session() as s:
        items = visible_acts(s, None, ActFilters(case=CASE))
        assert [i.act.slug for i in items] == ["argun-detentions", "argun-beatings"]
        assert [c.act_type for c in count_by_type(s, None, items)] == ["arbitrary_detention", "torture"]
        assert documents_of_acts(s, None, ActFilters(case=CASE, perpetrator="garrison")) == set()
        custodian = s.scalar(select(User).where(User.username == make_user("custodian", "keeper")))
        assert documents_of_acts(s, custodian, ActFilters(case=CASE, perpetrator="garrison")) == {
            acts_case["docs"]["custodians"]
        }


# -- the API for custodians --------------------------------------------------------------------


def test_a_custodian_records_replaces_and_removes_an_act_through_the_api(app, acts_case, make_user):
    client = _client(app, make_user, "custodian")
    token = {"X-CSRFToken": csrf_token(client.get("/login").text)}
    body = _act(slug="via-api", victims=[{"count": 5, "who": "men"}])
    created = client.post("/api/v1/acts", json=body, headers=token)
    assert created.status_code == 201, created.text
    act_id = created.get_json()["id"]
    replaced = client.post("/api/v1/acts", json={**body, "summary": "Five men held"}, headers=token)
    assert replaced.status_code == 201 and replaced.get_json()["id"] == act_id
    assert replaced.get_json()["summary"] == "Five men held"
    refused = client.post("/api/v1/acts", json={**body, "type": "nonsense"}, headers=token)
    assert refused.status_code == 400 and "type" in refused.text
    assert client.delete(f"/api/v1/acts/{act_id}", headers=token).status_code == 204
    assert client.get(f"/api/v1/acts/{act_id}").status_code == 404
    with app.app_context(), get_db(app).session() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.object_type == "act"))]
    assert actions.count("act.create") >= 5 and {"act.edit", "act.remove"} <= set(actions)


# -- the sample case ---------------------------------------------------------------------------


def test_the_sample_case_counts_its_acts_with_their_corroboration(corpus_app):
    counts = {
        c["type"]: c for c in corpus_app.test_client().get("/api/v1/cases/chechnya-2017/acts").get_json()["counts"]
    }
    people = {t: c["people_at_least"] for t, c in counts.items()}
    assert people == {
        "arbitrary_detention": 52,
        "torture": 52,
        "killing": 2,
        "death_in_custody": 1,
        "forced_outing": 0,
        "incitement": 0,
        "sought_help": 75,
        "evacuation": 22,
    }
    # the hotline's figures: an article and its Russian summary are one source (the Network)
    assert (counts["sought_help"]["documents"], counts["sought_help"]["independent_sources"]) == (2, 1)
    # the evacuation: both articles and a Russian summary of one of them: two sources
    assert (counts["evacuation"]["documents"], counts["evacuation"]["independent_sources"]) == (3, 2)
    assert counts["arbitrary_detention"]["disputing_documents"] == 2
    assert all(c["independent_sources"] <= c["documents"] for c in counts.values())
    assert not counts["sought_help"]["violation"] and counts["killing"]["violation"]


def test_the_sample_case_acts_page_reads_in_russian(corpus_app):
    client = corpus_app.test_client()
    client.get("/language/ru")
    page = client.get("/cases/chechnya-2017/acts").text
    assert "произвольное задержание" in page.lower()
