# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import _, api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_amount

from .dunning_worklist_touch import write_touching

_logger = logging.getLogger(__name__)

COLLECTOR_GROUP = "account_dunning_advanced.group_dunning_collector"


# what the worklist's rows read of an activity
WORKLIST_ACTIVITY_FIELDS = {"res_model", "res_id", "date_deadline", "active"}


class MailActivity(models.Model):
    _inherit = "mail.activity"

    # Read by every chatter (mail reads all the fields of its activities):
    # kept to dunning users, and computed without the worklist's query.
    dunning_communication_ids = fields.One2many(
        "dunning.communication",
        "activity_id",
        string="Dunning Reminders",
        groups=COLLECTOR_GROUP,
    )
    dunning_partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_dunning_call",
        groups=COLLECTOR_GROUP,
    )
    dunning_phone = fields.Char(
        string="Phone", compute="_compute_dunning_call", groups=COLLECTOR_GROUP
    )
    dunning_level_id = fields.Many2one(
        "dunning.level",
        string="Level",
        compute="_compute_dunning_call",
        groups=COLLECTOR_GROUP,
    )
    dunning_currency_id = fields.Many2one(
        "res.currency", compute="_compute_dunning_call", groups=COLLECTOR_GROUP
    )
    dunning_amount_due = fields.Monetary(
        string="Overdue",
        currency_field="dunning_currency_id",
        compute="_compute_dunning_call",
        groups=COLLECTOR_GROUP,
        help="What the customer owes overdue today in the reminder's company.",
    )
    dunning_overdue_by_currency = fields.Char(
        string="Overdue (Invoice Currency)",
        compute="_compute_dunning_call",
        groups=COLLECTOR_GROUP,
        help="What the customer owes overdue today, in the currencies of its "
        "invoices.",
    )

    dunning_find_phone = fields.Boolean(
        string="Find a Phone Number",
        readonly=True,
        help="A to-do asking the collector for a phone number of a customer "
        "whose reminder asked for a call: one open at a time per customer.",
    )

    def _compute_dunning_call(self):
        """The call's customer, reminder level and today's overdue amounts,
        for the whole list at once."""
        comms = self.dunning_communication_ids
        overdue = self._dunning_overdue(comms)
        for activity in self:
            comm = activity.dunning_communication_ids[:1]
            partner = comm.partner_id
            amount, by_currency = overdue.get(
                (partner.id, comm.company_id.id), (0.0, False)
            )
            activity.dunning_partner_id = partner
            activity.dunning_phone = partner.mobile or partner.phone
            activity.dunning_level_id = comm.level_id
            activity.dunning_currency_id = comm.company_id.currency_id
            activity.dunning_amount_due = amount
            activity.dunning_overdue_by_currency = by_currency

    def _dunning_overdue(self, comms):
        """{(partner id, company id): (overdue in company currency, "1,200.00 €
        + $ 300.00")} of the reminders' customers, in one query, by the
        planner's rule for overdue items."""
        if not comms:
            return {}
        self.env["account.move.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """
SELECT item.partner_id, item.company_id, item.currency_id,
       SUM(item.amount_residual), SUM(item.amount_residual_currency)
  FROM (%s) item
 GROUP BY item.partner_id, item.company_id, item.currency_id
                """,
                self.env["dunning.planner"]._overdue_item_sql(
                    fields.Date.context_today(self),
                    comms.company_id.ids,
                    comms.partner_id.ids,
                ),
            )
        )
        rows = self.env.cr.fetchall()
        currencies = self.env["res.currency"].browse({row[2] for row in rows})
        totals = {}
        for partner_id, company_id, currency_id, amount, amount_currency in rows:
            totals.setdefault((partner_id, company_id), []).append(
                (currencies.browse(currency_id), amount, amount_currency)
            )
        return {
            key: (
                sum(amount for _cur, amount, _amc in amounts),
                " + ".join(
                    format_amount(self.env, amount_currency, currency)
                    for currency, _amount, amount_currency in sorted(
                        amounts, key=lambda a: a[0].name
                    )
                ),
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
        self._dunning_touch_worklist()
        return super().unlink()

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        activities._dunning_touch_worklist()
        return activities

    def write(self, vals):
        return write_touching(self, vals, WORKLIST_ACTIVITY_FIELDS, super().write)

    def _dunning_touch_worklist(self):
        # a customer's activities are its rows' in every company
        partner_ids = {
            activity.res_id
            for activity in self.sudo()
            if activity.res_model == "res.partner"
        }
        if partner_ids:
            partners = self.env["res.partner"].sudo().browse(partner_ids).exists()
            self.env["dunning.worklist"]._touch(
                partners.commercial_partner_id.ids, source=self._name
            )

    def _dunning_call_feedback(self, done):
        """The reminders' call state follows their call activity. Never
        raises: it runs inside every activity's completion."""
        if not self:
            return
        try:
            with self.env.cr.savepoint():
                # activity feedback: whoever closes the call, the reminder's
                # call state follows it (a state only feedback changes)
                comms = (
                    self.env["dunning.communication"]
                    .sudo()
                    .search([("activity_id", "in", self.ids)])
                )
                if comms:
                    self.env["dunning.channel.call"]._feedback(comms, done)
        except Exception:  # noqa: BLE001 - logged, the activity goes on
            _logger.exception("Dunning call state of activities %s", self.ids)
