# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class MailMessage(models.Model):
    _name = "mail.message"
    _inherit = ["mail.message", "dunning.worklist.touch"]

    # what the effectiveness report reads of a customer's incoming email (a
    # reply to a reminder when written by one of its contacts)
    _dunning_worklist_fields = ("author_id", "message_type", "date", "model", "res_id")

    def _dunning_touch_worklist(self):
        # sudo: only marks the authors' customers, whoever may read them
        authors = self.sudo().filtered(lambda m: m.message_type == "email").author_id
        if authors:
            self.env["dunning.worklist"]._touch(
                authors.commercial_partner_id.ids, source=self._name
            )
