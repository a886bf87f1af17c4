# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .workspace_common import TODAY, DunningWorkspaceCommon


@tagged("post_install", "-at_install")
class TestDunningCallOutcome(DunningWorkspaceCommon):
    def _call(self):
        return self.customer.activity_schedule(
            "account_dunning_advanced.mail_activity_type_dunning_call",
            user_id=self.collector.id,
        )

    def _outcome_form(self, activity):
        action = activity.with_user(self.collector).action_dunning_log_outcome()
        return Form(
            self.env[action["res_model"]]
            .with_user(self.collector)
            .with_context(**action["context"])
        )

    @freeze_time(TODAY)
    def test_not_reached_reschedules_the_call(self):
        activity = self._call()
        wizard_form = self._outcome_form(activity)
        self.assertEqual(wizard_form.partner_id, self.customer)
        wizard_form.outcome = "not_reached"
        wizard_form.reschedule_date = date(2026, 3, 24)
        wizard_form.save().action_confirm()
        self.assertFalse(activity.exists())
        self.assertRecordValues(
            self.customer.activity_ids,
            [
                {
                    "date_deadline": date(2026, 3, 24),
                    "user_id": self.collector.id,
                    "activity_type_id": self.env.ref(
                        "account_dunning_advanced.mail_activity_type_dunning_call"
                    ).id,
                }
            ],
        )
        done = self.customer.message_ids.filtered(
            lambda m: "Not reached" in (m.body or "")
        )
        self.assertTrue(done, "the outcome is the feedback of the done call")

    @freeze_time(TODAY)
    def test_wrong_contact_updates_the_contact(self):
        # written with the collector's own right to edit contacts (without
        # it: test_dunning_access_rights)
        self.collector.groups_id |= self.env.ref("base.group_partner_manager")
        accounting = self.env["res.partner"].create(
            {"name": "Accounting", "parent_id": self.customer.id, "type": "invoice"}
        )
        wizard_form = self._outcome_form(self._call())
        wizard_form.outcome = "wrong_contact"
        wizard_form.contact_id = accounting
        wizard_form.contact_phone = "+33 1 99 99 99 99"
        wizard_form.contact_email = "compta@durand.example"
        wizard_form.save().action_confirm()
        self.assertRecordValues(
            accounting,
            [{"phone": "+33 1 99 99 99 99", "email": "compta@durand.example"}],
        )

    @freeze_time(TODAY)
    def test_outcome_linked_to_the_reminder(self):
        self._run(TODAY)
        communication = self._communications()
        self.assertTrue(communication)
        action = communication.with_user(self.collector).action_log_call_outcome()
        wizard_form = Form(
            self.env[action["res_model"]]
            .with_user(self.collector)
            .with_context(**action["context"])
        )
        wizard_form.outcome = "reached_promise"
        wizard_form.promise_date = date(2026, 3, 25)
        wizard_form.promise_amount = 300.0
        wizard_form.save().action_confirm()
        self.assertEqual(communication.promise_ids.amount, 300.0)
        self.assertIn("Call outcome", communication.message_ids[0].body)
