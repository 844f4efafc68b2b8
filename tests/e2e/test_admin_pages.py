"""The school administration pages over real HTTP, as a browser without JavaScript uses them:
an admin of ``hill`` makes accounts, hands out codes, imports rosters, and sees nothing of
another school."""

from __future__ import annotations

import html
import re
import time
from typing import Any

import httpx
import psycopg

from quizflow.accounts import admin
from quizflow.accounts.roster_import import school_student_id
from quizflow.app.web.accounts import ACCOUNTS_GROUP
from quizflow.eventstore import Cursor
from quizflow.quiz import account_stream_id

Site = Any  # the `site` fixture of tests/e2e/conftest.py

NEW_PASSWORD = "purple tiger eats soup daily"


def signed_in(site: Site, user: str) -> httpx.Client:
    client = httpx.Client(base_url=site.url, follow_redirects=True, timeout=20)
    form = site.hidden_fields(client.get("/signin").text, "/signin")
    page = client.post("/signin", data={**form, "username": user, "password": site.password})
    assert page.status_code == 200, page.text
    return client


def submit(
    site: Site, client: httpx.Client, page_path: str, action: str, **fields: str
) -> httpx.Response:
    """Post the form of ``page_path`` that goes to ``action``, with its CSRF token."""
    form = site.hidden_fields(client.get(page_path).text, action)
    return client.post(action, data={**form, **fields})


def upload(
    site: Site,
    client: httpx.Client,
    csv: str | bytes,
    dry_run: bool = False,
    name: str = "roster.csv",
) -> httpx.Response:
    form = site.hidden_fields(client.get("/admin/import").text, "/admin/import")
    data = {**form, **({"dry_run": "1"} if dry_run else {})}
    body = csv.encode() if isinstance(csv, str) else csv
    return client.post("/admin/import", data=data, files={"file": (name, body, "text/csv")})


def text(page: httpx.Response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.text))


def summary(page: httpx.Response) -> dict[str, int]:
    return {
        key: int(value)
        for key, value in re.findall(r'<td class="num" id="([a-z-]+)">(\d+)</td>', page.text)
    }


def model_caught_up(site: Site) -> None:
    """The test reads the model directly, so it waits for the whole of what was appended: the
    last event committed, not the store's head, which stays behind it while a transaction of
    another database on the same server is open."""
    with site.store._pool.connection() as conn:
        row = conn.execute(
            "select tx::text::bigint, position from quizflow.events"
            " order by tx desc, position desc limit 1"
        ).fetchone()
    assert row is not None
    assert site.model.wait_for(Cursor(*row), 20.0), "the read model did not catch up"


