"""The Monday e-mail to teachers, against a real SMTP server (aiosmtpd) started by the test.

Two simulated classes go through the real command handler and the pipeline; one teacher has an
e-mail address, the other has none. The server either accepts or refuses recipients.
"""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from pipelines import reports
from pipelines.resources import WarehouseResource
from quizflow.accounts.admin import AdminError
from quizflow.accounts.email import email_addresses, set_email
from quizflow.cli import app
from quizflow.database import login_database_url
from quizflow.eventstore.admin import create_database, drop_database
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.privacy.erasure import erase
from quizflow.reports.names import current_addresses, current_names
from quizflow.reports.teacher import IsoWeek
from quizflow.reports.teacher_data import run_named
from quizflow.reports.teacher_mail import MailError, MailSettings, mail_weekly_reports
from quizflow.settings import Settings, load_settings
from quizflow.simulate import SimulationConfig, simulate
from quizflow.warehouse import open_published, run_pipeline

WEEK = IsoWeek.parse("2026-W44")
CONFIG = SimulationConfig(students=60, days=7, seed=5, schools=2, workers=4)


@dataclass
class Mailbox:
    """An SMTP server's handler: keeps what it accepts, refuses the addresses it is told to."""

    refuse: set[str] = field(default_factory=set)
    received: list[Message] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


@dataclass(frozen=True)
class School:
    settings: Settings
    url: str
    teacher_with_address: str
    teacher_without: str
    classes: dict[str, str]  # class id -> teacher id


