# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class DunningTypology(models.Model):
    _inherit = "dunning.typology"

    collector_id = fields.Many2one(
        "res.users",
        string="Default Collector",
        help="Collector of the customers of this typology who have none; "
        "empty: their salesperson.",
    )