def wait_until(check: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the read model did not catch up"
        time.sleep(0.02)


ROSTER = """Leerlingnummer;Naam;Klas;E-mail
1001;Anna de Vries;7A;anna@example.org
1002;Bram Bakker;8C;
1003;Anna de Vries;8c;
"""


def test_the_school_page_shows_classes_teachers_counts_and_accounts_by_role(site: Site) -> None:
    page = signed_in(site, "a-ann").get("/admin")
    assert page.status_code == 200
    assert "Hill School" in page.text
    rows = re.findall(
        r"<tr><td><a href=\"/admin/classes/([^\"]+)\">([^<]+)</a></td>\s*"
        r"<td>([^<]+)</td>\s*<td class=\"num\">(\d+)</td></tr>",
        page.text,
    )
    assert rows == [("7a", "Class 7A", "Ms Ada", "2"), ("7b", "Class 7B", "Mr Bo", "1")]
    roles = dict(re.findall(r"<tr><td>(\w+)</td><td class=\"num\">(\d+)</td>", page.text))
    assert roles == {"student": "3", "teacher": "2", "editor": "1", "admin": "1"}
    assert "<script" not in page.text and "style=" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_an_admin_adds_a_class(site: Site) -> None:
    client = signed_in(site, "a-ann")
    page = submit(site, client, "/admin", "/admin/classes", name="7C")
    assert page.status_code == 200 and page.url.path == "/admin/classes/hill-7c"
    assert "<h1>7C</h1>" in page.text and "The class is registered." in page.text
    again = submit(site, client, "/admin", "/admin/classes", name="7c")
    assert again.url.path == "/admin/classes/hill-7c-2"  # ids are never reused
    assert site.model.school_class("hill-7c").school_id == "hill"


def test_an_admin_creates_a_student_whose_code_activates_the_account(site: Site) -> None:
    client = signed_in(site, "a-ann")
    page = submit(
        site,
        client,
        "/admin/classes/7a",
        "/admin/classes/7a/students",
        name="Dana Smith",
        username="",
    )
    assert page.status_code == 200, page.text
    assert "Issue a code" in page.text
    row = re.search(
        r'<tr id="student-(s-[0-9a-f]{12})">\s*<td>Dana Smith</td>\s*'
        r'<td class="mono">dana.smith</td>\s*<td>no</td>',
        page.text,
    )
    assert row, page.text
    dana = row.group(1)

    # The code is shown once, in the answer to the POST; the GET of that address shows none.
    sheet = submit(site, client, "/admin/classes/7a", "/admin/classes/7a/codes", student_id=dana)
    assert sheet.status_code == 200
    assert sheet.headers["cache-control"] == "no-store"
    cards = re.findall(
        r'<dd class="card-username">([^<]+)</dd>\s*'
        r'<dt>Code</dt><dd class="card-code">([A-Z0-9-]+)</dd>',
        sheet.text,
    )
    assert len(cards) == 1 and cards[0][0] == "dana.smith"
    code = cards[0][1]
    assert "Hill School" in sheet.text and "Class 7A" in sheet.text
    assert f"{site.url}/activate" in sheet.text
    assert '<link rel="stylesheet" href="/static/code_sheet.css">' in sheet.text
    assert "<style" not in sheet.text and "style=" not in sheet.text
    assert "@page { size: A4" in client.get("/static/code_sheet.css").text
    again = client.get("/admin/classes/7a/codes")
    assert code not in again.text and again.url.path == "/admin/classes/7a"

    student = httpx.Client(base_url=site.url)
    activated = student.post(
        "/api/activate", json={"username": "dana.smith", "code": code, "password": NEW_PASSWORD}
    )
    assert activated.status_code == 200, activated.text
    assert activated.json()["user_id"] == dana and activated.json()["role"] == "student"
    fresh = httpx.Client(base_url=site.url)
    assert (
        fresh.post(
            "/api/signin", json={"username": "dana.smith", "password": NEW_PASSWORD}
        ).status_code
        == 200
    )
    assert fresh.get("/api/me").json()["name"] == "Dana Smith"
    # Used up: the same code does not work twice.
    assert (
        httpx.Client(base_url=site.url)
        .post(
            "/api/activate", json={"username": "dana.smith", "code": code, "password": NEW_PASSWORD}
        )
        .status_code
        == 401
    )
    assert re.search(
        r"<td>Dana Smith</td>\s*<td class=\"mono\">dana.smith</td>\s*<td>yes</td>",
        client.get("/admin/classes/7a").text,
    )


def test_codes_for_a_class_go_to_the_students_who_have_not_activated(site: Site) -> None:
    client = signed_in(site, "a-ann")
    submit(site, client, "/admin/classes/7a", "/admin/classes/7a/students", name="Eva Visser")
    # (The page's first form to that address is a student's "New code": no student here.)
    pending = submit(
        site, client, "/admin/classes/7a", "/admin/classes/7a/codes", which="pending", student_id=""
    )
    assert re.findall(r'<dd class="card-username">([^<]+)</dd>', pending.text) == ["eva.visser"]
    everyone = submit(
        site, client, "/admin/classes/7a", "/admin/classes/7a/codes", which="all", student_id=""
    )
    assert sorted(re.findall(r'<dd class="card-username">([^<]+)</dd>', everyone.text)) == [
        "alice",
        "bob",
        "eva.visser",
    ]
    # alice keeps her password until she uses her new code.
    assert site.client("alice").get("/api/me").status_code == 200


def test_a_taken_or_odd_username_is_refused_and_nothing_is_appended(site: Site) -> None:
    client = signed_in(site, "a-ann")
    before = site.event_count()
    taken = submit(
        site,
        client,
        "/admin/classes/7a",
        "/admin/classes/7a/students",
        name="Another Alice",
        username="ALICE",
    )
    assert taken.status_code == 409 and "taken" in text(taken)
    odd = submit(
        site,
        client,
        "/admin/classes/7a",
        "/admin/classes/7a/students",
        name="Odd",
        username="no spaces please",
    )
    assert odd.status_code == 422
    assert site.event_count() == before


def test_the_class_forms_rename_move_and_deactivate(site: Site) -> None:
    client = signed_in(site, "a-ann")
    page = submit(
        site,
        client,
        "/admin/classes/7a",
        "/admin/classes/7a/rename-student",
        student_id="bob",
        name="Bob Builder",
    )
    assert "The student is renamed." in page.text and "Bob Builder" in page.text
    page = submit(
        site, client, "/admin/classes/7a", "/admin/classes/7a/move", student_id="bob", to_class="7b"
    )
    assert "The student is moved." in page.text and "Bob Builder" not in page.text
    assert "Bob Builder" in client.get("/admin/classes/7b").text
    page = submit(
        site, client, "/admin/classes/7a", "/admin/classes/7a/rename", name="Class 7A (new)"
    )
    assert "<h1>Class 7A (new)</h1>" in page.text
    assert site.model.school_class("7a").teacher_id == "t-ada"  # renaming keeps the teacher

    alice = site.client("alice")
    page = submit(site, client, "/admin/classes/7a", "/admin/accounts/alice/deactivate")
    assert "deactivated" in page.text
    assert alice.get("/api/me").status_code == 401
    assert (
        httpx.Client(base_url=site.url)
        .post("/api/signin", json={"username": "alice", "password": site.password})
        .status_code
        == 401
    )
    submit(site, client, "/admin/classes/7a", "/admin/accounts/alice/reactivate")
    assert site.client("alice").get("/api/me").status_code == 200
    # A student of another class is not moved from this class's form.
    refused = submit(
        site,
        client,
        "/admin/classes/7a",
        "/admin/classes/7a/move",
        student_id="carol",
        to_class="7a",
    )
    assert refused.status_code == 422
    assert site.model.student("carol").class_id == "7b"


def test_an_admin_adds_a_teacher_and_gives_them_a_class(site: Site) -> None:
    client = signed_in(site, "a-ann")
    page = submit(
        site,
        client,
        "/admin/teachers",
        "/admin/teachers",
        name="Mr Cas de Groot",
        username="",
        class_id="",
    )
    assert page.status_code == 200 and "mr.casdegroot" in page.text
    teacher = next(a for a in site.model.accounts_of_school("hill") if a.name == "Mr Cas de Groot")
    page = submit(
        site,
        client,
        "/admin/teachers",
        "/admin/teachers/assign",
        class_id="7b",
        teacher_id=teacher.account_id,
    )
    assert "The class has its teacher." in page.text
    assert site.model.school_class("7b").teacher_id == teacher.account_id
    sheet = submit(
        site, client, "/admin/teachers", "/admin/teachers/codes", account_id=teacher.account_id
    )
    code = re.search(r'<dd class="card-code">([A-Z0-9-]+)</dd>', sheet.text)
    assert code
    activated = httpx.Client(base_url=site.url).post(
        "/api/activate",
        json={"username": "mr.casdegroot", "code": code.group(1), "password": NEW_PASSWORD},
    )
    assert activated.status_code == 200 and activated.json()["role"] == "teacher"


def test_a_roster_with_errors_shows_every_line_and_appends_nothing(site: Site) -> None:
    client = signed_in(site, "a-ann")
    before = site.event_count()
    page = upload(
        site,
        client,
        "student_number,name,class,email\n"
        "1001,Anna de Vries,7A,anna@example\n"
        ",Bram Bakker,8C,\n"
        "1001,,8c,\n"
        "1004,Carl Smit,8c,carl@example.org\n",
    )
    assert page.status_code == 422
    problems = re.findall(r"<li>Line (\d+): ([^<]+)</li>", page.text)
    assert [int(line) for line, _ in problems] == [2, 3, 4, 4]
    assert "Nothing was imported" in page.text
    missing = upload(site, client, "naam,klas\nAnna,7a\n")
    assert missing.status_code == 422 and "no column for the student number" in missing.text
    nothing = client.post(
        "/admin/import", data=site.hidden_fields(client.get("/admin/import").text, "/admin/import")
    )
    assert nothing.status_code == 422 and "Choose a CSV file" in nothing.text
    assert site.event_count() == before


def test_a_roster_import_adds_students_once_and_moves_them_later(site: Site) -> None:
    client = signed_in(site, "a-ann")
    before = site.event_count()
    checked = upload(site, client, ROSTER, dry_run=True)
    assert checked.status_code == 200
    assert summary(checked) == {
        "created": 3,
        "moved": 0,
        "renamed": 0,
        "classes-created": 1,
        "unchanged": 0,
    }
    assert "nothing was changed yet" in checked.text
    assert site.event_count() == before

    page = upload(site, client, ROSTER)
    assert page.status_code == 200, page.text
    assert summary(page) == {
        "created": 3,
        "moved": 0,
        "renamed": 0,
        "classes-created": 1,
        "unchanged": 0,
    }
    assert re.findall(r'<td class="mono">([^<]+)</td>', page.text) == [
        "anna.devries",
        "bram.bakker",
        "anna.devries2",
    ]
    anna, bram = (school_student_id(site.store, "hill", n) for n in ("1001", "1002"))
    model_caught_up(site)
    assert site.model.student(anna).class_id == "7a"
    new_class = site.model.school_class(site.model.student(bram).class_id)
    assert new_class.name == "8C" and new_class.school_id == "hill"
    assert len(site.model.students_of_class(new_class.class_id)) == 2
    appended = site.event_count()
    assert appended > before

    again = upload(site, client, ROSTER)
    assert summary(again) == {
        "created": 0,
        "moved": 0,
        "renamed": 0,
        "classes-created": 0,
        "unchanged": 3,
    }
    assert site.event_count() == appended

    moved = upload(
        site,
        client,
        ROSTER.replace("1002;Bram Bakker;8C", "1002;Bram Bakker;7b").replace(
            "1001;Anna de Vries;7A", "1001;Anna de Vries-Jansen;7A"
        ),
    )
    assert summary(moved) == {
        "created": 0,
        "moved": 1,
        "renamed": 1,
        "classes-created": 0,
        "unchanged": 1,
    }
    wait_until(lambda: site.model.student(bram).class_id == "7b")
    wait_until(lambda: site.model.student(anna).name == "Anna de Vries-Jansen")
    assert site.event_count() == appended + 2
    # The new students are on their class pages, not activated, ready for codes.
    assert re.search(
        r"<td>Bram Bakker</td>\s*<td class=\"mono\">bram.bakker</td>\s*<td>no</td>",
        client.get("/admin/classes/7b").text,
    )


def test_a_large_upload_is_refused_and_other_admin_forms_keep_the_small_limit(site: Site) -> None:
    client = signed_in(site, "a-ann")
    big = b"number,name,class\n" + b"".join(
        f"{n},Student Number {n:07d} With A Long Name,7a\n".encode() for n in range(30_000)
    )
    assert 1024 * 1024 < len(big) < 2 * 1024 * 1024
    page = upload(site, client, big)
    assert page.status_code == 413 and "larger than 1024 KiB" in page.text
    huge = upload(site, client, big + big)
    assert huge.status_code == 413
    form = site.hidden_fields(client.get("/admin/classes/7a").text, "/admin/classes/7a/students")
    padded = client.post(
        "/admin/classes/7a/students", data={**form, "name": "x", "username": "y" * 20_000}
    )
    assert padded.status_code == 413


def test_students_and_teachers_are_refused_the_admin_pages(site: Site) -> None:
    for user in ("alice", "t-ada", "e-eve"):
        client = signed_in(site, user)
        for path in ("/admin", "/admin/classes/7a", "/admin/teachers", "/admin/import"):
            assert client.get(path).status_code == 403, (user, path)
        form = site.hidden_fields(client.get("/account").text)
        assert (
            client.post("/admin/classes/7a/students", data={**form, "name": "Mallory"}).status_code
            == 403
        )
    anonymous = httpx.Client(base_url=site.url)
    assert anonymous.get("/admin").headers["location"] == "/signin"


def test_an_admin_sees_nothing_of_another_school(site: Site, pg_url: str) -> None:
    admin.register_school(site.store, "dale", "Dale School")
    admin.register_class(site.store, "dale", "dale-8a", "8A")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"set role {ACCOUNTS_GROUP}")
        dave = admin.create_account(
            site.store,
            conn,
            roles=["student"],
            username="dave",
            name="Dave",
            school_id="dale",
            class_id="dale-8a",
        )
    wait_until(lambda: site.model.student(dave) is not None)
    client = signed_in(site, "a-ann")
    before = site.event_count()
    assert client.get("/admin/classes/dale-8a").status_code == 404
    form = site.hidden_fields(client.get("/admin/classes/7a").text, "/admin/classes/7a/rename")
    for action, fields in [
        ("rename", {"name": "Mine now"}),
        ("students", {"name": "Planted"}),
        ("codes", {"which": "all"}),
        ("move", {"student_id": dave, "to_class": "dale-8a"}),
    ]:
        answer = client.post(f"/admin/classes/dale-8a/{action}", data={**form, **fields})
        assert answer.status_code == 404, action
    assert client.post(f"/admin/accounts/{dave}/deactivate", data=form).status_code == 404
    assert (
        client.post("/admin/teachers/codes", data={**form, "account_id": dave}).status_code == 404
    )
    moved = client.post(
        "/admin/classes/7a/move", data={**form, "student_id": "alice", "to_class": "dale-8a"}
    )
    assert moved.status_code == 422
    assert "Dale" not in client.get("/admin").text
    assert "Dave" not in client.get("/admin/teachers").text
    assert site.event_count() == before
    assert site.model.student("alice").class_id == "7a"


