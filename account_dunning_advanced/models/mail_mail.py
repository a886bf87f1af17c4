# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    # A direct link (rather than a search on dunning.communication.mail_id)
    # keeps the mail queue's post-processing free of queries for other emails.
    dunning_communication_id = fields.Many2one(
        "dunning.communication",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        comms = self.dunning_communication_id
        if comms:
            if failure_type:
                reason = failure_reason or self[:1].failure_reason or failure_type
                comms.sudo()._dunning_mail_failed(reason)
            else:
                comms.sudo()._dunning_mail_sent()
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
