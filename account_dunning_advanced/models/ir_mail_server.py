# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models

# Headers whose value is one or more <URL>: a URL longer than a line must not be
# cut into RFC 2047 encoded words (mailbox providers then ignore it)
URL_HEADERS = ("List-Unsubscribe",)


class OneLineHeader(str):
    """A header value that Python's email package writes on one line (RFC 5322
    allows 998 characters), where its 78-character folding would turn a long
    unsubscribe URL into encoded words that Gmail or Outlook do not read."""

    def __new__(cls, name, value):
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy):
        return f"{self.name}: {self}{policy.linesep}"


class IrMailServer(models.Model):
    _inherit = "ir.mail_server"

    def build_email(self, email_from, email_to, subject, body, *args, **kwargs):
        msg = super().build_email(email_from, email_to, subject, body, *args, **kwargs)
        for name in URL_HEADERS:
            value = msg.get(name)
            if value and len(f"{name}: {value}") < 998:
                del msg[name]
                msg[name] = OneLineHeader(name, str(value))
        return msg