def test_an_admin_erases_a_deactivated_student_for_good(site: Site) -> None:
    client = signed_in(site, "a-ann")
    bob = site.client("bob")
    submit(site, client, "/admin/classes/7a", "/admin/accounts/bob/deactivate")
    wait_until(lambda: not site.model.account("bob").active)
    before = site.event_count()
    unconfirmed = submit(
        site, client, "/admin/classes/7a", "/admin/accounts/bob/erase", confirm="not bob"
    )
    assert unconfirmed.status_code == 422 and site.event_count() == before
    erased = submit(site, client, "/admin/classes/7a", "/admin/accounts/bob/erase", confirm="bob")
    assert erased.status_code == 200, erased.text
    assert "erased" in erased.text and ">Bob<" not in erased.text, (erased.url, erased.history)
    wait_until(lambda: site.model.student("bob").name == "erased student")
    assert bob.get("/api/me").status_code == 401
    assert (
        httpx.post(
            f"{site.url}/api/signin", json={"username": "bob", "password": site.password}
        ).status_code
        == 401
    )
    with psycopg.connect(site.store.url) as conn:
        keys = conn.execute(
            "select count(*) from quizflow_privacy.subject_keys where subject_id = 'bob'"
        ).fetchone()
    assert keys == (0,)


def role_events(site: Site, account_id: str) -> list[tuple[str, dict[str, Any], str]]:
    return [
        (e.type, e.data, e.metadata.get("user_id", ""))
        for e in site.store.read_stream(account_stream_id(account_id))
        if e.type in ("accounts/RoleGranted", "accounts/RoleRevoked")
    ]


