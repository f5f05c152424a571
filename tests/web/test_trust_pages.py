"""Console pages of the trust layer without a browser: the ledger's head and entries with their
checked proofs, consent grants given through the form and revoked, the grantee's resolution with
a purpose, and the owner's access history. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from importlib.resources import files

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import update

from chanrong import clock
from chanrong.consent import service as consent
from chanrong.db import Database
from chanrong.ledger import merkle, signing
from chanrong.ledger import service as ledger
from chanrong.ledger.keys import signer
from chanrong.ledger.models import LedgerNode
from chanrong.ledger.pages import EVENTS
from chanrong.money import format_cny, format_cny_en
from chanrong.parties.models import Party
from chanrong.web.i18n import LABELS, translate
from tests import factories
from tests.web.conftest import HTML, HTMX, log_in, text_of

HANDLE = factories.DEVICE_HANDLE
PRICE_FEN = factories.DEVICE_PRICE_FEN
PRICE_EN = format_cny_en(PRICE_FEN)


@dataclass(frozen=True)
class World:
    owner_id: int
    bank_id: int
    other_id: int


@pytest.fixture
def world(db: Database) -> World:
    """An enterprise owning an identifier with a protected price (an admin and a read-only user),
    a bank, and an unrelated enterprise, each with a console user."""
    with db.transaction() as s:
        owner, _prefix = factories.create_device_owner(s)
        factories.create_user(
            s, owner, username="owner-viewer", display_name="赵查看", roles=["viewer"]
        )
        bank = factories.create_party(s, kind="institution", name="宁波通商银行")
        factories.create_user(s, bank, username="banker", display_name="陈经理")
        other = factories.create_party(s, name="苏州华纺织造有限公司", province="32")
        factories.create_user(s, other, username="other", display_name="李采购")
        return World(owner.id, bank.id, other.id)


def part(html: str, element_id: str) -> str:
    """The HTML inside the element with ``element_id``, up to the end of its section or table."""
    found = html.split(f'id="{element_id}"', 1)
    assert len(found) == 2, f"no #{element_id}"
    return re.split(r"</section>|</table>", found[1].split(">", 1)[1], maxsplit=1)[0]


def grant_form(bank_id: int, **overrides: object) -> dict[str, object]:
    """The grant form as the browser sends it: the bank may see protected fields for credit."""
    form: dict[str, object] = {
        "recipient_party_id": str(bank_id),
        "scope": "identifier_records",
        "purpose": "credit_assessment",
        "expires_on": (clock.today() + timedelta(days=90)).isoformat(),
        "objects": HANDLE,
    }
    form.update(overrides)
    return form


def give_through_form(client: TestClient, world: World, **overrides: object) -> int:
    """Log the owner in and give the bank a grant through the form; returns the grant id."""
    log_in(client, "owner")
    answer = client.post("/consent/grants", data=grant_form(world.bank_id, **overrides),
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/consent\?given=(\d+)#grants-given", answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


def resolve(client: TestClient, purpose: str = "") -> str:
    """The resolver fragment for HANDLE as htmx asks for it."""
    answer = client.get(
        "/identifiers/resolve", params={"handle": HANDLE, "purpose": purpose}, headers=HTMX
    )
    assert answer.status_code == 200
    return answer.text


# ledger ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ledger_page_shows_the_signed_head_key_and_recent_entries(
    client: TestClient, db: Database, world: World, lang: str
) -> None:
    log_in(client, "other", lang=lang)
    answer = client.get("/ledger")
    assert answer.status_code == 200
    html = answer.text
    with db.transaction() as s:
        head = ledger.latest_head(s)
    root = base64.b64decode(head["sha256_root_hash"])
    assert re.search(rf'id="tree-size">{head["tree_size"]}<', html)
    assert f'id="root-hex">{root.hex()}<' in html
    assert head["sha256_root_hash"] in html
    assert head["tree_head_signature"] in html
    checkpoint = unescape(part(html, "checkpoint").split("</pre>", 1)[0])
    key = signer()
    assert signing.verify_checkpoint(key.key.public_key(), key.name, checkpoint) == (
        key.origin, head["tree_size"], root,
    )  # fmt: skip
    assert "-----BEGIN PUBLIC KEY-----" in html
    assert key.verifier_key in html
    assert "chanrong ledger export --out ledger-export" in html
    assert "chanrong ledger verify ledger-export" in html
    text = text_of(html)
    for label in ["ledger", "signed_tree_head", "public_key", "verify_offline", "recent_entries",
                  "event_party_registered", "event_identifier_registered", "event_user_created"]:  # fmt: skip
        assert translate(label, lang) in text, label
    assert translate("signed_tree_head", "en" if lang == "zh" else "zh") not in text
    assert 'href="/ledger" class="active" aria-current="page"' in html
    # newest first, each linking to its entry page, with the acting party's name
    seqs = [int(s) for s in re.findall(r'<tr data-seq="(\d+)">', html)]
    assert seqs == sorted(seqs, reverse=True) and seqs[0] == head["tree_size"] - 1
    assert f'href="/ledger/entries/{seqs[0]}"' in html
    assert f'<a href="/identifiers?handle={HANDLE}"><code>{HANDLE}</code></a>' in html
    assert translate("system_actor", lang) in text  # the factories act as the system


def test_ledger_entries_page_and_filter_by_event(
    client: TestClient, db: Database, world: World
) -> None:
    with db.transaction() as s:
        for _ in range(30):
            factories.create_party(s)
        size = ledger.tree_size(s)
    log_in(client, "owner", lang="en")
    first = client.get("/ledger").text
    assert len(re.findall(r"<tr data-seq=", first)) == 25
    assert f"{size} entries" in text_of(first)
    assert 'href="/ledger?offset=25"' in first
    second = client.get("/ledger?offset=25").text
    seqs = [int(s) for s in re.findall(r'<tr data-seq="(\d+)">', second)]
    assert seqs == list(range(size - 26, max(size - 51, -1), -1))
    only = client.get("/ledger", params={"event": "identifier.registered"}).text
    assert re.findall(r'data-event="([a-z_.]+)"', only) == ["identifier.registered"]
    assert '<option value="identifier.registered" selected>' in only
    assert "1 entries" in text_of(only)
    parties = client.get("/ledger", params={"event": "party.registered"}).text
    assert 'href="/ledger?event=party.registered&amp;offset=25"' in parties


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_entry_page_shows_the_canonical_json_leaf_hash_and_a_verified_proof(
    client: TestClient, db: Database, world: World, lang: str
) -> None:
    with db.transaction() as s:
        row = ledger.entries(s, event="identifier.registered")[0]
        seq, body, leaf = row.seq, row.body, row.leaf_hash
        size = ledger.tree_size(s)
        proof = ledger.inclusion_proof(s, seq, size)
    log_in(client, "other", lang=lang)
    answer = client.get(f"/ledger/entries/{seq}")
    assert answer.status_code == 200
    html = answer.text
    assert 'id="proof-status" data-verified="true"' in html
    assert translate("verified", lang) in html
    assert translate("verified_detail", lang) in text_of(html)
    assert translate("event_identifier_registered", lang) in html
    canonical = part(html, "canonical-json").split("</pre>", 1)[0]
    assert unescape(canonical) == body
    assert leaf.hex() in html and base64.b64encode(leaf).decode() in html
    assert merkle.leaf_hash(body.encode()) == leaf
    assert len(proof) >= 3
    shown = re.findall(r'<code class="hash" title="[^"]+">([0-9a-f]{64})</code>', html)
    assert shown == [h.hex() for h in proof]
    assert re.search(rf'id="proof-tree-size">{size}<', html)
    # the protected record is logged as a salted digest only
    assert "payload_digest" in body and str(PRICE_FEN) not in html
    assert 'id="confidential-note"' in html
    # the browser's own check gets what it needs
    assert f'data-seq="{seq}" data-size="{size}"' in html
    assert "data-proof-check" in html and "/static/js/console.js" in html


def test_check_inclusion_refuses_a_corrupted_proof_entry_or_head(
    db: Database, world: World
) -> None:
    with db.transaction() as s:
        proven = ledger.proven_entry(s, 1)
    row, head, proof = proven.entry, proven.head, proven.proof
    key = signer().key.public_key()
    assert proven.verified and proven.problem is None
    assert ledger.check_inclusion(row.body, row.leaf_hash, 1, proof, head, key) is None

    flipped = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
    problem = ledger.check_inclusion(row.body, row.leaf_hash, 1, flipped, head, key)
    assert problem == "inclusion proof: inclusion proof leads to a different root"
    shorter = ledger.check_inclusion(row.body, row.leaf_hash, 1, proof[:-1], head, key)
    assert shorter is not None and shorter.startswith("inclusion proof:")
    wrong_place = ledger.check_inclusion(row.body, row.leaf_hash, 0, proof, head, key)
    assert wrong_place is not None and wrong_place.startswith("inclusion proof:")

    tampered = json.loads(row.body)
    tampered["subject"] = "party:someone-else"
    assert ledger.check_inclusion(json.dumps(tampered), row.leaf_hash, 1, proof, head, key) == (
        "the entry does not hash to its leaf hash"
    )
    assert ledger.check_inclusion("not json", row.leaf_hash, 1, proof, head, key).startswith(
        "entry is not JSON"
    )
    forged_root = {**head, "sha256_root_hash": base64.b64encode(bytes(32)).decode()}
    assert ledger.check_inclusion(row.body, row.leaf_hash, 1, proof, forged_root, key) == (
        "signed tree head: tree head signature does not verify with this key"
    )
    stranger = Ed25519PrivateKey.generate().public_key()
    problem = ledger.check_inclusion(row.body, row.leaf_hash, 1, proof, head, stranger)
    assert problem is not None and problem.startswith("signed tree head:")


def test_entry_page_shows_the_failure_when_a_stored_proof_node_is_wrong(
    client: TestClient, db: Database, world: World
) -> None:
    with db.transaction() as s:  # entry 0's proof starts with the hash of leaf 1, as stored
        s.execute(
            update(LedgerNode)
            .where(LedgerNode.level == 0, LedgerNode.idx == 1)
            .values(hash=bytes(32))
        )
    log_in(client, "owner", lang="en")
    html = client.get("/ledger/entries/0").text
    assert 'id="proof-status" data-verified="false"' in html
    assert "Not verified ✗" in html
    assert "inclusion proof leads to a different root" in html
    assert 'data-verified="true"' not in html


def test_unknown_entries_are_error_pages(client: TestClient, world: World) -> None:
    log_in(client, "owner", lang="en")
    missing = client.get("/ledger/entries/99999", headers=HTML)
    assert missing.status_code == 404
    assert 'id="error-page"' in missing.text and "no log entry 99999" in missing.text
    assert client.get("/ledger/entries/-1", headers=HTML).status_code == 422
    assert client.get(f"/ledger/entries/{2**70}", headers=HTML).status_code == 422


# consent --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_consent_page_renders_the_form_and_empty_tables_in_both_languages(
    client: TestClient, world: World, lang: str
) -> None:
    log_in(client, "owner", lang=lang)
    answer = client.get("/consent")
    assert answer.status_code == 200
    html = answer.text
    text = text_of(html)
    for label in ["consent", "give_grant", "recipient", "scope", "purpose", "expires_on",
                  "derived_only", "grants_given", "grants_received", "access_history", "my_reads",
                  "no_grants_given", "no_grants_received", "no_accesses"]:  # fmt: skip
        assert translate(label, lang) in text, label
    assert 'href="/consent" class="active" aria-current="page"' in html
    form = part(html, "grant-form")
    assert f'<option value="{world.bank_id}" >宁波通商银行</option>' in form
    assert f'<option value="{world.other_id}" >' in form
    assert f'<option value="{world.owner_id}"' not in form  # no grant to oneself
    scope = "标识受保护字段" if lang == "zh" else "Protected identifier fields"
    purpose = "授信评估" if lang == "zh" else "Credit assessment"
    assert f'<option value="identifier_records" selected>{scope}</option>' in form
    assert f'<option value="credit_assessment" selected>{purpose}</option>' in form
    assert 'id="chart-reads"' not in html  # nothing read yet: no empty chart


def test_a_read_only_user_sees_no_grant_form(client: TestClient, world: World) -> None:
    log_in(client, "owner-viewer")
    html = client.get("/consent").text
    assert 'id="grant-form"' not in html
    assert "您的角色为只读" in html


def test_giving_a_grant_through_the_form_creates_it_and_logs_it(
    client: TestClient, db: Database, world: World
) -> None:
    with db.transaction() as s:
        before = ledger.tree_size(s)
    grant_id = give_through_form(client, world, derived_only="true")
    with db.transaction() as s:
        owner = factories.principal_of(s.get(Party, world.owner_id))
        grant = consent.grant_visible(s, actor=owner, grant_id=grant_id)
        assert (grant.recipient_party_id, grant.scope, grant.purpose, grant.objects) == (
            world.bank_id, "identifier_records", "credit_assessment", [HANDLE],
        )  # fmt: skip
        assert grant.derived_only is True
        expires = grant.expires_at.astimezone(clock.BUSINESS_TZ)
        assert (expires.date(), expires.hour, expires.minute) == (
            clock.today() + timedelta(days=90), 23, 59,
        )  # fmt: skip
        assert ledger.tree_size(s) == before + 1
        entry = ledger.entry(s, grant.ledger_seq)
        assert entry.event == "grant.given" and entry.actor_party_id == world.owner_id

    html = client.get(f"/consent?given={grant_id}").text
    assert f'href="/ledger/entries/{grant.ledger_seq}"' in part(html, "grant-notice")
    row = text_of(part(html, "given-table").split(f'data-grant="{grant_id}"', 1)[1])
    for shown in ["宁波通商银行", "标识受保护字段", "授信评估", HANDLE, "仅派生指标", "有效",
                  (clock.today() + timedelta(days=90)).isoformat() + " 23:59"]:  # fmt: skip
        assert shown in row, shown
    assert f'id="revoke-{grant_id}"' in html
    assert re.search(r'id="stat-live-given">1<', html)

    log_in(client, "banker", lang="en")
    theirs = client.get("/consent").text
    received = text_of(part(theirs, "received-table"))
    for shown in ["宁波精工模具有限公司", "Protected identifier fields", "Credit assessment",
                  "Derived indicators only", "Active"]:  # fmt: skip
        assert shown in received, shown
    assert f'id="revoke-{grant_id}"' not in theirs
    assert re.search(r'id="stat-live-received">1<', theirs)
    ledger_page = client.get(f"/ledger/entries/{grant.ledger_seq}").text
    assert "Grant given" in ledger_page and 'data-verified="true"' in ledger_page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"expires_on": "2020-01-01"}, "expires_at must be in the future"),
        ({"expires_on": "not-a-date"}, "expires_on must be a date (YYYY-MM-DD)"),
        ({"recipient_party_id": ""}, "choose the party to grant to"),
        ({"purpose": "marketing"}, "purpose must be one of"),
        ({"recipient_party_id": "999999"}, "No party with id 999999."),
    ],
)
def test_a_refused_grant_comes_back_in_the_form_and_logs_nothing(
    client: TestClient, db: Database, world: World, overrides: dict[str, str], message: str
) -> None:
    with db.transaction() as s:
        before = ledger.tree_size(s)
    log_in(client, "owner", lang="en")
    answer = client.post("/consent/grants", data=grant_form(world.bank_id, **overrides))
    assert answer.status_code in (404, 422)
    assert message in part(answer.text, "grant-error")
    assert f">{HANDLE}</textarea>" in answer.text  # what was typed is kept
    assert "No grants given yet" in answer.text
    with db.transaction() as s:
        assert ledger.tree_size(s) == before


def test_granting_to_oneself_is_refused_in_the_form(client: TestClient, world: World) -> None:
    log_in(client, "owner", lang="en")
    answer = client.post("/consent/grants", data=grant_form(world.owner_id))
    assert answer.status_code == 422
    assert "a party needs no grant for its own data" in part(answer.text, "grant-error")


def test_revoke_works_for_the_owner_only(client: TestClient, db: Database, world: World) -> None:
    grant_id = give_through_form(client, world)
    for username, status in [("banker", 403), ("other", 404), ("owner-viewer", 403)]:
        log_in(client, username, lang="en")
        refused = client.post(f"/consent/grants/{grant_id}/revoke", headers=HTML)
        assert refused.status_code == status, username
        assert 'id="error-page"' in refused.text
    log_in(client, "banker")
    assert f'id="revoke-{grant_id}"' not in client.get("/consent").text
    resolved = resolve(client, "credit_assessment")
    assert 'data-field="purchase_price"' in resolved  # still live after the refused revocations

    log_in(client, "owner")
    answer = client.post(f"/consent/grants/{grant_id}/revoke", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/consent?revoked={grant_id}#grants-given"
    html = client.get(answer.headers["location"]).text
    assert f"授权 #{grant_id} 已撤销" in html
    row = part(html, "given-table").split(f'data-grant="{grant_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-status="revoked"' in row and "已撤销" in row
    assert f'id="revoke-{grant_id}"' not in html
    with db.transaction() as s:
        assert ledger.recent_entries(s, limit=1)[0][0].event == "grant.revoked"
    again = client.post(f"/consent/grants/{grant_id}/revoke", headers=HTML)
    assert again.status_code == 409
    assert 'id="error-page"' in again.text


def test_expired_grants_show_as_expired(client: TestClient, world: World) -> None:
    with clock.frozen(clock.now() - timedelta(days=3)):  # given three days ago, for that day
        grant_id = give_through_form(client, world, expires_on=clock.today().isoformat())
    log_in(client, "owner")
    html = client.get("/consent").text
    row = part(html, "given-table").split(f'data-grant="{grant_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-status="expired"' in row and "已过期" in row
    assert f'id="revoke-{grant_id}"' not in row


# the resolver with a purpose, and the access history -------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_resolver_offers_the_purposes(client: TestClient, world: World, lang: str) -> None:
    log_in(client, "banker", lang=lang)
    html = client.get("/identifiers", params={"handle": HANDLE, "purpose": "risk_monitoring"}).text
    assert f'<option value="">{translate("purpose_none", lang)}</option>' in html
    label = "风险监测" if lang == "zh" else "Risk monitoring"
    assert f'<option value="risk_monitoring" selected>{label}</option>' in html
    assert 'id="resolution-error"' in html  # a purpose without a grant: refused in place
    answer = client.get(
        "/identifiers/resolve",
        params={"handle": HANDLE, "purpose": "risk_monitoring"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == f"/identifiers?handle={HANDLE}&purpose=risk_monitoring"


def test_without_a_grant_a_purpose_is_refused_in_place(client: TestClient, world: World) -> None:
    log_in(client, "banker", lang="en")
    plain = resolve(client)
    assert 'id="withheld"' in plain and 'data-field="purchase_price"' not in plain
    refused = resolve(client, "credit_assessment")
    assert "<html" not in refused
    error = text_of(part(refused, "resolution-error"))
    assert error.startswith("Not allowed: No live grant from party")
    assert "ask the owner to give your party a grant" in error
    assert PRICE_EN not in refused and 'data-field="purchase_price"' not in refused


def test_a_grantee_sees_protected_fields_and_the_owner_sees_the_access(
    client: TestClient, db: Database, world: World
) -> None:
    grant_id = give_through_form(client, world)
    log_in(client, "banker")
    html = resolve(client, "credit_assessment")
    assert 'data-field="purchase_price"' in html
    assert format_cny(PRICE_FEN) in html
    assert 'id="withheld"' not in html
    found = re.search(r'href="/ledger/entries/(\d+)" id="access-ledger-link"', html)
    assert found
    seq = int(found.group(1))
    assert f"您依据授权 #{grant_id} 查看了受保护字段" in text_of(html)
    with db.transaction() as s:
        entry = ledger.entry(s, seq)
        assert (entry.event, entry.subject, entry.actor_party_id) == (
            "data.accessed", HANDLE, world.bank_id,
        )  # fmt: skip
    entry_page = client.get(f"/ledger/entries/{seq}").text
    assert "数据被查阅" in entry_page and 'data-verified="true"' in entry_page

    mine = client.get("/consent").text  # the bank's own reads
    reads = part(mine, "reads-table")
    assert f'data-grant="{grant_id}" data-seq="{seq}"' in reads
    assert "宁波精工模具有限公司" in reads and HANDLE in reads

    log_in(client, "owner", lang="en")
    page = client.get("/consent").text
    history = part(page, "history-table")
    row = text_of(history.split(f'data-seq="{seq}"', 1)[1].split("</tr>", 1)[0])
    for shown in ["宁波通商银行", HANDLE, "Protected identifier fields", "Credit assessment",
                  "Raw data", f"#{grant_id}", f"#{seq}"]:  # fmt: skip
        assert shown in row, shown
    assert f'href="/ledger/entries/{seq}" class="ledger-link"' in history
    assert re.search(r'id="stat-reads">1<', page)
    series = json.loads(unescape(re.search(r"id=\"chart-reads\"[^>]*data-series='([^']*)'",
                                           page).group(1)))  # fmt: skip
    assert len(series) == 30 and series[-1] == {
        "name": clock.today().strftime("%m-%d"), "value": 1,
    }  # fmt: skip
    assert sum(p["value"] for p in series) == 1


def test_after_revocation_the_grantee_is_refused(client: TestClient, world: World) -> None:
    grant_id = give_through_form(client, world)
    client.post(f"/consent/grants/{grant_id}/revoke")
    log_in(client, "banker", lang="en")
    refused = resolve(client, "credit_assessment")
    assert (
        'id="resolution-error"' in refused
        and PRICE_EN not in refused
        and 'data-field="purchase_price"' not in refused
    )


def test_a_derived_only_grant_does_not_show_raw_fields(client: TestClient, world: World) -> None:
    give_through_form(client, world, derived_only="true")
    log_in(client, "banker", lang="en")
    refused = resolve(client, "credit_assessment")
    error = text_of(part(refused, "resolution-error"))
    assert "derived indicators only" in error
    assert PRICE_EN not in refused and 'data-field="purchase_price"' not in refused


def test_the_owner_resolving_with_a_purpose_is_not_audited(
    client: TestClient, db: Database, world: World
) -> None:
    with db.transaction() as s:
        before = ledger.tree_size(s)
    log_in(client, "owner")
    html = resolve(client, "credit_assessment")
    assert format_cny(PRICE_FEN) in html and 'id="access-audit"' not in html
    with db.transaction() as s:
        assert ledger.tree_size(s) == before


# shell ----------------------------------------------------------------------------------------


def test_trust_pages_need_a_login(client: TestClient, world: World) -> None:
    for path in ["/ledger", "/ledger/entries/0", "/consent"]:
        answer = client.get(path, headers=HTML, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/login?next={path}"
    answer = client.post("/consent/grants", data=grant_form(world.bank_id), headers=HTML,
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_nav_links_and_no_external_resources(client: TestClient, world: World) -> None:
    log_in(client, "owner")
    for path in ["/ledger", "/ledger/entries/0", "/consent", "/identifiers"]:
        html = client.get(path).text
        nav = html.split("<nav", 1)[1].split("</nav>", 1)[0]
        assert "账本" in nav and "数据授权" in nav
        assert not re.search(r'(src|href)="(https?:)?//', html), path


def test_every_trust_label_exists_in_both_languages() -> None:
    templates = files("chanrong") / "web" / "templates"
    used: set[str] = set()
    for folder in ["ledger", "consent", "identifiers"]:
        for template in (templates / folder).iterdir():
            if template.name.endswith(".html"):
                used |= set(re.findall(r"\bt\('([a-z0-9_]+)'[,)]", template.read_text("utf-8")))
    used |= {"event_" + name.replace(".", "_") for name in EVENTS}  # t('event_' ~ name)
    used |= {f"grant_{state}" for state in ("live", "revoked", "expired")}
    used |= {f"kind_{kind}" for kind in ("raw", "derived")}
    missing = sorted(used - set(LABELS))
    assert not missing, f"labels used in templates but not defined: {missing}"
    for key in used:
        zh, en = LABELS[key]
        assert zh.strip() and en.strip(), key
