# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import _, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_amount

_logger = logging.getLogger(__name__)


class MailActivity(models.Model):
    _inherit = "mail.activity"

    dunning_communication_ids = fields.One2many(
        "dunning.communication", "activity_id", string="Dunning Reminders"
    )
    dunning_partner_id = fields.Many2one(
        "res.partner", string="Customer", compute="_compute_dunning_call"
    )
    dunning_phone = fields.Char(string="Phone", compute="_compute_dunning_call")
    dunning_level_id = fields.Many2one(
        "dunning.level", string="Level", compute="_compute_dunning_call"
    )
    dunning_currency_id = fields.Many2one(
        "res.currency", compute="_compute_dunning_call"
    )
    dunning_amount_due = fields.Monetary(
        string="Overdue",
        currency_field="dunning_currency_id",
        compute="_compute_dunning_call",
        help="What the customer owes overdue today in the reminder's company.",
    )
    dunning_overdue_by_currency = fields.Char(
        string="Overdue (Invoice Currency)",
        compute="_compute_dunning_call",
        help="What the customer owes overdue today, in the currencies of its "
        "invoices.",
    )

    def _compute_dunning_call(self):
        """The call's customer, reminder level and today's overdue amount,
        read for the whole list at once from the worklist."""
        comms = self.dunning_communication_ids
        worklist = self.env["dunning.worklist"]
        row_ids = [worklist._row_id(comm.partner_id, comm.company_id) for comm in comms]
        rows = worklist.search_fetch(
            [("id", "in", row_ids)], ["partner_id", "company_id", "overdue_amount"]
        )
        overdue = {(row.partner_id, row.company_id): row.overdue_amount for row in rows}
        by_currency = self._dunning_overdue_by_currency(comms)
        for activity in self:
            comm = activity.dunning_communication_ids[:1]
            partner = comm.partner_id
            activity.dunning_partner_id = partner
            activity.dunning_phone = partner.mobile or partner.phone
            activity.dunning_level_id = comm.level_id
            activity.dunning_currency_id = comm.company_id.currency_id
            activity.dunning_amount_due = overdue.get((partner, comm.company_id), 0.0)
            activity.dunning_overdue_by_currency = by_currency.get(
                (partner.id, comm.company_id.id), False
            )

    def _dunning_overdue_by_currency(self, comms):
        """{(partner id, company id): "1,200.00 € + $ 300.00"} of the overdue
        items of the reminders' customers, in one query."""
        if not comms:
            return {}
        self.env["account.move.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """
SELECT item.partner_id, item.company_id, item.currency_id,
       SUM(item.amount_residual_currency)
  FROM (%s) item
 WHERE item.date_maturity < %s
 GROUP BY item.partner_id, item.company_id, item.currency_id
                """,
                self.env["dunning.planner"]._open_item_sql(
                    comms.company_id.ids, comms.partner_id.ids
                ),
                fields.Date.context_today(self),
            )
        )
        rows = self.env.cr.fetchall()
        currencies = self.env["res.currency"].browse({row[2] for row in rows})
        totals = {}
        for partner_id, company_id, currency_id, amount in rows:
            totals.setdefault((partner_id, company_id), []).append(
                (currencies.browse(currency_id), amount)
            )
        return {
            key: " + ".join(
                format_amount(self.env, amount, currency)
                for currency, amount in sorted(amounts, key=lambda a: a[0].name)
            )
            for key, amounts in totals.items()
        }

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
