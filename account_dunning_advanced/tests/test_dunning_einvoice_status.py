# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .workspace_common import TODAY, DunningWorkspaceCommon

TODO = "account_dunning_advanced.mail_activity_type_dunning_todo"


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningEinvoiceStatus(DunningWorkspaceCommon):
    def _status(self, invoice, status, day, comment=False):
        return self.env["dunning.einvoice.status"].create(
            {
                "move_id": invoice.id,
                "status": status,
                "date": day,
                "comment": comment,
                "source": "platform",
            }
        )

    def _skips(self, run, invoice):
        return run.log_ids.filtered(lambda log: log.move_id == invoice).mapped("reason")

    def _reminded(self, run):
        return run.communication_ids.line_ids.move_id

    def _refusal_activities(self, invoice):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "=", invoice.id),
                ("activity_type_id", "=", self.env.ref(TODO).id),
            ]
        )

    def test_latest_status_on_the_invoice(self):
        self._status(self.invoice_a, "deposited", "2026-01-20")
        self._status(self.invoice_a, "approved", "2026-01-25")
        # recorded later, but dated earlier: not the latest
        self._status(self.invoice_a, "made_available", "2026-01-22")
        self.assertRecordValues(
            self.invoice_a,
            [
                {
                    "dunning_einvoice_status": "approved",
                    "dunning_einvoice_status_date": date(2026, 1, 25),
                    "dunning_einvoice_approved_date": date(2026, 1, 25),
                }
            ],
        )
        self.assertEqual(len(self.invoice_a.dunning_einvoice_status_ids), 3)
        self.assertFalse(self.invoice_b.dunning_einvoice_status)

    def test_history_is_append_only(self):
        status = self._status(self.invoice_a, "deposited", "2026-01-20")
        with self.assertRaises(UserError):
            status.write({"status": "approved"})
        with self.assertRaises(AccessError):
            self.invoice_a.write({"dunning_einvoice_status": "cashed"})
        with self.assertRaises(AccessError):
            self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "dunning_einvoice_status": "approved",
                }
            )
        status.comment = "Platform ticket 42"  # a comment may be completed
        with self.assertRaises(UserError):
            self._status(self.invoice_a.copy(), "deposited", "2026-01-20")

    def test_recorded_by_hand(self):
        action = self.invoice_a.with_user(
            self.collector
        ).action_dunning_add_einvoice_status()
        form = Form(
            self.env["dunning.einvoice.status"]
            .with_user(self.collector)
            .with_context(**action["context"])
        )
        form.status = "suspended"
        form.comment = "Purchase order number missing"
        status = form.save()
        self.assertRecordValues(
            status,
            [{"move_id": self.invoice_a.id, "source": "manual", "date": TODAY}],
        )
        self.assertEqual(self.invoice_a.dunning_einvoice_status, "suspended")

    def test_refused_never_reminded_and_one_activity(self):
        self._status(self.invoice_a, "refused", "2026-03-01", "Wrong VAT number")
        self._status(self.invoice_a, "rejected", "2026-03-02")
        activity = self._refusal_activities(self.invoice_a)
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("Wrong VAT number", str(activity.note))
        self.assertIn("210 Refused", activity.summary)
        run = self._run(TODAY)
        self.assertEqual(self._reminded(run), self.invoice_b)
        self.assertEqual(self._skips(run, self.invoice_a), ["einvoice_refused"])
        # the formal level comes, the refused invoice still is not reminded
        run = self._run(date(2026, 4, 30))
        self.assertEqual(self._reminded(run), self.invoice_b)
        self.assertEqual(self._skips(run, self.invoice_a), ["einvoice_refused"])
        self.assertEqual(self._refusal_activities(self.invoice_a), activity)

    def test_dispute_opens_a_dispute_with_the_platform_reason(self):
        self._status(self.invoice_a, "disputed", "2026-03-01", "Quantity delivered: 8")
        dispute = self.invoice_a.dunning_dispute_ids
        self.assertRecordValues(
            dispute,
            [
                {
                    "state": "open",
                    "note": "Quantity delivered: 8",
                    "reason_id": self.env.ref(
                        "account_dunning_advanced.dispute_reason_einvoice_platform"
                    ).id,
                }
            ],
        )
        # the same status again opens no second dispute
        self._status(self.invoice_a, "disputed", "2026-03-02")
        self.assertEqual(self.invoice_a.dunning_dispute_ids, dispute)
        run = self._run(TODAY)
        self.assertEqual(self._reminded(run), self.invoice_b)
        self.assertEqual(self._skips(run, self.invoice_a), ["disputed"])
        # approved after all: the platform's dispute is closed, reminders resume
        self._status(self.invoice_a, "approved", "2026-03-25")
        self.assertEqual(dispute.state, "resolved")
        run = self._run(date(2026, 3, 26))
        self.assertIn(self.invoice_a, self._reminded(run))

    def test_suspended_is_paused(self):
        self._status(self.invoice_a, "suspended", "2026-03-01", "Missing PO")
        run = self._run(TODAY)
        self.assertEqual(self._reminded(run), self.invoice_b)
        self.assertEqual(self._skips(run, self.invoice_a), ["einvoice_suspended"])
        self._status(self.invoice_a, "completed", "2026-03-21")
        run = self._run(date(2026, 3, 22))
        self.assertIn(self.invoice_a, self._reminded(run))

    def test_payment_transmitted_held_then_reminded(self):
        self.company.dunning_payment_announced_days = 5
        self.invoice_b.dunning_excluded = True
        self._status(self.invoice_a, "payment_transmitted", "2026-03-18")
        for day in (TODAY, date(2026, 3, 22)):
            run = self._run(day)
            self.assertFalse(run.communication_ids, day)
            self.assertEqual(self._skips(run, self.invoice_a), ["payment_announced"])
        # five days later nothing was reconciled: reminded as usual
        # (reminders are checked again when sent, on the day they go out)
        with freeze_time("2026-03-23"):
            run = self._run(date(2026, 3, 23))
        self.assertEqual(self._reminded(run), self.invoice_a)

    def test_payment_transmitted_and_paid_is_never_reminded(self):
        self.company.dunning_payment_announced_days = 5
        self.invoice_b.dunning_excluded = True
        self._status(self.invoice_a, "payment_transmitted", "2026-03-18")
        self._pay(self.invoice_a, 1000.0, "2026-03-21")
        with freeze_time("2026-03-23"):
            run = self._run(date(2026, 3, 23))
        self.assertFalse(run.communication_ids)

    def test_approved_reminder_states_the_approval_date(self):
        self._status(self.invoice_a, "approved", "2026-02-02")
        run = self._run(TODAY)
        mail = run.communication_ids.mail_id
        self.assertTrue(mail)
        body = str(mail.body_html)
        self.assertIn(
            f"You approved invoice <strong>{self.invoice_a.name}</strong>", body
        )
        self.assertIn("02/02/2026", body)
        self.assertNotIn(
            f"You approved invoice <strong>{self.invoice_b.name}</strong>", body
        )

    def test_reminder_without_approval_says_nothing_of_it(self):
        run = self._run(TODAY)
        self.assertNotIn("You approved", str(run.communication_ids.mail_id.body_html))

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------
    def test_rpc_method_bad_row_fails_alone(self):
        rows = [
            {
                "invoice": self.invoice_a.name,
                "status": "210",
                "date": "2026-03-01",
                "comment": "Wrong SIREN",
            },
            {"invoice": "INV/NOPE/0001", "status": "205"},
            {"invoice": self.invoice_b.name, "status": "999"},
            {"invoice": self.invoice_b.name, "status": "205", "date": "31/02/2026"},
            "not a row",
            {"move_id": self.invoice_b.id, "status": "approved", "date": "2026-03-02"},
        ]
        results = (
            self.env["account.move"]
            .with_user(self.collector)
            .dunning_import_einvoice_statuses(rows)
        )
        self.assertEqual(
            [res["ok"] for res in results], [True, False, False, False, False, True]
        )
        self.assertIn("INV/NOPE/0001 not found", results[1]["error"])
        self.assertIn("Unknown lifecycle status 999", results[2]["error"])
        self.assertIn("Invalid date", results[3]["error"])
        self.assertRecordValues(
            self.invoice_a.dunning_einvoice_status_ids,
            [{"status": "refused", "source": "platform", "comment": "Wrong SIREN"}],
        )
        self.assertEqual(self.invoice_b.dunning_einvoice_status, "approved")

    def test_rpc_method_refused_to_non_dunning_users(self):
        clerk = new_test_user(
            self.env,
            login="einvoice_clerk",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(clerk).dunning_import_einvoice_statuses(
                [{"invoice": self.invoice_a.name, "status": "210"}]
            )
        with self.assertRaises(AccessError):
            self.env["dunning.einvoice.status"].with_user(clerk).create(
                {"move_id": self.invoice_a.id, "status": "refused"}
            )
        self.assertFalse(self.invoice_a.dunning_einvoice_status_ids)

    def test_rpc_method_sees_only_the_users_companies(self):
        other_company = self.setup_other_company()["company"]
        other_invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": other_company.id,
                "partner_id": self.customer.id,
                "invoice_date": "2026-01-20",
                "invoice_line_ids": [
                    (0, 0, {"name": "X", "price_unit": 10.0, "tax_ids": []})
                ],
            }
        )
        other_invoice.action_post()
        [result] = (
            self.env["account.move"]
            .with_user(self.collector)
            .dunning_import_einvoice_statuses(
                [{"move_id": other_invoice.id, "status": "210"}]
            )
        )
        self.assertFalse(result["ok"])
        self.assertFalse(other_invoice.dunning_einvoice_status_ids)

    def test_csv_import_wizard(self):
        content = (
            "invoice;status;date;comment\n"
            f"{self.invoice_a.name};207;2026-03-01;Price not as agreed\n"
            "INV/NOPE/0001;205;2026-03-01;\n"
            f"{self.invoice_b.name};208;2026-03-02;\n"
        )
        wizard = (
            self.env["dunning.einvoice.import.wizard"]
            .with_user(self.collector)
            .create({"file": base64.b64encode(content.encode()), "filename": "st.csv"})
        )
        wizard.action_import()
        self.assertRecordValues(
            wizard, [{"state": "done", "imported_count": 2, "error_count": 1}]
        )
        self.assertIn("Line 3 (INV/NOPE/0001)", wizard.result)
        self.assertRecordValues(
            self.invoice_a | self.invoice_b,
            [
                {"dunning_einvoice_status": "disputed", "dunning_dispute": True},
                {"dunning_einvoice_status": "suspended", "dunning_dispute": False},
            ],
        )
        self.assertEqual(self.invoice_a.dunning_einvoice_status_ids.source, "import")

    def test_csv_import_needs_the_columns(self):
        wizard = self.env["dunning.einvoice.import.wizard"].create(
            {"file": base64.b64encode(b"number,code\nX,210\n")}
        )
        with self.assertRaises(UserError):
            wizard.action_import()

    def test_effectiveness_report_by_status(self):
        """The reminder's status is the one its invoices had on its date."""
        self._status(self.invoice_a, "deposited", "2026-01-20")
        self._status(self.invoice_a, "approved", "2026-02-02")
        first = self._run(TODAY).communication_ids
        first.mail_id.send()
        self._status(self.invoice_a, "payment_transmitted", "2026-04-01")
        with freeze_time("2026-04-20"):
            second = self._run(date(2026, 4, 20)).communication_ids
            second.mail_id.send()
        self._status(self.invoice_b, "cashed", "2026-04-25")
        rows = self.env["dunning.effectiveness.report"].search_read(
            [("communication_id", "in", (first | second).ids)],
            ["communication_id", "einvoice_status"],
            order="date",
        )
        self.assertEqual(
            [(row["communication_id"][0], row["einvoice_status"]) for row in rows],
            [(first.id, "approved"), (second.id, "payment_transmitted")],
        )
        groups = self.env["dunning.effectiveness.report"].read_group(
            [("communication_id", "in", (first | second).ids)],
            ["reminder_count:sum"],
            ["einvoice_status"],
        )
        self.assertEqual(
            {g["einvoice_status"]: g["reminder_count"] for g in groups},
            {"approved": 1, "payment_transmitted": 1},
        )
