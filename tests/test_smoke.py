def test_home_lists_the_case(corpus_app):
    response = corpus_app.test_client().get("/")
    assert response.status_code == 200
    assert "Persecution of gay men in Chechnya" in response.text
