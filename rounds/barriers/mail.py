"""Sending one e-mail over SMTP (smtplib in a thread, so the event loop never blocks)."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

from rounds.settings import Settings


def smtp_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def _send_sync(settings: Settings, to: str, subject: str, body: str, html: str | None) -> None:
    if not settings.smtp_host:
        raise RuntimeError("ROUNDS_SMTP_HOST is not set")  # callers check smtp_configured()
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if html:  # multipart/alternative: mail programs show the HTML, others the text
        message.add_alternative(html, subtype="html")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(message)


async def send_mail(
    settings: Settings, to: str, subject: str, body: str, *, html: str | None = None
) -> None:
    """Raises on any SMTP or network failure; the caller records it and retries later."""
    await asyncio.to_thread(_send_sync, settings, to, subject, body, html)