def test_an_admin_makes_a_teacher_a_content_editor_and_takes_the_role_back(site: Site) -> None:
    client = signed_in(site, "a-ann")
    # Signed in before the grant: roles are read from the read model on every request, so the
    # open session gains and loses the editor pages without signing in again.
    ada = signed_in(site, "t-ada")
    assert ada.get("/editor").status_code == 403

    granted = submit(site, client, "/admin/teachers", "/admin/accounts/t-ada/roles")
    assert granted.status_code == 200 and granted.url.path == "/admin/teachers", granted.text
    assert "The account is a content editor now" in granted.text
    row = re.search(r'<tr id="teacher-t-ada">.*?</tr>', granted.text, re.S)
    assert row and "Take the editor role" in row.group(0)  # read-your-writes
    assert role_events(site, "t-ada") == [
        ("accounts/RoleGranted", {"account_id": "t-ada", "role": "editor"}, "a-ann")
    ]
    wait_until(lambda: "editor" in site.model.account("t-ada").roles)
    assert ada.get("/editor").status_code == 200
    assert "teacher" in site.model.account("t-ada").roles

    revoked = submit(site, client, "/admin/teachers", "/admin/accounts/t-ada/roles")
    assert revoked.status_code == 200 and "no longer a content editor" in revoked.text
    row = re.search(r'<tr id="teacher-t-ada">.*?</tr>', revoked.text, re.S)
    assert row and "Make content editor" in row.group(0)
    assert role_events(site, "t-ada")[1:] == [
        ("accounts/RoleRevoked", {"account_id": "t-ada", "role": "editor"}, "a-ann")
    ]
    wait_until(lambda: "editor" not in site.model.account("t-ada").roles)
    assert ada.get("/editor").status_code == 403
    assert site.model.account("t-ada").roles == {"teacher"}


