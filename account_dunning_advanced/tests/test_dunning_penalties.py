# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date, timedelta

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import create_dunning_users
from .dunning_engine_common import DUE, DunningEngineCommon


@tagged("post_install", "-at_install")
class TestDunningPenalties(DunningEngineCommon):
    """A French company (EUR) under the French B2B regime."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    @AccountTestInvoicingCommon.setup_chart_template("generic_coa")
    def setUpClass(cls):
        super().setUpClass()
        cls.standard.business_days_only = False
        cls.standard.legal_regime = "french_b2b"
        cls.company.write(
            {
                "dunning_penalty_rate": 2.15,
                "dunning_penalty_points": 10.0,
                "dunning_penalty_indemnity": 40.0,
            }
        )

    def _walk_to_formal(self, partner, amount=1000.0):
        invoice = self._invoice(partner, DUE - timedelta(days=20), amount)
        self._run(DUE - timedelta(days=10))  # friendly, no penalties
        return invoice, self._run(DUE).communication_ids

    def _letter_html(self, comm):
        return (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_dunning_advanced.action_report_dunning_letter", comm.ids
            )[0]
            .decode()
        )

    def test_interest_and_indemnity_by_hand(self):
        invoice, comm = self._walk_to_formal(self.customer)
        self.assertEqual(comm.level_id, self.level["formal"])
        # 1000 x (2.15 + 10) / 100 / 365 x 20 days = 6.6575... -> 6.66
        self.assertRecordValues(
            comm,
            [
                {
                    "penalty_rate": 12.15,
                    "penalty_interest": 6.66,
                    "penalty_indemnity": 40.0,
                }
            ],
        )
        self.assertRecordValues(
            comm.line_ids,
            [
                {
                    "move_id": invoice.id,
                    "penalty_interest": 6.66,
                    "penalty_indemnity": 40.0,
                }
            ],
        )
        self.assertEqual(comm.legal_regime, "french_b2b")
        for text in (str(comm.mail_id.body_html), self._letter_html(comm)):
            self.assertIn("article L.441-10 of the French Commercial Code", text)
        self.assertIn(
            "Fixed recovery indemnity: EUR 40 per late invoice × 1 invoice: "
            "40.00\xa0€",
            str(comm.mail_id.body_html),
        )
        # the reference rate (valid from 11 June 2025) is older than 2026's
        # first half-year: the run says so
        self.assertIn("01/01/2026", comm.run_id.penalty_rate_warning)
        friendly = self._comms()[0]
        self.assertEqual(friendly.penalty_interest + friendly.penalty_indemnity, 0.0)
        # the final notice: 30 days of interest, the indemnity is not charged again
        final = self._run(DUE + timedelta(days=10)).communication_ids
        self.assertEqual(final.level_id, self.level["final"])
        # 1000 x 12.15 / 100 / 365 x 30 = 9.9863... -> 9.99
        self.assertRecordValues(
            final, [{"penalty_interest": 9.99, "penalty_indemnity": 0.0}]
        )

    def test_preview_lists_the_penalties_the_run_claims(self):
        """The dry run sums up its whole plan without penalties, then lists
        each reminder it shows with the penalties the run claims."""
        self._invoice(self.customer, DUE - timedelta(days=20), 1000.0)
        self._run(DUE - timedelta(days=10))  # friendly, no penalties
        wizard = self.env["dunning.run.wizard"].create(
            {"date": DUE, "company_id": self.company.id}
        )
        wizard.action_run()
        # 6.66 of interest (20 days at 12.15 %) and the 40.00 indemnity
        self.assertRecordValues(
            wizard.line_ids,
            [
                {
                    "partner_id": self.customer.id,
                    "level_id": self.level["formal"].id,
                    "amount_due": 1000.0,
                    "penalty_amount": 46.66,
                    "skip_reason": False,
                }
            ],
        )
        self.assertRecordValues(
            wizard, [{"reminder_count": 1, "amount_to_send": 1000.0}]
        )
        comm = self._run(DUE).communication_ids
        self.assertEqual(comm.penalty_interest + comm.penalty_indemnity, 46.66)

    def test_no_penalties_for_individuals(self):
        person = self._customer("Claire Petit", is_company=False)
        _invoice, comm = self._walk_to_formal(person)
        self.assertEqual(comm.level_id, self.level["formal"])
        self.assertRecordValues(
            comm,
            [
                {
                    "legal_regime": "none",
                    "penalty_interest": 0.0,
                    "penalty_indemnity": 0.0,
                    "penalty_rate": 0.0,
                }
            ],
        )
        self.assertNotIn("L.441-10", str(comm.mail_id.body_html))
        self.assertNotIn("L.441-10", self._letter_html(comm))

    def test_indemnity_once_per_invoice_with_instalments(self):
        terms = self.env["account.payment.term"].create(
            {
                "name": "Two instalments",
                "line_ids": [
                    (0, 0, {"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                    (0, 0, {"value": "percent", "value_amount": 50.0, "nb_days": 5}),
                ],
            }
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": date(2026, 2, 1),
                "invoice_payment_term_id": terms.id,
                "invoice_line_ids": [
                    (0, 0, {"name": "Work", "price_unit": 730.0, "tax_ids": []})
                ],
            }
        )
        invoice.action_post()
        self._run(date(2026, 2, 11))  # friendly for both instalments
        comm = self._run(date(2026, 2, 21)).communication_ids
        self.assertEqual(comm.level_id, self.level["formal"])
        # 365 x 12.15% / 365 x 20 days = 2.43 ; x 15 days = 1.8225 -> 1.82
        self.assertRecordValues(
            comm.line_ids.sorted("date_maturity"),
            [
                {"days_late": 20, "penalty_interest": 2.43, "penalty_indemnity": 40.0},
                {"days_late": 15, "penalty_interest": 1.82, "penalty_indemnity": 0.0},
            ],
        )
        self.assertRecordValues(
            comm, [{"penalty_interest": 4.25, "penalty_indemnity": 40.0}]
        )

    def test_approved_penalty_invoice_is_posted_by_the_job(self):
        """A manager's approval posts no accounting entry inside the request:
        the scheduled job the approval calls creates and posts the penalty
        invoice, as it does for the reminders no one approves."""
        self.level["formal"].write(
            {"post_penalty_invoice": True, "needs_approval": True}
        )
        _collector, manager = create_dunning_users(self.env, self.company)
        _invoice, comm = self._walk_to_formal(self.customer)
        self.assertRecordValues(comm, [{"state": "to_approve", "penalty_move_id": 0}])
        comm.with_user(manager).action_approve()
        self.assertRecordValues(comm, [{"state": "queued", "penalty_move_id": 0}])
        self.env.ref(
            "account_dunning_advanced.ir_cron_dunning_documents"
        ).method_direct_trigger()
        self.assertRecordValues(
            comm.penalty_move_id,
            [
                {
                    "state": "posted",
                    "amount_total": 46.66,
                    "create_uid": self.env.ref("base.user_root").id,
                }
            ],
        )

    def test_penalty_invoice_posted_when_the_level_asks(self):
        self.level["formal"].post_penalty_invoice = True
        _invoice, comm = self._walk_to_formal(self.customer)
        penalty = comm.penalty_move_id
        self.assertRecordValues(
            penalty,
            [
                {
                    "move_type": "out_invoice",
                    "state": "posted",
                    "partner_id": self.customer.id,
                    "amount_total": 46.66,
                    "invoice_origin": comm.name,
                }
            ],
        )
        self.assertEqual(
            sorted(penalty.invoice_line_ids.mapped("price_unit")), [6.66, 40.0]
        )
