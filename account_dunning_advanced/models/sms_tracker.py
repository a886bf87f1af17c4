# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class SmsTracker(models.Model):
    """The provider's delivery reports (``/sms/status``) update the SMS's
    tracker and notification only, not the ``sms.sms`` state: the reminder
    follows them here."""

    _inherit = "sms.tracker"

    def _action_update_from_sms_state(
        self, sms_state, failure_type=False, failure_reason=False
    ):
        res = super()._action_update_from_sms_state(
            sms_state, failure_type=failure_type, failure_reason=failure_reason
        )
        # "sent": delivered; the other states are the SMS's own (sms.sms write)
        if sms_state == "sent":
            self._dunning_sms()._dunning_feedback(sms_state)
        return res

    def _action_update_from_provider_error(self, provider_error):
        res = super()._action_update_from_provider_error(provider_error)
        _status, failure_type, failure_reason = res
        self._dunning_sms()._dunning_feedback("error", failure_reason or failure_type)
        return res

    def _dunning_sms(self):
        """The SMS of these trackers, while Odoo keeps them (until its daily
        clean-up of the SMS marked for deletion)."""
        uuids = [uuid for uuid in self.mapped("sms_uuid") if uuid]
        if not uuids:
            return self.env["sms.sms"]
        # SMS queue feedback (the provider's report, public route): the
        # system-only SMS records of the reminders
        return self.env["sms.sms"].sudo().search([("uuid", "in", uuids)])
