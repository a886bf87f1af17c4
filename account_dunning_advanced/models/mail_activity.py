# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import _, models

_logger = logging.getLogger(__name__)


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def action_dunning_log_outcome(self):
        """Open the call outcome wizard on a call activity of a customer."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Log Call Outcome"),
            "res_model": "dunning.call.outcome.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_activity_id": self.id},
        }

    def _action_done(self, feedback=False, attachment_ids=None):
        self._dunning_call_feedback(done=True)
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def unlink(self):
        self._dunning_call_feedback(done=False)
        return super().unlink()

    def _dunning_call_feedback(self, done):
        """The reminders' call state follows their call activity. Never
        raises: it runs inside every activity's completion."""
        if not self:
            return
        try:
            with self.env.cr.savepoint():
                comms = (
                    self.env["dunning.communication"]
                    .sudo()
                    .search([("activity_id", "in", self.ids)])
                )
                if comms:
                    comms._dunning_call_feedback(done)
        except Exception:  # noqa: BLE001 - logged, the activity goes on
            _logger.exception("Dunning call state of activities %s", self.ids)
