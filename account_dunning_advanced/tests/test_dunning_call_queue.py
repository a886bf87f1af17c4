# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from ast import literal_eval
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import as_job
from .dunning_dispatch_common import TODAY, DunningDispatchCommon

CALL_TYPE = "account_dunning_advanced.mail_activity_type_dunning_call"


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningCallQueue(DunningDispatchCommon):
    """Calls to Make stays clean: one open call per customer and company,
    closed with the reason once what it was about is paid, promised or
    disputed; no call without a phone number; the collector's language."""

    def _calls(self, customer):
        """The customer's open calls, as the Calls to Make list shows them."""
        action = self.env.ref(
            "account_dunning_advanced.dunning_worklist_partner_activity_action"
        )
        return (
            self.env["mail.activity"]
            .with_user(self.collector)
            .search(
                [("res_id", "=", customer.id), ("res_model", "=", "res.partner")]
                + literal_eval(action.domain)
            )
        )

    def _call_reminder(self, customer, tone, moves=None, **values):
        comm = self._communication(
            customer,
            tone,
            moves=moves,
            channel_email=False,
            channel_call=True,
            **values,
        )
        as_job(self.env["dunning.dispatch"])._dispatch(comm)
        return comm

    def _pay(self, invoices):
        for invoice in invoices:
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": TODAY})._create_payments()

    def _closing_messages(self, customer):
        return customer.message_ids.filtered(
            lambda m: "Closed without calling" in (m.body or "")
        )

    def test_a_new_call_updates_the_open_one(self):
        first = self._call_reminder(
            self.customer_en, "friendly", date=TODAY - timedelta(days=20)
        )
        second = self._call_reminder(self.customer_en, "formal")
        calls = self._calls(self.customer_en)
        self.assertEqual(len(calls), 1, "one open call per customer and company")
        self.assertEqual(first.activity_id, calls)
        self.assertEqual(second.activity_id, calls)
        self.assertRecordValues(
            calls.with_user(self.collector),
            [
                {
                    "dunning_level_id": self.levels["formal"].id,
                    "user_id": self.collector.id,
                    "date_deadline": TODAY,
                }
            ],
        )
        self.assertIn(second.name, calls.summary)
        # the footer sums today's overdue amount once per customer: the EUR
        # invoice plus the USD one at the test rate, not twice
        overdue = sum(self.invoices[self.customer_en].mapped("amount_residual_signed"))
        self.assertAlmostEqual(
            sum(calls.with_user(self.collector).mapped("dunning_amount_due")),
            overdue,
            places=2,
        )

    def test_summary_dates_the_amount_of_the_reminder(self):
        comm = self._call_reminder(self.customer_en, "formal")
        self.assertEqual(
            comm.activity_id.summary,
            f"Call about {comm.name}: 1,234.56\xa0€ + $\xa02,500.00 overdue "
            "on 03/20/2026",
        )

    def test_paid_items_close_the_call_at_the_next_run(self):
        comm = self._call_reminder(self.customer_en, "formal")
        call = comm.activity_id
        self._pay(self.invoices[self.customer_en])
        self.assertEqual(self._calls(self.customer_en), call, "open until the run")
        as_job(self.env["dunning.run"])._cron_run()
        self.assertFalse(self._calls(self.customer_en))
        self.assertEqual(comm.call_state, "not_needed")
        self.assertIn(
            "Closed without calling: paid.",
            self._closing_messages(self.customer_en).body,
        )

    def test_partly_paid_call_stays_open(self):
        comm = self._call_reminder(self.customer_en, "formal")
        self._pay(self.invoices[self.customer_en][:1])
        as_job(self.env["dunning.run"])._cron_run()
        self.assertEqual(self._calls(self.customer_en), comm.activity_id)
        self.assertEqual(comm.call_state, "pending")

    def _legacy_call(self, customer, tone):
        """A second open call of the customer, as the addon made them before
        one call per customer."""
        call = customer.activity_schedule(CALL_TYPE, user_id=self.collector.id)
        comm = self._communication(
            customer, tone, channel_email=False, channel_call=True
        )
        as_job(comm).write(
            {"activity_id": call.id, "call_state": "pending", "state": "sent"}
        )
        return comm

    def test_next_run_merges_the_calls_made_before(self):
        first = self._call_reminder(
            self.customer_en, "friendly", date=TODAY - timedelta(days=20)
        )
        second = self._legacy_call(self.customer_en, "formal")
        self.assertEqual(len(self._calls(self.customer_en)), 2)
        as_job(self.env["dunning.run"])._cron_run()
        calls = self._calls(self.customer_en)
        self.assertEqual(len(calls), 1)
        self.assertEqual(first.activity_id, calls)
        self.assertEqual(second.activity_id, calls)
        self.assertEqual((first | second).mapped("call_state"), ["pending"] * 2)

    def test_promise_logged_on_a_call_closes_the_other_calls(self):
        first = self._call_reminder(
            self.customer_en, "friendly", date=TODAY - timedelta(days=20)
        )
        second = self._legacy_call(self.customer_en, "formal")
        call = first.activity_id
        action = call.with_user(self.collector).action_dunning_log_outcome()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.collector)
            .with_context(**action["context"])
        )
        wizard.outcome = "reached_promise"
        wizard.promise_date = TODAY + timedelta(days=10)
        wizard.save().action_confirm()
        self.assertFalse(self._calls(self.customer_en))
        self.assertEqual(first.call_state, "done", "the call made is done")
        self.assertEqual(second.call_state, "not_needed")
        self.assertIn(
            "Closed without calling: promise to pay until 03/30/2026.",
            self._closing_messages(self.customer_en).body,
        )

    def test_dispute_of_every_item_closes_the_call(self):
        invoice = self.invoices[self.customer_fr][:1]
        comm = self._call_reminder(self.customer_fr, "formal", moves=invoice)
        self.assertTrue(self._calls(self.customer_fr))
        reason = self.env["dunning.dispute.reason"].search([], limit=1)
        self.env["dunning.dispute"].with_user(self.collector).create(
            {"move_id": invoice.id, "reason_id": reason.id}
        )
        self.assertFalse(self._calls(self.customer_fr))
        self.assertEqual(comm.call_state, "not_needed")
        self.assertIn(
            "Closed without calling: disputed.",
            self._closing_messages(self.customer_fr).body,
        )

    def test_no_phone_number_asks_the_collector_for_one_once(self):
        self.customer_en.write({"mobile": False, "phone": False})
        first = self._call_reminder(
            self.customer_en, "friendly", date=TODAY - timedelta(days=20)
        )
        second = self._call_reminder(self.customer_en, "formal")
        self.assertFalse(self._calls(self.customer_en), "no call without a number")
        self.assertFalse(first.activity_id | second.activity_id)
        self.assertIn("Call: Smith Ltd has no phone number.", second.skipped_channels)
        todo = self.customer_en.activity_ids
        self.assertRecordValues(
            todo,
            [
                {
                    "summary": "Find a phone number for Smith Ltd",
                    "user_id": self.collector.id,
                    "activity_type_id": self.env.ref(
                        "account_dunning_advanced.mail_activity_type_dunning_todo"
                    ).id,
                }
            ],
        )
        # a number on the billing contact is enough
        self.customer_en.write({"phone": "+44 20 7946 0000"})
        third = self._call_reminder(self.customer_en, "final")
        self.assertEqual(self._calls(self.customer_en), third.activity_id)

    def _log_outcome(self, call, outcome, **values):
        action = call.with_user(self.collector).action_dunning_log_outcome()
        wizard = Form(
            self.env[action["res_model"]]
            .with_user(self.collector)
            .with_context(**action["context"])
        )
        wizard.outcome = outcome
        for name, value in values.items():
            setattr(wizard, name, value)
        wizard.save().action_confirm()

    def test_not_reached_call_again_is_the_reminders_call(self):
        comm = self._call_reminder(self.customer_en, "formal")
        call = comm.activity_id
        call_type = call.activity_type_id
        self._log_outcome(
            call,
            "not_reached",
            reschedule_date=TODAY + timedelta(days=2),
            note="Voicemail <b>full</b>",
        )
        self.assertFalse(call.exists(), "the call made is done")
        again = self._calls(self.customer_en)
        self.assertEqual(len(again), 1)
        self.assertEqual(comm.activity_id, again, "linked to its reminder")
        self.assertEqual(comm.call_state, "pending")
        self.assertRecordValues(
            again.with_user(self.collector),
            [
                {
                    "activity_type_id": call_type.id,
                    "user_id": self.collector.id,
                    "date_deadline": TODAY + timedelta(days=2),
                    "dunning_level_id": self.levels["formal"].id,
                }
            ],
        )
        self.assertIn(comm.name, again.summary)
        self.assertIn("Voicemail &lt;b&gt;full&lt;/b&gt;", str(again.note))
        # paid before the call: closed by the next run, not needed
        self._pay(self.invoices[self.customer_en])
        as_job(self.env["dunning.run"])._cron_run()
        self.assertFalse(self._calls(self.customer_en))
        self.assertEqual(comm.call_state, "not_needed")
        self.assertIn(
            "Closed without calling: paid.",
            self._closing_messages(self.customer_en).body,
        )

    def test_not_reached_updates_the_other_open_call(self):
        first = self._call_reminder(
            self.customer_en, "friendly", date=TODAY - timedelta(days=20)
        )
        second = self._legacy_call(self.customer_en, "formal")
        other = second.activity_id
        self._log_outcome(
            first.activity_id,
            "not_reached",
            reschedule_date=TODAY + timedelta(days=2),
        )
        calls = self._calls(self.customer_en)
        self.assertEqual(calls, other, "one open call per customer and company")
        self.assertEqual(first.activity_id, other)
        self.assertEqual((first | second).mapped("call_state"), ["pending"] * 2)
        # the earlier deadline of the two
        self.assertEqual(other.date_deadline, TODAY)

    def test_a_number_added_closes_the_find_a_number_todo(self):
        self.customer_en.write({"mobile": False, "phone": False})
        self._call_reminder(self.customer_en, "friendly")
        todo = self.customer_en.activity_ids
        self.assertEqual(todo.summary, "Find a phone number for Smith Ltd")
        # numbers of contacts the customer's calls are not made to
        delivery = self.env["res.partner"].create(
            {"name": "Warehouse", "parent_id": self.customer_en.id, "type": "delivery"}
        )
        (delivery | self.customer_fr).write({"phone": "+44 20 7946 0001"})
        self.assertTrue(todo.exists(), "still no number to call Smith Ltd on")
        billing = self.env["res.partner"].create(
            {"name": "Accounts", "parent_id": self.customer_en.id, "type": "invoice"}
        )
        self.assertTrue(todo.exists())
        billing.write({"mobile": "+44 7700 900999"})
        self.assertFalse(todo.exists())
        self.assertTrue(
            self.customer_en.message_ids.filtered(
                lambda m: "A phone number was added to the customer."
                in str(m.body or "")
            )
        )

    def test_a_billing_contact_created_with_a_number_closes_the_todo(self):
        self.customer_en.write({"mobile": False, "phone": False})
        self._call_reminder(self.customer_en, "friendly")
        todo = self.customer_en.activity_ids
        self.assertEqual(todo.summary, "Find a phone number for Smith Ltd")
        self.env["res.partner"].create(
            {
                "name": "Warehouse",
                "parent_id": self.customer_en.id,
                "type": "delivery",
                "phone": "+44 20 7946 0001",
            }
        )
        self.assertTrue(todo.exists(), "calls are not made to a delivery address")
        self.env["res.partner"].create(
            {
                "name": "Accounts",
                "parent_id": self.customer_en.id,
                "type": "invoice",
                "mobile": "+44 7700 900999",
            }
        )
        self.assertFalse(todo.exists())

    def test_summary_in_the_collectors_language_not_the_customers(self):
        self.collector.lang = "en_US"
        comm_fr = self._call_reminder(self.customer_fr, "formal")
        summary = comm_fr.activity_id.summary
        self.assertIn("Call about", summary)
        self.assertIn("1,234.56\xa0€", summary)
        self.assertIn("03/20/2026", summary)
        note = str(comm_fr.activity_id.note)
        self.assertIn("days late", note)
        self.assertNotIn("jours", note)
        # and the other way round: a French collector, an English customer
        self.collector.lang = "fr_FR"
        comm_en = self._call_reminder(self.customer_en, "formal")
        summary = comm_en.activity_id.summary
        self.assertIn("1\xa0234,56\xa0€", summary)
        self.assertIn("20/03/2026", summary)
        self.assertIn("20/03/2026", str(comm_en.activity_id.note))

    def test_other_dunning_todos_in_the_collectors_language(self):
        self.env["ir.module.module"]._load_module_terms(
            ["account_dunning_advanced"], ["fr_FR"], overwrite=True
        )
        self.collector.lang = "fr_FR"
        # an English customer whose letter cannot go: the collector's to-do
        self.customer_en.write({"email": False, "street": False})
        comm = self._communication(self.customer_en, "friendly")
        as_job(self.env["dunning.dispatch"])._dispatch(comm)
        summaries = self.customer_en.activity_ids.mapped("summary")
        self.assertIn("Complétez l'adresse postale de Smith Ltd", summaries)
