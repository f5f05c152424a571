"""The application shell: OpenAPI, health, and the one problem+json error path."""

from __future__ import annotations

from tests.factories import create_api_key


def test_openapi_and_docs_are_served(client) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/identifiers/{prefix}/{suffix}" in spec["paths"]
    assert "/api/v1/parties" in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_health(client) -> None:
    assert client.get("/healthz").json()["status"] == "ok"


def test_unknown_api_path_is_problem_json(client) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["type"] == "urn:chanrong:problem:http-404"


def test_missing_credentials_are_401_problem(client) -> None:
    response = client.get("/api/v1/parties/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:chanrong:problem:bad-credentials"


def test_schema_validation_names_field_and_rule(client, db) -> None:
    with db.transaction() as session:
        _, token = create_api_key(session)
    response = client.post(
        "/api/v1/identifiers",
        json={"handle": "88.1.1/X", "fields": []},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [(e["field"], e["rule"]) for e in errors] == [("object_type", "missing")]


def test_static_assets_are_vendored(client) -> None:
    assert client.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200
    assert client.get("/static/vendor/echarts-5.6.0.min.js").status_code == 200


def test_a_started_app_freezes_its_long_lived_objects(db, settings) -> None:
    import gc

    from fastapi.testclient import TestClient

    from chanrong.app import create_app

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        with TestClient(create_app(settings, database=db)) as started:
            assert started.get("/healthz").status_code == 200
            # the collector's full passes no longer walk the app's modules, routes and mappers
            assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
