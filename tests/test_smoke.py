from tests.factories import create_api_key, create_identifier, create_party


def test_resolve_over_http(client, db):
    with db.transaction() as s:
        ident = create_identifier(s)
        other = create_party(s)
        _, owner_token = create_api_key(s, party=s.get(type(other), ident.owner_party_id))
        _, other_token = create_api_key(s, party=other)
    prefix, suffix = ident.handle.split("/")
    r = client.get(
        f"/api/v1/identifiers/{prefix}/{suffix}", headers={"Authorization": f"Bearer {owner_token}"}
    )
    assert r.status_code == 200, r.text
    assert len(r.json()["fields"]) == 2
    r = client.get(
        f"/api/v1/identifiers/{prefix}/{suffix}", headers={"Authorization": f"Bearer {other_token}"}
    )
    assert r.json()["withheld"] == 1
