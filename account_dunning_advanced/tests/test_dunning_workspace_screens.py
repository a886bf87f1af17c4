# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from ast import literal_eval
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .workspace_common import TODAY, DunningWorkspaceCommon


@tagged("post_install", "-at_install")
class TestDunningApprovedReminderFrozen(DunningWorkspaceCommon):
    """What a manager approved stays as approved, whoever writes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.level_formal.needs_approval = True
        cls.company.dunning_approval_dispatch = "next_run"

    @freeze_time(TODAY)
    def test_items_amounts_and_channels_refused_after_approval(self):
        self._run(TODAY)
        self._run(TODAY)
        reminder = self._communications().filtered(lambda c: c.state == "to_approve")
        self.assertEqual(len(reminder), 1)
        line = reminder.line_ids[:1]
        # before approval the engine may still adjust the reminder
        reminder.sudo().write({"channel_sms": True})
        reminder.sudo().write({"channel_sms": False})
        reminder.with_user(self.manager).action_approve()
        self.assertEqual(reminder.state, "queued")
        amount = line.amount_residual
        with self.assertRaises(AccessError):
            line.with_user(self.manager).write({"amount_residual": 1.0})
        with self.assertRaises(AccessError):
            reminder.with_user(self.manager).write({"channel_letter": True})
        with self.assertRaises(UserError):
            line.sudo().write({"amount_residual": 1.0})
        with self.assertRaises(UserError):
            reminder.sudo().write({"level_id": self.level_friendly.id})
        with self.assertRaises(UserError):
            reminder.sudo().write({"line_ids": [(2, line.id)]})
        with self.assertRaises(UserError):
            self.env["dunning.communication.line"].sudo().create(
                dict(
                    line.copy_data()[0],
                    communication_id=reminder.id,
                    move_line_id=False,
                )
            )
        reminder.invalidate_recordset()
        line.invalidate_recordset()
        self.assertRecordValues(line, [{"amount_residual": amount}])
        self.assertRecordValues(
            reminder,
            [{"channel_letter": False, "level_id": self.level_formal.id}],
        )
        self.assertEqual(len(reminder.line_ids), 2)

    @freeze_time(TODAY)
    def test_preview_letter_is_neither_stored_nor_sent(self):
        self.level_formal.channel_letter = True
        self._run(TODAY)
        self._run(TODAY)
        reminder = self._communications().filtered(lambda c: c.state == "to_approve")
        action = reminder.with_user(self.manager).action_preview_letter()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_type"], "qweb-html")
        self.assertIn(reminder.name, action["name"])
        html, _type = (
            self.env["ir.actions.report"]
            .with_user(self.manager)
            ._render_qweb_html(action["report_name"], reminder.ids)
        )
        self.assertIn(self.invoice_a.name, html.decode())
        self.assertFalse(reminder.letter_attachment_id)
        self.assertFalse(
            self.env["ir.attachment"].search(
                [("res_model", "=", reminder._name), ("res_id", "=", reminder.id)]
            )
        )
        self.assertEqual(reminder.state, "to_approve")


@tagged("post_install", "-at_install")
class TestDunningWorklistScreens(DunningWorkspaceCommon):
    """The worklist says why a customer is not reminded; calls and dialogs
    show what they are about."""

    def _customer(self, name, due, amount=400.0):
        customer = self.env["res.partner"].create(
            {"name": name, "is_company": True, "email": f"{name[:3]}@example.com"}
        )
        self._overdue_invoice(due, amount, partner=customer)
        return customer

    def _row(self, customer):
        return self.env["dunning.worklist"].search(
            [("partner_id", "=", customer.id), ("company_id", "=", self.company.id)]
        )

    @freeze_time(TODAY)
    def test_why_not_reminded(self):
        reminded = self._customer("Reminded SA", "2026-03-15")
        paused = self._customer("Paused SA", "2026-02-20")
        paused.with_company(self.company)._dunning_set_pause(date(2026, 4, 30))
        credit = self._customer("Credit SA", "2026-02-20")
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": credit.id,
                "invoice_date": "2026-02-01",
                "invoice_line_ids": [
                    (0, 0, {"name": "Refund", "price_unit": 50.0, "tax_ids": []})
                ],
            }
        )
        refund.action_post()
        disputed = self._customer("Disputed SA", "2026-02-20")
        self.env["dunning.dispute"].create(
            {
                "partner_id": disputed.id,
                "company_id": self.company.id,
                "move_id": disputed.invoice_ids.id,
                "reason_id": self.env["dunning.dispute.reason"].search([], limit=1).id,
            }
        )
        # Durand gets the friendly reminder ten days ago, and may not get
        # another within 30 days
        self._run(date(2026, 3, 10))
        self.scenario.min_interval_days = 30
        self._run(TODAY)
        rows = self.env["dunning.worklist"].search(
            [
                (
                    "partner_id",
                    "in",
                    (self.customer | reminded | paused | credit | disputed).ids,
                )
            ]
        )
        self.assertEqual(
            {row.partner_id.name: row.hold_reason for row in rows},
            {
                "Durand SA": "interval",
                "Reminded SA": False,
                "Paused SA": "partner_paused",
                "Credit SA": "unreconciled_payment",
                "Disputed SA": "disputed",
            },
        )
        self.assertEqual(
            self.env["dunning.worklist"].search_count(
                [("hold_reason", "=", "partner_paused")]
            ),
            1,
        )

    @freeze_time(TODAY)
    def test_next_reminder_date_and_level(self):
        self._run(date(2026, 2, 26))
        row = self._row(self.customer)
        self.assertRecordValues(
            row,
            [
                {
                    "last_date": date(2026, 2, 26),
                    "level_id": self.level_friendly.id,
                    "next_date": TODAY,
                    "next_level_id": self.level_formal.id,
                }
            ],
        )

    @freeze_time(TODAY)
    def test_calls_to_make_show_customer_amount_and_level(self):
        self.level_friendly.channel_call = True
        self._run(TODAY)
        reminder = self._communications()
        self.assertTrue(reminder.activity_id)
        action = self.env.ref(
            "account_dunning_advanced.dunning_worklist_partner_activity_action"
        )
        self.assertEqual(action.res_model, "mail.activity")
        calls = (
            self.env["mail.activity"]
            .with_user(self.collector)
            .search(literal_eval(action.domain))
        )
        self.assertEqual(calls, reminder.activity_id)
        self.assertRecordValues(
            calls,
            [
                {
                    "dunning_partner_id": self.customer.id,
                    "dunning_phone": self.customer.phone,
                    "dunning_level_id": self.level_friendly.id,
                    "dunning_amount_due": 1500.0,
                    "dunning_overdue_by_currency": "$\xa01,500.00",
                    "dunning_currency_id": self.company.currency_id.id,
                }
            ],
        )
        # every chatter reads all the fields of its activities: users without
        # dunning rights still see the call there, without the dunning figures
        employee = new_test_user(
            self.env,
            login="employee_no_dunning",
            groups="base.group_user,base.group_partner_manager",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        for user in (employee, self.collector):
            store = calls.with_user(user).activity_format()
            self.assertEqual([act["id"] for act in store["mail.activity"]], calls.ids)
            self.assertEqual(
                "dunning_amount_due" in store["mail.activity"][0],
                user == self.collector,
            )

    @freeze_time(TODAY)
    def test_empty_preview_explains_and_keeps_skipped_apart(self):
        self.customer.with_company(self.company)._dunning_set_pause(date(2026, 4, 30))
        wizard = (
            self.env["dunning.run.wizard"]
            .with_user(self.manager)
            .create({"date": TODAY, "company_id": self.company.id})
        )
        action = wizard.action_run()
        self.assertEqual(action["name"], "Preview of the Run of 03/20/2026")
        self.assertRecordValues(
            wizard,
            [{"reminder_count": 0, "amount_to_send": 0.0, "amount_skipped": 1500.0}],
        )
        self.assertEqual(
            wizard.preview_summary,
            "Nothing to remind: 1 customer(s) skipped (Customer paused: 1).",
        )

    @freeze_time(TODAY)
    def test_preview_of_chosen_customers_separates_totals(self):
        other = self._customer("Martin SARL", "2026-03-01", 800.0)
        other.with_company(self.company)._dunning_set_pause(date(2026, 4, 30))
        wizard = (
            self.env["dunning.send.wizard"]
            .with_user(self.collector)
            .create(
                {
                    "mode": "preview",
                    "company_id": self.company.id,
                    "partner_ids": [(6, 0, (self.customer | other).ids)],
                }
            )
        )
        action = wizard.action_preview()
        self.assertEqual(action["name"], "Preview Next Reminders")
        self.assertRecordValues(
            wizard,
            [{"reminder_count": 1, "amount_to_send": 1500.0, "amount_skipped": 800.0}],
        )
        self.assertEqual(
            wizard.preview_summary, "1 reminder(s) to send; 1 customer(s) skipped."
        )

    @freeze_time(TODAY)
    def test_dialogs_are_titled_after_what_they_record(self):
        row = self._row(self.customer).with_user(self.collector)
        self.assertEqual(row.action_promise()["name"], "Promise to Pay")
        self.assertEqual(row.action_dispute()["name"], "Dispute")
        self.assertEqual(row.action_log_call()["name"], "Log Call Outcome")


@tagged("post_install", "-at_install")
class TestDunningLevelPreview(DunningWorkspaceCommon):
    """A level's email, previewed for a customer and sent as a test to the
    user alone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager.email = "marc@example.com"

    @freeze_time(TODAY)
    def test_preview_renders_the_level_email_in_the_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["account_dunning_advanced"], ["fr_FR"], overwrite=True
        )
        self.customer.lang = "fr_FR"
        action = self.level_friendly.with_user(self.manager).action_preview_email()
        self.assertEqual(action["name"], "Preview: Friendly")
        wizard = self.env["dunning.level.preview.wizard"].browse(action["res_id"])
        self.assertRecordValues(
            wizard,
            [
                {
                    "partner_id": self.customer.id,
                    "template_id": self.env.ref(
                        "account_dunning_advanced.mail_template_dunning_friendly"
                    ).id,
                    "lang": "fr_FR",
                    "error": False,
                }
            ],
        )
        self.assertIn(self.invoice_a.name, wizard.subject)
        self.assertIn("Sauf erreur de notre part", str(wizard.body_html))
        self.assertIn("Durand SA", str(wizard.body_html))
        self.assertFalse(self._communications(), "no reminder is left behind")

    @freeze_time(TODAY)
    def test_send_test_mails_the_user_and_nothing_on_the_customer(self):
        messages = self.env["mail.message"].search_count(
            [("model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
        )
        action = self.level_formal.with_user(self.manager).action_send_test_email()
        self.assertEqual(action["name"], "Send Test: Formal")
        wizard = (
            self.env["dunning.level.preview.wizard"]
            .with_user(self.manager)
            .browse(action["res_id"])
        )
        # sent at once (the mail server is a stand-in here;
        # test_dunning_template_editing sends through a real one)
        sent = []

        def send_email(server, message, *args, **kwargs):
            sent.append(message)
            return message["Message-Id"]

        with patch.object(
            type(self.env["ir.mail_server"]),
            "send_email",
            autospec=True,
            side_effect=send_email,
        ):
            action = wizard.action_send_test()
        self.assertEqual(action["params"]["title"], "Test email sent")
        self.assertEqual(len(sent), 1)
        self.assertIn("marc@example.com", sent[0]["To"])
        self.assertTrue(str(sent[0]["Subject"]).startswith("[TEST] "))
        self.assertIn(self.invoice_a.name, str(sent[0]["Subject"]))
        body = sent[0].get_body(("html",)).get_content()
        self.assertIn("not counted as a reminder", body)
        # sent, then deleted: nothing left in the mail queue
        self.assertFalse(
            self.env["mail.mail"].search([("email_to", "ilike", "marc@example.com")])
        )
        self.assertFalse(self._communications())
        self.assertEqual(
            self.env["mail.message"].search_count(
                [("model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
            ),
            messages,
        )

    def test_preview_of_another_company_is_refused(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        wizard = (
            self.env["dunning.level.preview.wizard"]
            .with_user(self.manager)
            .create(
                {
                    "level_id": self.level_friendly.id,
                    "company_id": other_company.id,
                    "partner_id": self.customer.id,
                }
            )
        )
        with self.assertRaises(AccessError):
            wizard._render()
