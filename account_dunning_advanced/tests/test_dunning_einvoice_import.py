# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date
from email.message import EmailMessage

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..models.dunning_einvoice_status import EINVOICE_STATUSES
from .einvoice_common import (
    BUYER_SIRET,
    FIXTURES,
    SELLER_SIRET,
    fixture,
    peppol_response,
    zipped,
)
from .workspace_common import TODAY, DunningWorkspaceCommon

TODO = "account_dunning_advanced.mail_activity_type_dunning_todo"
ALIAS = "account_dunning_advanced.mail_alias_einvoice_message"


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningEinvoiceImport(DunningWorkspaceCommon):
    """Lifecycle messages from platforms and access points, through the mail
    alias, the upload dialog and the importer, then the planner's decisions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.company_registry = SELLER_SIRET
        cls.customer.company_registry = BUYER_SIRET
        cls.invoice_c = cls._overdue_invoice("2026-02-25", 300.0)
        cls.invoice_d = cls._overdue_invoice("2026-02-25", 200.0)
        cls.alias = cls.env.ref(ALIAS)
        cls.alias.write(
            {
                "alias_defaults": repr({"company_id": cls.company.id}),
                "alias_domain_id": cls.env["mail.alias.domain"]
                .create({"name": "odoo.example"})
                .id,
            }
        )
        cls.Message = cls.env["dunning.einvoice.message"]

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _email(self, attachments, message_id="<platform-1@ap.example>"):
        msg = EmailMessage()
        msg["From"] = "Access Point <noreply@ap.example>"
        msg["To"] = self.alias.alias_full_name
        msg["Subject"] = "Invoice responses"
        msg["Message-Id"] = message_id
        msg.set_content("Invoice responses attached.")
        for name, data in attachments.items():
            maintype, subtype = (
                ("application", "zip") if name.endswith(".zip") else ("text", "xml")
            )
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        return msg.as_bytes()

    def _receive(self, attachments, message_id="<platform-1@ap.example>"):
        thread_id = self.env["mail.thread"].message_process(
            False, self._email(attachments, message_id)
        )
        return self.Message.browse(thread_id)

    def _upload(self, files, user=None):
        user = user or self.collector
        attachments = (
            self.env["ir.attachment"]
            .with_user(user)
            .create(
                [
                    {
                        "name": name,
                        "raw": data,
                        "res_model": "dunning.einvoice.import.wizard",
                    }
                    for name, data in files.items()
                ]
            )
        )
        wizard = (
            self.env["dunning.einvoice.import.wizard"]
            .with_user(user)
            .create({"attachment_ids": [(6, 0, attachments.ids)]})
        )
        wizard.action_import()
        return wizard

    def _messages(self, **domain):
        return self.Message.search([(k, "=", v) for k, v in domain.items()])

    def _todos(self, invoice):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "=", invoice.id),
                ("activity_type_id", "=", self.env.ref(TODO).id),
            ]
        )

    def _skips(self, run, invoice):
        return run.log_ids.filtered(lambda log: log.move_id == invoice).mapped("reason")

    # ------------------------------------------------------------------
    # the mail alias, then the planner
    # ------------------------------------------------------------------
    def test_email_with_several_responses_then_the_planner(self):
        self.company.dunning_payment_announced_days = 5
        first = self._receive(
            {
                "re.xml": peppol_response(
                    self.invoice_a, "RE", "2026-03-01", reason="Wrong VAT number"
                ),
                "uq.xml": peppol_response(
                    self.invoice_b, "UQ", "2026-03-02", reason="Quantity delivered: 8"
                ),
                "pd.xml": peppol_response(self.invoice_c, "PD", "2026-03-18"),
                "ap.xml": peppol_response(self.invoice_d, "AP", "2026-02-02"),
            }
        )
        messages = self._messages(email_message_id="<platform-1@ap.example>")
        self.assertEqual(len(messages), 4)
        self.assertEqual(set(messages.mapped("state")), {"applied"})
        self.assertIn(first, messages)
        self.assertEqual(first.message_ids[-1].subject, "Invoice responses")
        self.assertRecordValues(
            self.invoice_a | self.invoice_b | self.invoice_c | self.invoice_d,
            [
                {"dunning_einvoice_status": "refused"},
                {"dunning_einvoice_status": "disputed"},
                {"dunning_einvoice_status": "payment_transmitted"},
                {"dunning_einvoice_status": "approved"},
            ],
        )
        status = self.invoice_b.dunning_einvoice_status_ids
        self.assertEqual(status.source, "platform")
        self.assertEqual(status.message_id.code, "UQ")
        self.assertIn("Quantity delivered: 8", self.invoice_b.dunning_dispute_ids.note)
        self.assertIn("Wrong VAT number", str(self._todos(self.invoice_a).note))
        self.assertEqual(self._todos(self.invoice_a).user_id, self.collector)

        run = self._run(TODAY)
        self.assertEqual(run.communication_ids.line_ids.move_id, self.invoice_d)
        self.assertEqual(self._skips(run, self.invoice_a), ["einvoice_refused"])
        self.assertEqual(self._skips(run, self.invoice_b), ["disputed"])
        self.assertEqual(self._skips(run, self.invoice_c), ["payment_announced"])
        body = str(run.communication_ids.mail_id.body_html)
        self.assertIn(
            f"You approved invoice <strong>{self.invoice_d.name}</strong>", body
        )
        self.assertIn("02/02/2026", body)

    def test_email_with_a_zip_applied_once_when_received_twice(self):
        archive = zipped(
            {
                "cdv-210.xml": fixture("fr_cdar_210_refusee.xml", self.invoice_a),
                "ap.xml": peppol_response(self.invoice_b, "AP", "2026-03-02"),
            }
        )
        self._receive({"responses.zip": archive})
        self.assertRecordValues(
            self.invoice_a | self.invoice_b,
            [
                {"dunning_einvoice_status": "refused"},
                {"dunning_einvoice_status": "approved"},
            ],
        )
        self.assertEqual(
            self.invoice_a.dunning_einvoice_status_ids.message_id.family, "fr_cdar"
        )
        received = self.Message.search([])
        # the platform sends the same file again, in a new email
        again = self._receive(
            {"responses.zip": archive}, message_id="<platform-2@ap.example>"
        )
        self.assertIn(again, received)
        self.assertEqual(self.Message.search([]), received)
        self.assertEqual(len(self.invoice_a.dunning_einvoice_status_ids), 1)
        self.assertEqual(len(self.invoice_b.dunning_einvoice_status_ids), 1)
        self.assertEqual(len(self._todos(self.invoice_a)), 1)

    def test_email_without_messages_is_kept_refused(self):
        record = self._receive({"notes.xml": b"<notes>hello</notes>"})
        self.assertRecordValues(record, [{"state": "refused", "channel": "mail"}])
        self.assertIn("Not a lifecycle message", record.reason)

    # ------------------------------------------------------------------
    # ordering, review list
    # ------------------------------------------------------------------
    def test_older_status_kept_in_history(self):
        self._upload({"ap.xml": peppol_response(self.invoice_a, "AP", "2026-03-10")})
        wizard = self._upload(
            {"uq.xml": peppol_response(self.invoice_a, "UQ", "2026-03-01")}
        )
        self.assertEqual(wizard.imported_count, 1)
        self.assertEqual(self.invoice_a.dunning_einvoice_status, "approved")
        self.assertEqual(
            self.invoice_a.dunning_einvoice_status_ids.mapped("status"),
            ["approved", "disputed"],
        )
        self.assertFalse(self.invoice_a.dunning_dispute_ids)

    def test_unknown_invoice_waits_for_review_then_applied(self):
        wizard = self._upload(
            {
                "unknown.xml": peppol_response("INV/1999/0042", "RE", "2026-03-01"),
                "wrong-buyer.xml": peppol_response(
                    self.invoice_b, "RE", "2026-03-01", buyer="99999999900018"
                ),
            }
        )
        self.assertRecordValues(wizard, [{"imported_count": 0, "review_count": 2}])
        unknown = self._messages(invoice_number="INV/1999/0042")
        self.assertRecordValues(unknown, [{"state": "to_review", "move_id": False}])
        self.assertIn(
            "No posted customer invoice numbered INV/1999/0042", unknown.reason
        )
        wrong_buyer = self._messages(invoice_number=self.invoice_b.name)
        self.assertIn("does not match the buyer", wrong_buyer.reason)
        self.assertFalse(self.invoice_b.dunning_einvoice_status_ids)
        # the collector picks the invoice and applies it, twice
        unknown = unknown.with_user(self.collector)
        with self.assertRaises(UserError):
            unknown.action_apply()
        unknown.move_id = self.invoice_a
        unknown.action_apply()
        unknown.action_apply()
        self.assertEqual(unknown.state, "applied")
        self.assertEqual(self.invoice_a.dunning_einvoice_status, "refused")
        self.assertEqual(len(self.invoice_a.dunning_einvoice_status_ids), 1)
        wrong_buyer.with_user(self.collector).action_discard()
        self.assertEqual(wrong_buyer.state, "discarded")
        self.assertFalse(self.invoice_b.dunning_einvoice_status_ids)
        with self.assertRaises(UserError):
            unknown.with_user(self.collector).write({"state": "to_review"})

    def test_two_matching_invoices_wait_for_review(self):
        other = self.setup_other_company()["company"]
        other.partner_id.company_registry = SELLER_SIRET
        self.collector.company_ids |= other
        twin = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": other.id,
                "partner_id": self.customer.id,
                "invoice_date": self.invoice_a.invoice_date,
                "invoice_line_ids": [
                    (0, 0, {"name": "X", "price_unit": 10.0, "tax_ids": []})
                ],
            }
        )
        twin.action_post()
        self.assertEqual(twin.name, self.invoice_a.name)
        self._upload(
            {"ap.xml": peppol_response(self.invoice_a, "AP", "2026-03-01")},
        )
        message = self._messages(invoice_number=self.invoice_a.name)
        self.assertRecordValues(message, [{"state": "to_review", "move_id": False}])
        self.assertIn("2 invoices numbered", message.reason)
        self.assertFalse(self.invoice_a.dunning_einvoice_status_ids)
        self.assertFalse(twin.dunning_einvoice_status_ids)

    # ------------------------------------------------------------------
    # bad input, security
    # ------------------------------------------------------------------
    def test_bad_inputs_refused_alone(self):
        other = self.setup_other_company()["company"]
        other.partner_id.company_registry = "30000000700015"
        self.env["ir.config_parameter"].set_param(
            "account_dunning_advanced.einvoice_max_file_size", "20000"
        )
        big = peppol_response(self.invoice_c, "AP", "2026-03-01").replace(
            b"<cbc:ProfileID>", b"<!--" + b"x" * 30000 + b"--><cbc:ProfileID>"
        )
        files = {
            "good.xml": peppol_response(self.invoice_a, "AP", "2026-03-01"),
            "malformed.xml": fixture("bad_malformed.xml"),
            "unknown-code.xml": fixture("bad_peppol_unknown_code.xml"),
            "xxe.xml": fixture("bad_xxe_file.xml"),
            "laughs.xml": fixture("bad_billion_laughs.xml"),
            "other-company.xml": peppol_response(
                self.invoice_b, "RE", "2026-03-01", seller="30000000700015"
            ),
            "big.xml": big,
            "nested.zip": zipped({"inner.zip": zipped({"a.xml": b"<a/>"})}),
        }
        with mute_logger("odoo.addons.account_dunning_advanced.models"):
            wizard = self._upload(files)
        self.assertRecordValues(
            wizard, [{"imported_count": 1, "error_count": 7, "review_count": 0}]
        )
        self.assertEqual(self.invoice_a.dunning_einvoice_status, "approved")
        self.assertFalse((self.invoice_b | self.invoice_c).dunning_einvoice_status_ids)
        refused = {m.filename: m.reason for m in self._messages(state="refused")}
        self.assertEqual(
            set(refused),
            {
                "malformed.xml",
                "unknown-code.xml",
                "xxe.xml",
                "laughs.xml",
                "other-company.xml",
                "big.xml",
                "nested.zip/inner.zip",
            },
        )
        self.assertIn("another company's invoice", refused["other-company.xml"])
        self.assertIn("company_2", refused["other-company.xml"])
        self.assertIn("larger than 19 kB", refused["big.xml"])
        self.assertIn("zip inside a zip", refused["nested.zip/inner.zip"])
        self.assertIn("not well-formed", refused["malformed.xml"])
        self.assertIn("ZZ", refused["unknown-code.xml"])
        for name in ("xxe.xml", "laughs.xml"):
            self.assertIn("DOCTYPE", refused[name], name)
        self.assertIn("big.xml", wizard.result)

    def test_import_for_dunning_users_of_their_companies_only(self):
        clerk = new_test_user(
            self.env,
            login="einvoice_import_clerk",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        data = peppol_response(self.invoice_a, "RE", "2026-03-01")
        with self.assertRaises(AccessError):
            self.Message.with_user(clerk)._dunning_import_files(
                [("re.xml", data)], "upload"
            )
        self.assertFalse(self.invoice_a.dunning_einvoice_status_ids)
        other = self.setup_other_company()["company"]
        hidden = self.Message.create(
            {"company_id": other.id, "state": "refused", "reason": "x"}
        )
        self.assertFalse(
            self.Message.with_user(self.collector).search([("id", "=", hidden.id)])
        )

    def test_status_of_every_message_on_the_invoice(self):
        """A document with several responses: each one, in order."""
        self._upload(
            {
                "ab.xml": peppol_response(self.invoice_a, "AB", "2026-02-01"),
                "ip.xml": peppol_response(self.invoice_a, "IP", "2026-02-03"),
                "ca.xml": peppol_response(self.invoice_a, "CA", "2026-02-05"),
            }
        )
        # AB and IP are recorded on their messages, not as statuses
        self.assertEqual(
            self.invoice_a.dunning_einvoice_status_ids.mapped("status"),
            ["partially_approved"],
        )
        recorded = self.Message.search(
            [("move_id", "=", self.invoice_a.id), ("state", "=", "recorded")]
        )
        self.assertEqual(sorted(recorded.mapped("code")), ["AB", "IP"])
        self.assertEqual(
            self.invoice_a.dunning_einvoice_approved_date, date(2026, 2, 5)
        )

    def test_acknowledgement_after_a_refusal_keeps_it_refused(self):
        """An AB or IP dated after a rejection records the answer and leaves
        the invoice refused: never reminded."""
        self._upload({"re.xml": peppol_response(self.invoice_a, "RE", "2026-02-01")})
        self._upload(
            {
                "ab.xml": peppol_response(self.invoice_a, "AB", "2026-02-03"),
                "ip.xml": peppol_response(self.invoice_a, "IP", "2026-02-04"),
            }
        )
        self.assertEqual(self.invoice_a.dunning_einvoice_status, "refused")


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestDunningEinvoiceCorpus(DunningWorkspaceCommon):
    """The whole fixture corpus in one zip, for the company and invoices its
    README describes: every Peppol response code and every French status."""

    def test_the_whole_corpus_in_one_upload(self):
        seller = self.setup_other_company(name="Dunning Seller SAS")["company"]
        seller.partner_id.company_registry = SELLER_SIRET
        self.collector.company_ids |= seller
        buyer = self.env["res.partner"].create(
            {
                "name": "Client Acheteur SA",
                "is_company": True,
                "company_registry": BUYER_SIRET,
            }
        )
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "company_id": seller.id,
                    "partner_id": buyer.id,
                    "invoice_date": "2026-01-05",
                    "invoice_line_ids": [
                        (0, 0, {"name": "X", "price_unit": 10.0, "tax_ids": []})
                    ],
                }
            ]
            * 5
        )
        invoices.action_post()
        self.assertEqual(
            invoices.mapped("name"), [f"INV/2026/0000{i}" for i in range(1, 6)]
        )
        names = sorted(
            path.name
            for path in FIXTURES.glob("*.xml")
            if not path.name.startswith("bad_")
        )
        wizard = self._upload_as_collector(
            seller, {"corpus.zip": zipped({n: fixture(n) for n in names})}
        )
        messages = self.env["dunning.einvoice.message"].search(
            [("company_id", "=", seller.id)]
        )
        by_file = {m.filename.split("/")[-1]: m for m in messages}
        self.assertEqual(by_file["peppol_AP_unknown_invoice.xml"].state, "to_review")
        refused = self.env["dunning.einvoice.message"].search(
            [("filename", "=", "corpus.zip/peppol_AP_other_company.xml")]
        )
        self.assertEqual(refused.state, "refused")
        self.assertIn("another company's invoice", refused.reason)
        applied = messages.filtered(lambda m: m.state == "applied")
        self.assertEqual(
            set(applied.mapped("code")),
            {"UQ", "CA", "RE", "AP", "PD"} | {str(code) for code in range(200, 214)},
        )
        recorded = messages.filtered(lambda m: m.state == "recorded")
        self.assertEqual(set(recorded.mapped("code")), {"AB", "IP"})
        self.assertTrue(all(recorded.mapped("move_id")))
        self.assertEqual(wizard.review_count, 1)
        self.assertEqual(wizard.error_count, 1)
        self.assertRecordValues(
            invoices,
            [
                {"dunning_einvoice_status": "approved"},
                {"dunning_einvoice_status": "approved"},
                {"dunning_einvoice_status": "refused"},
                {"dunning_einvoice_status": "refused"},
                {"dunning_einvoice_status": "refused"},
            ],
        )
        self.assertEqual(
            sorted(invoices[1].dunning_einvoice_status_ids.mapped("status")),
            sorted([key for key, _label in EINVOICE_STATUSES] + ["approved"]),
        )
        self.assertEqual(invoices[0].dunning_einvoice_approved_date, date(2026, 2, 11))
        # the query came before the approval: kept in history, no dispute
        query = invoices[0].dunning_einvoice_status_ids.filtered(
            lambda st: st.status == "disputed"
        )
        self.assertIn("PO-2026-117", query.comment)
        self.assertFalse(invoices[0].dunning_dispute_ids)

    def _upload_as_collector(self, company, files):
        attachments = (
            self.env["ir.attachment"]
            .with_user(self.collector)
            .create(
                [
                    {
                        "name": name,
                        "raw": data,
                        "res_model": "dunning.einvoice.import.wizard",
                    }
                    for name, data in files.items()
                ]
            )
        )
        wizard = (
            self.env["dunning.einvoice.import.wizard"]
            .with_user(self.collector)
            .with_context(allowed_company_ids=company.ids)
            .create({"attachment_ids": [(6, 0, attachments.ids)]})
        )
        wizard.action_import()
        return wizard
