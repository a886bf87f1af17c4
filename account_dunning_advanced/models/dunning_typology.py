# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class DunningTypology(models.Model):
    _name = "dunning.typology"
    _description = "Payer Typology"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    color = fields.Integer()
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share this typology between companies.",
    )
    scenario_id = fields.Many2one(
        "dunning.scenario",
        string="Default Scenario",
        check_company=True,
        help="Reminder scenario followed by the customers of this typology. "
        "Empty: the company's default scenario.",
    )
    partner_count = fields.Integer(compute="_compute_partner_count")

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "A typology code must be unique per company.",
        ),
    ]

    def _compute_partner_count(self):
        groups = self.env["res.partner"]._read_group(
            [("dunning_typology_id", "in", self.ids)],
            ["dunning_typology_id"],
            ["__count"],
        )
        counts = {typology.id: count for typology, count in groups}
        for typology in self:
            typology.partner_count = counts.get(typology.id, 0)

    collector_id = fields.Many2one(
        "res.users",
        string="Default Collector",
        help="Collector of the customers of this typology who have none; "
        "empty: their salesperson.",
    )
