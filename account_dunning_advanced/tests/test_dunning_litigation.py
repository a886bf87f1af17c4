# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import csv
import io
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.pdf import PdfFileReader

from ..models.dunning_litigation import CSV_COLUMNS
from ..tools import csv_bytes
from .common import as_job
from .workspace_common import TODAY, DunningWorkspaceCommon


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningLitigation(DunningWorkspaceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lawyer = cls.env["res.partner"].create(
            {"name": "Maître Lefèvre", "is_company": True}
        )
        cls.sent = (
            as_job(cls.env["dunning.run"])
            ._run_company(cls.company, TODAY, "manual", dry_run=False)
            .communication_ids
        )
        cls.sent.mail_id.send()
        cls.promise = cls.env["dunning.promise"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.company.id,
                "date": "2026-03-10",
                "amount": 300.0,
                "note": "Will pay part next week",
            }
        )
        cls.dispute = cls.env["dunning.dispute"].create(
            {
                "move_id": cls.invoice_b.id,
                "reason_id": cls.env.ref(
                    "account_dunning_advanced.dispute_reason_quality"
                ).id,
                "note": "Scratched panels",
            }
        )

    def _hand_over(self, user=None, **values):
        action = self.customer.with_user(
            user or self.collector
        ).action_dunning_hand_over()
        form = Form(
            self.env["dunning.litigation"]
            .with_user(user or self.collector)
            .with_context(**action["context"])
        )
        form.agent_kind = "lawyer"
        form.agent_id = self.lawyer
        form.registered_mail_ref = values.get("ref", "1A 234 567 8901 2")
        record = form.save()
        if values.get("pdf"):
            # real PDFs, as in production (tests render HTML by default)
            record = record.with_context(force_report_rendering=True)
        record.action_hand_over()
        return record

    def _pdf_text(self, content):
        reader = PdfFileReader(io.BytesIO(content))
        return " ".join(" ".join(page.extract_text() for page in reader.pages).split())

    def test_hand_over_marks_litigation_and_attaches_documents(self):
        self.assertEqual(self.sent.state, "sent")
        record = self._hand_over(pdf=True)
        self.assertRecordValues(
            record,
            [
                {
                    "state": "done",
                    "company_id": self.company.id,
                    "amount_due": 1500.0,
                    "user_id": self.collector.id,
                }
            ],
        )
        self.assertTrue(self.customer.with_company(self.company).dunning_litigation)
        self.assertEqual(
            sorted(record.attachment_ids.mapped("mimetype")),
            ["application/pdf", "application/pdf", "text/csv"],
        )
        notice = record.attachment_ids.filtered(lambda a: "Formal notice" in a.name)
        text = self._pdf_text(notice.raw)
        for expected in (
            "formal notice to pay",
            "1A 234 567 8901 2",
            self.invoice_a.name,
            self.sent.name,
            "Maître Lefèvre",
            "within 8 days",
        ):
            self.assertIn(expected, text)
        with self.assertRaises(UserError):
            record.write({"agent_id": self.customer.id})
        with self.assertRaises(UserError):
            record.action_hand_over()
        record.note = "Lawyer acknowledged receipt"  # still allowed

    def test_csv_export_content(self):
        record = self._hand_over()
        attachment = record.attachment_ids.filtered(lambda a: a.mimetype == "text/csv")
        rows = list(csv.DictReader(io.StringIO(attachment.raw.decode())))
        self.assertEqual(list(rows[0]), CSV_COLUMNS)
        self.assertEqual(
            [row["record"] for row in rows],
            ["customer", "invoice", "invoice", "reminder", "promise", "dispute"],
        )
        customer, inv_a, inv_b, reminder, promise, dispute = rows
        self.assertIn("Durand SA", customer["details"])
        self.assertEqual(float(customer["amount_due"]), 1500.0)
        self.assertEqual(
            (inv_a["reference"], inv_a["due_date"], float(inv_a["amount_due"])),
            (self.invoice_a.name, "2026-02-20", 1000.0),
        )
        self.assertEqual(inv_b["reference"], self.invoice_b.name)
        self.assertEqual(
            (reminder["reference"], reminder["level"], reminder["channels"]),
            (self.sent.name, "Friendly", "Email"),
        )
        self.assertTrue(reminder["date"].startswith("2026-03-20"))
        self.assertIn(self.invoice_a.name, reminder["details"])
        self.assertEqual(
            (promise["due_date"], float(promise["amount"]), promise["state"]),
            ("2026-03-10", 300.0, "open"),
        )
        self.assertEqual(
            (dispute["reference"], dispute["state"]), (self.invoice_b.name, "open")
        )
        self.assertIn("Scratched panels", dispute["details"])

    def test_csv_cells_never_run_as_formulas(self):
        """What customers and collectors typed reaches the agency's spreadsheet
        as text: a cell starting like a formula gets a leading quote (OWASP
        CSV injection); the amounts stay numbers."""
        self.customer.write({"name": '=HYPERLINK("http://x","y")', "ref": "@SUM(1+1)"})
        self.invoice_a.ref = "+cmd|' /C calc'!A0"
        self.invoice_b.ref = "-2+3"
        self.promise.note = "\tWill pay\r=1+1"
        record = self._hand_over()
        attachment = record.attachment_ids.filtered(lambda a: a.mimetype == "text/csv")
        rows = list(csv.DictReader(io.StringIO(attachment.raw.decode())))
        customer, inv_a, inv_b, _reminder, promise, _dispute = rows
        self.assertEqual(customer["reference"], "'@SUM(1+1)")
        self.assertTrue(
            customer["details"].startswith('\'=HYPERLINK("http://x","y") / '),
            customer["details"],
        )
        self.assertEqual(inv_a["details"], "'+cmd|' /C calc'!A0")
        self.assertEqual(inv_b["details"], "'-2+3")
        self.assertEqual(promise["details"], "'\tWill pay\r=1+1")
        formula = ("=", "+", "-", "@", "\t", "\r")
        self.assertFalse(
            [cell for row in rows for cell in row.values() if cell.startswith(formula)]
        )
        self.assertEqual(
            [customer["amount_due"], inv_a["amount_due"], promise["amount"]],
            ["1500.0", "1000.0", "300.0"],
        )

    def test_csv_negative_amounts_stay_numbers(self):
        """A figure the addon computes is data, even negative (a credit): only
        texts are escaped."""
        content = csv_bytes(
            ["amount", "details"], [{"amount": -250.5, "details": "-250.5"}]
        )
        self.assertEqual(
            content.decode().splitlines(), ["amount,details", "-250.5,'-250.5"]
        )

    def test_file_pdf_from_the_report_engine(self):
        record = self._hand_over()
        content, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "account_dunning_advanced.action_report_dunning_litigation_file",
                record.ids,
            )
        )
        self.assertEqual(report_type, "pdf")
        text = self._pdf_text(content)
        for expected in (
            "Litigation file",
            "Durand SA",
            "Maître Lefèvre",
            self.sent.name,
            self.invoice_a.name,
            "Scratched panels",
            "Reminders sent",
            "Promises to pay",
        ):
            self.assertIn(expected, text)

    def test_formal_notice_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["account_dunning_advanced"], ["fr_FR"], overwrite=True
        )
        self.customer.lang = "fr_FR"
        record = self._hand_over(pdf=True)
        notice = record.attachment_ids.filtered(
            lambda a: a.name.startswith("Formal notice")
        )
        text = self._pdf_text(notice.raw)
        self.assertIn("Lettre recommandée avec accusé de réception", text)
        self.assertIn("mise en demeure de payer", text)

    def test_no_reminder_after_hand_over(self):
        self._hand_over()
        run = self._run(date(2026, 4, 10))  # the formal level is due
        self.assertFalse(run.communication_ids)
        self.assertIn("litigation", run.log_ids.mapped("reason"))

    def test_pending_reminders_cancelled(self):
        self.level_formal.needs_approval = True
        run = self._run(date(2026, 4, 10))
        pending = run.communication_ids
        self.assertEqual(pending.state, "to_approve")
        self._hand_over()
        self.assertEqual(pending.state, "cancelled")

    def test_litigation_only_in_its_company(self):
        other = self.setup_other_company()["company"]
        self.env.user.company_ids |= other
        self.customer.with_company(other).dunning_scenario_id = self.scenario.copy(
            {"company_id": other.id}
        )
        invoice = (
            self.env["account.move"]
            .with_company(other)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": "2026-01-20",
                    "invoice_date_due": "2026-02-20",
                    "invoice_line_ids": [
                        (0, 0, {"name": "Audit", "price_unit": 700.0, "tax_ids": []})
                    ],
                }
            )
        )
        invoice.action_post()
        self._hand_over()
        self.assertFalse(self.customer.with_company(other).dunning_litigation)
        run = as_job(self.env["dunning.run"])._run_company(
            other, date(2026, 4, 10), "manual", dry_run=False
        )
        self.assertEqual(run.communication_ids.line_ids.move_id, invoice)
        self.assertFalse(self._run(date(2026, 4, 10)).communication_ids)

    def test_only_dunning_users_hand_over(self):
        clerk = new_test_user(
            self.env,
            login="litigation_clerk",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        with self.assertRaises(AccessError):
            self.env["dunning.litigation"].with_user(clerk).create(
                {"partner_id": self.customer.id, "agent_id": self.lawyer.id}
            )
        record = (
            self.env["dunning.litigation"]
            .with_user(self.collector)
            .create({"partner_id": self.customer.id, "agent_id": self.lawyer.id})
        )
        with self.assertRaises(UserError):
            record.write({"state": "done"})
        with self.assertRaises(AccessError):
            record.with_user(clerk).action_hand_over()
        self.assertFalse(self.customer.with_company(self.company).dunning_litigation)
