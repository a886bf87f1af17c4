# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    dunning_typology_id = fields.Many2one(
        "dunning.typology",
        string="Payer Typology",
        company_dependent=True,
        tracking=True,
    )
    dunning_scenario_id = fields.Many2one(
        "dunning.scenario",
        string="Dunning Scenario",
        company_dependent=True,
        help="Overrides the scenario of the customer's typology.",
    )
    dunning_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        company_dependent=True,
        tracking=True,
    )
    dunning_paused_until = fields.Date(
        string="Reminders Paused Until",
        company_dependent=True,
        tracking=True,
    )
    dunning_excluded = fields.Boolean(
        string="Excluded From Dunning",
        company_dependent=True,
        tracking=True,
    )
    dunning_litigation = fields.Boolean(
        string="In Litigation",
        company_dependent=True,
        tracking=True,
        help="Set by a final level: automatic reminders stop while it is set.",
    )
    dunning_preferred_channel = fields.Selection(
        [("email", "Email"), ("letter", "Letter")],
        string="Preferred Reminder Channel",
        help="Letter: the customer receives paper letters instead of emails.",
    )
    dunning_communication_ids = fields.One2many(
        "dunning.communication", "partner_id", string="Reminders"
    )
    dunning_overdue_amount = fields.Monetary(
        string="Overdue Amount",
        compute="_compute_dunning_status",
        currency_field="dunning_currency_id",
    )
    dunning_currency_id = fields.Many2one(
        "res.currency", compute="_compute_dunning_status"
    )
    dunning_days_late = fields.Integer(
        string="Oldest Days Late", compute="_compute_dunning_status"
    )
    dunning_level_id = fields.Many2one(
        "dunning.level", string="Current Level", compute="_compute_dunning_status"
    )
    dunning_last_date = fields.Date(
        string="Last Reminder", compute="_compute_dunning_status"
    )
    dunning_next_date = fields.Date(
        string="Next Reminder", compute="_compute_dunning_status"
    )

    def _compute_dunning_status(self):
        """Overdue figures in one query for all the partners shown; the next
        reminder date comes from the planner, the one place that decides it."""
        company = self.env.company
        status = self.env["dunning.run"]._partner_status(
            company, fields.Date.context_today(self), self.commercial_partner_id.ids
        )
        for partner in self:
            values = status.get(partner.commercial_partner_id.id, {})
            partner.dunning_currency_id = company.currency_id
            partner.dunning_overdue_amount = values.get("overdue_amount", 0.0)
            partner.dunning_days_late = values.get("days_late", 0)
            partner.dunning_level_id = values.get("level_id", False)
            partner.dunning_last_date = values.get("last_date", False)
            partner.dunning_next_date = values.get("next_date", False)

    def _dunning_contact(self):
        """The contact that receives the reminders: the invoice-address child
        contact of the commercial entity when there is one."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        invoice = commercial.child_ids.filtered(lambda c: c.type == "invoice")[:1]
        return invoice or commercial