def test_an_admin_is_refused_role_changes_that_make_no_sense_and_nothing_is_appended(
    site: Site, pg_url: str
) -> None:
    admin.register_school(site.store, "dale", "Dale School")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"set role {ACCOUNTS_GROUP}")
        dora = admin.create_account(
            site.store, conn, roles=["teacher"], username="dora", name="Dora", school_id="dale"
        )
    client = signed_in(site, "a-ann")
    submit(site, client, "/admin/teachers", "/admin/accounts/t-bo/deactivate")
    wait_until(
        lambda: site.model.account(dora) is not None and not site.model.account("t-bo").active
    )
    form = site.hidden_fields(client.get("/admin/teachers").text, "/admin/accounts/t-ada/roles")
    before = site.event_count()
    refusals = [
        (dora, "editor", "grant", 404, "your school has no account"),
        ("alice", "editor", "grant", 422, "is a student, not staff"),
        ("t-bo", "editor", "grant", 409, "deactivated"),
        ("e-eve", "editor", "grant", 409, "is a content editor already"),
        ("t-ada", "editor", "revoke", 409, "is no content editor"),
        ("e-eve", "editor", "revoke", 409, "only role: deactivate the account instead"),
        ("a-ann", "admin", "revoke", 422, "only the editor role is given and taken here"),
        ("t-ada", "admin", "grant", 422, "only the editor role is given and taken here"),
        ("t-ada", "editor", "promote", 422, "choose to grant or to revoke"),
    ]
    for account_id, role, change, status, sentence in refusals:
        answer = client.post(
            f"/admin/accounts/{account_id}/roles", data={**form, "role": role, "change": change}
        )
        assert answer.status_code == status, (account_id, role, change, answer.text)
        assert sentence in text(answer), (account_id, role, change, answer.text)
    no_token = client.post(
        "/admin/accounts/t-ada/roles", data={"role": "editor", "change": "grant"}
    )
    assert no_token.status_code == 403
    teacher = signed_in(site, "t-ada")
    mine = site.hidden_fields(teacher.get("/account").text)
    forged = teacher.post(
        "/admin/accounts/t-ada/roles", data={**mine, "role": "editor", "change": "grant"}
    )
    assert forged.status_code == 403
    assert site.event_count() == before
    assert site.model.account("a-ann").roles == {"admin"}
    assert site.model.account("t-ada").roles == {"teacher"}
