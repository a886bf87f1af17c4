"""The demo's mail catcher (setup/devenv.py, started and stopped by ./setup/demo): a
message sent to it through SMTP is kept as an .eml file, listed by its index page."""

import email
import email.policy
import smtplib
from email.message import EmailMessage

import pytest
from devenv import MailCatcher


def test_mail_catcher_keeps_each_message_as_an_eml_file(tmp_path):
    catcher = MailCatcher(tmp_path / "mail").start()
    try:
        msg = EmailMessage()
        msg["From"] = "recouvrement@atelier-lumiere.example"
        msg["To"] = "compta@dubois.example"
        msg["Subject"] = "Relance <formelle> : facture FAC/2026/0001"
        msg.set_content("Malgré nos précédentes relances…")
        with smtplib.SMTP("127.0.0.1", catcher.port, timeout=10) as smtp:
            smtp.send_message(msg)
    finally:
        catcher.stop()
    [eml] = (tmp_path / "mail").glob("*.eml")
    received = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert received["Subject"] == "Relance <formelle> : facture FAC/2026/0001"
    assert "Malgré nos précédentes relances" in received.get_content()
    index = (tmp_path / "mail" / "index.html").read_text()
    assert f'href="{eml.name}"' in index
    # the subject is escaped on the page
    assert "Relance &lt;formelle&gt;" in index
    # stopped: nothing listens any more
    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", catcher.port, timeout=2)
