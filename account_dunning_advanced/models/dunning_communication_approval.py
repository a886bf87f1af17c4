# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

MANAGER_GROUP = "account_dunning_advanced.group_dunning_manager"


class DunningCommunication(models.Model):
    """The approval queue: reminders of levels that need approval wait as "to
    approve" until a dunning manager approves or rejects them."""

    _inherit = "dunning.communication"

    promise_ids = fields.One2many("dunning.promise", "communication_id")
    dispute_ids = fields.One2many("dunning.dispute", "communication_id")

    def _check_approver(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only dunning managers approve or reject reminders."))
        if any(comm.state != "to_approve" for comm in self):
            raise UserError(_("Only reminders waiting for approval can be decided."))

    def action_approve(self):
        self._check_approver()
        self.write(
            {
                "state": "queued",
                "approved_by_id": self.env.user.id,
                "approved_datetime": fields.Datetime.now(),
            }
        )
        for comm in self:
            comm.message_post(body=_("Approved."))
        immediate = self.filtered(
            lambda c: c.company_id.dunning_approval_dispatch == "immediate"
        )
        if immediate:
            # the approver's right was checked above; sending needs the rights
            # of the run (templates, attachments, activities)
            immediate.sudo()._dispatch()
        return True

    def action_reject(self):
        """Cancelled reminders do not count as sent: their items can be
        reminded again at that level later."""
        self._check_approver()
        self.write({"state": "cancelled"})
        for comm in self:
            comm.message_post(body=_("Rejected by %(user)s.", user=self.env.user.name))
        return True

    def _dunning_approved_pending(self, company):
        """Approved reminders not dispatched yet: nothing produced so far."""
        return self.search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "queued"),
                ("approved_by_id", "!=", False),
                ("sent_datetime", "=", False),
                ("mail_id", "=", False),
                ("letter_attachment_id", "=", False),
                ("activity_id", "=", False),
                ("sms_id", "=", False),
            ]
        )

    def action_log_call_outcome(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Log Call Outcome"),
            "res_model": "dunning.call.outcome.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": self.partner_id.id,
                "default_company_id": self.company_id.id,
                "default_communication_id": self.id,
                "default_activity_id": self.activity_id.id,
            },
        }