@pytest.fixture(scope="module")
def school(
    server_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[School]:
    name = f"{template_db}_mail"
    url = create_database(server_url, name, template=template_db)
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QUIZFLOW_HOME", str(home))
        patch.setenv("QUIZFLOW_DATABASE_URL", url)
        settings = load_settings()
        with PostgresEventStore(url) as store:
            simulate(store, CONFIG)
        run_pipeline(settings, url, checks=False)
        with open_published(settings.published_path) as con:
            classes = {
                r["class_id"]: r["teacher_id"] for r in run_named(con, "teacher_classes", {})
            }
        first, second = sorted(set(classes.values()))[:2]
        with PostgresEventStore(url) as store:
            set_email(store, first, "juf.jansen@school.example")
        yield School(settings, url, first, second, classes)
    drop_database(server_url, name)


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def settings_for(port: int) -> MailSettings:
    return MailSettings(
        host="127.0.0.1",
        port=port,
        sender="Quizflow <reports@school.example>",
        public_url="https://quiz.school.example",
    )


def mail_week(school: School, mail: MailSettings, out: Path) -> Any:
    return mail_weekly_reports(
        school.settings.published_path,
        WEEK,
        mail,
        current_addresses(school.settings),
        current_names(school.settings),
        out,
    )


@pytest.fixture
def env(school: School, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZFLOW_HOME", str(school.settings.home))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", school.url)


def test_mail_is_off_without_a_host_and_bad_settings_are_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QUIZFLOW_SMTP_HOST", raising=False)
    assert MailSettings.from_env() is None
    monkeypatch.setenv("QUIZFLOW_SMTP_HOST", "mail")
    monkeypatch.setenv("QUIZFLOW_SMTP_PORT", "2525")
    monkeypatch.setenv("QUIZFLOW_SMTP_FROM", "Quizflow <reports@school.example>")
    monkeypatch.setenv("QUIZFLOW_PUBLIC_URL", "https://quiz.school.example/")
    assert MailSettings.from_env() == MailSettings(
        host="mail",
        port=2525,
        sender="Quizflow <reports@school.example>",
        public_url="https://quiz.school.example",
    )
    monkeypatch.setenv("QUIZFLOW_SMTP_PORT", "smtp")
    with pytest.raises(ValueError, match="QUIZFLOW_SMTP_PORT must be a port number, got 'smtp'"):
        MailSettings.from_env()
    monkeypatch.delenv("QUIZFLOW_SMTP_PORT")
    monkeypatch.setenv("QUIZFLOW_SMTP_STARTTLS", "yes")
    with pytest.raises(ValueError, match="QUIZFLOW_SMTP_STARTTLS must be auto, always or never"):
        MailSettings.from_env()


def test_the_teacher_with_an_address_gets_the_weeks_actions_and_a_link_once(
    school: School, env: None, mailbox: tuple[Mailbox, int], tmp_path: Path
) -> None:
    box, port = mailbox
    outcome = mail_week(school, settings_for(port), tmp_path)
    mine = [c for c, t in school.classes.items() if t == school.teacher_with_address]
    assert sorted(outcome.sent) == sorted(mine)
    assert any(school.classes[c] == school.teacher_without for c in outcome.no_address)
    assert len(box.received) == len(mine)
    message = box.received[0]
    assert message["To"].endswith("<juf.jansen@school.example>")
    body = message.get_payload(decode=True).decode()
    assert f"https://quiz.school.example/teacher/classes/{mine[0]}/reports/{WEEK}" in body
    assert "Needs your attention:" in body or "Nothing needs your attention" in body
    assert "Dear " in body and school.teacher_with_address not in body  # a name, not an id

    again = mail_week(school, settings_for(port), tmp_path)
    assert again.sent == [] and sorted(again.already_sent) == sorted(mine)
    assert len(box.received) == len(mine)


def test_a_refused_address_fails_the_run_by_name_and_a_retry_sends_only_that(
    school: School, env: None, mailbox: tuple[Mailbox, int], tmp_path: Path
) -> None:
    box, port = mailbox
    box.refuse.add("juf.jansen@school.example")
    with pytest.raises(MailError, match=r"juf\.jansen@school\.example refused \(550"):
        mail_week(school, settings_for(port), tmp_path)
    assert box.received == [] and not list(tmp_path.rglob("*.mailed"))
    box.refuse.clear()
    outcome = mail_week(school, settings_for(port), tmp_path)
    assert outcome.sent and len(box.received) == len(outcome.sent)


def test_a_server_that_is_not_there_fails_the_run_with_one_sentence(
    school: School, env: None, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with pytest.raises(MailError, match=f"127.0.0.1:{closed} cannot be used"):
        mail_week(school, settings_for(closed), tmp_path)


def test_the_cli_mails_the_week_and_says_when_mail_is_off(
    school: School, env: None, mailbox: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, port = mailbox
    runner = CliRunner()
    off = runner.invoke(app, ["report", "mail", "--week", str(WEEK)])
    assert off.exit_code == 2 and "QUIZFLOW_SMTP_HOST" in off.output
    monkeypatch.setenv("QUIZFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("QUIZFLOW_SMTP_PORT", str(port))
    sent = runner.invoke(app, ["report", "mail", "--week", str(WEEK)])
    assert sent.exit_code == 0, sent.output
    assert "without an e-mail address" in sent.output and len(box.received) >= 1


def test_the_weekly_job_mails_after_writing_the_reports(
    school: School, env: None, mailbox: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, port = mailbox
    monkeypatch.setenv("QUIZFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("QUIZFLOW_SMTP_PORT", str(port))
    resource = WarehouseResource(home=str(school.settings.home), database_url=school.url)
    result = dg.materialize(
        list(reports.report_assets(WEEK.monday.isoformat())),
        partition_key=WEEK.monday.isoformat(),
        resources={"warehouse": resource},
    )
    assert result.success
    (done,) = result.asset_materializations_for_node("teacher_report_emails")
    assert done.metadata["sent"].value + done.metadata["sent_before"].value >= 1
    assert len(box.received) == done.metadata["sent"].value


def test_an_address_is_sealed_checked_and_shredded_with_its_person(
    school: School, env: None, tmp_path: Path
) -> None:
    with PostgresEventStore(school.url) as store:
        with pytest.raises(AdminError, match="is not an e-mail address"):
            set_email(store, school.teacher_without, "Meester Bakker")
        with pytest.raises(AdminError, match="no account"):
            set_email(store, "nobody-here", "a@b.example")
        assert set_email(store, school.teacher_without, "m.bakker@school.example")
        assert not set_email(store, school.teacher_without, "m.bakker@school.example")
        stored = store.read_stream(f"account-{school.teacher_without}")[-1]
        assert "m.bakker" not in str(stored.data)  # sealed in the log
        assert email_addresses(store)[school.teacher_without] == "m.bakker@school.example"
        signin = login_database_url("signin", school.settings)
        erase(store, school.url, signin, school.teacher_without, tmp_path)
        assert school.teacher_without not in email_addresses(store)
