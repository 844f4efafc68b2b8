"""The Monday e-mail: each teacher gets the week's "needs your attention" and a link to the report.

Off unless ``QUIZFLOW_SMTP_HOST`` is set. The mail carries no more than the report's first
section: the report itself stays behind sign-in in the web app, so a forwarded or misdirected
mail shows a few first names at most. A teacher without an address is skipped and counted;
a server that refuses a message fails that message only, and the run says which (a retry sends
only what is still unsent: each sent mail leaves a marker beside its report).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from quizflow.env_settings import AnyCase, EnvironmentSettings, Trimmed, read_environment
from quizflow.reports.teacher import IsoWeek, needs_attention, with_names
from quizflow.reports.teacher_data import ClassWeek, classes_of_week, load_known_class_week
from quizflow.school_time import shown
from quizflow.warehouse import open_published


class MailError(RuntimeError):
    """Some reports could not be mailed; the message names each one and why."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = 587
    sender: str = "Quizflow <quizflow@localhost>"
    username: str | None = None
    password: str | None = None
    # "auto": STARTTLS when the server offers it; "always": refuse to send in the clear.
    starttls: str = "auto"
    public_url: str = "http://127.0.0.1:8000"
    timeout_s: float = 30.0

    @classmethod
    def from_env(cls) -> MailSettings | None:
        """The settings, or None when mail is off (``QUIZFLOW_SMTP_HOST`` unset);
        ``SettingError`` (one sentence) for a bad value."""
        env = read_environment(_Environment)
        if env.host is None:
            return None
        return cls(
            host=env.host,
            port=env.port,
            sender=env.sender,
            username=env.username,
            password=env.password,
            starttls=env.starttls,
            public_url=env.public_url.rstrip("/"),
        )


class _Environment(EnvironmentSettings):
    host: Annotated[str | None, Trimmed] = Field(None, validation_alias="QUIZFLOW_SMTP_HOST")
    port: int = Field(
        MailSettings.port,
        gt=0,
        lt=65536,
        validation_alias="QUIZFLOW_SMTP_PORT",
        description="a port number",
    )
    sender: str = Field(MailSettings.sender, validation_alias="QUIZFLOW_SMTP_FROM")
    username: str | None = Field(None, validation_alias="QUIZFLOW_SMTP_USER")
    password: str | None = Field(None, validation_alias="QUIZFLOW_SMTP_PASSWORD")
    starttls: Annotated[Literal["auto", "always", "never"], AnyCase] = Field(
        "auto", validation_alias="QUIZFLOW_SMTP_STARTTLS", description="auto, always or never"
    )
    public_url: str = Field(MailSettings.public_url, validation_alias="QUIZFLOW_PUBLIC_URL")


@dataclass
class MailOutcome:
    sent: list[str] = field(default_factory=list)  # class ids
    already_sent: list[str] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)
    no_teacher: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # class id -> why

    def summary(self) -> str:
        return (
            f"{len(self.sent)} sent, {len(self.already_sent)} sent before, "
            f"{len(self.no_address)} teacher(s) without an e-mail address, "
            f"{len(self.no_teacher)} class(es) without a teacher, {len(self.refused)} refused"
        )


def report_link(settings: MailSettings, class_id: str, week: IsoWeek) -> str:
    return f"{settings.public_url}/teacher/classes/{class_id}/reports/{week}"


def compose(data: ClassWeek, settings: MailSettings, address: str) -> EmailMessage:
    """The message for one class's teacher: plain text, the actions, the link."""
    school_class = data.school_class
    class_name = school_class.get("class_name") or data.class_id
    teacher = school_class.get("teacher_name") or "colleague"
    actions = needs_attention(data)
    lines = [f"Dear {teacher},", "", f"This is {class_name}'s week {data.week.label()}."]
    if data.data_until:
        lines.append(
            f"The figures count everything up to {shown(data.data_until, data.time_zone)}."
        )
    if actions:
        lines += ["", "Needs your attention:"]
        for action in actions:
            lines.append(f"- {action.headline}")
            lines += [f"    {detail}" for detail in action.details]
    else:
        lines += ["", "Nothing needs your attention this week."]
    lines += [
        "",
        "The whole report (sign in as yourself):",
        report_link(settings, data.class_id, data.week),
        "",
        "Quizflow",
    ]
    message = EmailMessage()
    message["Subject"] = f"{class_name}: week {data.week}"
    message["From"] = settings.sender
    message["To"] = formataddr((str(teacher), address))
    message["Message-ID"] = make_msgid(domain="quizflow")
    message.set_content("\n".join(lines))
    return message


def mail_weekly_reports(
    snapshot_path: Path,
    week: IsoWeek,
    settings: MailSettings,
    addresses: Mapping[str, str],
    names: Mapping[str, str],
    out_dir: Path,
    ended_by: datetime | None = None,
) -> MailOutcome:
    """Mail every class's teacher the week's actions (with ``ended_by``: of every class whose
    week had ended on its school's clock by then; the others wait for a later run); raises
    ``MailError`` after trying every class when any message was refused (those sent stay sent
    and are not sent again)."""
    with open_published(snapshot_path) as con:
        weeks = [load_known_class_week(con, c, week) for c in classes_of_week(con, week, ended_by)]
    outcome = MailOutcome()
    pending: list[tuple[ClassWeek, str, Path]] = []
    for data in weeks:
        marker = out_dir / data.class_id / f"{week}.mailed"
        teacher_id = data.school_class.get("teacher_id")
        if not teacher_id:
            outcome.no_teacher.append(data.class_id)
        elif marker.exists():
            outcome.already_sent.append(data.class_id)
        elif teacher_id not in addresses:
            outcome.no_address.append(data.class_id)
        else:
            pending.append((with_names(data, names), addresses[teacher_id], marker))
    if pending:
        _send_all(pending, settings, outcome)
    if outcome.refused:
        why = "; ".join(f"{class_id}: {reason}" for class_id, reason in outcome.refused.items())
        raise MailError(
            f"{len(outcome.refused)} report e-mail(s) not sent ({why}); {outcome.summary()}"
        )
    return outcome


def _send_all(
    pending: list[tuple[ClassWeek, str, Path]], settings: MailSettings, outcome: MailOutcome
) -> None:
    try:
        server = _connect(settings)
    except (OSError, smtplib.SMTPException) as error:
        reason = f"the mail server {settings.host}:{settings.port} cannot be used: {error}"
        outcome.refused.update({data.class_id: reason for data, _, _ in pending})
        return
    with server:
        for data, address, marker in pending:
            try:
                server.send_message(compose(data, settings, address))
            except smtplib.SMTPRecipientsRefused as error:
                code, text = next(iter(error.recipients.values()))
                outcome.refused[data.class_id] = f"{address} refused ({code} {_text(text)})"
            except smtplib.SMTPResponseException as error:
                outcome.refused[data.class_id] = f"{error.smtp_code} {_text(error.smtp_error)}"
            except (OSError, smtplib.SMTPException) as error:
                outcome.refused[data.class_id] = str(error) or type(error).__name__
            else:
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.write_text(address + "\n", encoding="utf-8")
                outcome.sent.append(data.class_id)


def _connect(settings: MailSettings) -> smtplib.SMTP:
    server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
    try:
        server.ehlo()
        if settings.starttls != "never" and server.has_extn("starttls"):
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        elif settings.starttls == "always":
            raise smtplib.SMTPException("the server does not offer STARTTLS")
        if settings.username:
            server.login(settings.username, settings.password or "")
    except BaseException:
        server.close()
        raise
    return server


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
