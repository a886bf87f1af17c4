# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class DunningScenario(models.Model):
    _name = "dunning.scenario"
    _description = "Dunning Scenario"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share this scenario between companies.",
    )
    level_ids = fields.One2many(
        "dunning.level", "scenario_id", string="Levels", copy=True
    )
    min_interval_days = fields.Integer(
        string="Minimum Days Between Reminders",
        default=5,
        help="No reminder is sent to a customer within this many days of the "
        "previous one.",
    )
    max_per_30_days = fields.Integer(
        string="Maximum Reminders per 30 Days",
        default=4,
        help="A customer never receives more reminders than this over any 30 days.",
    )
    min_amount = fields.Float(
        string="Minimum Amount to Remind",
        digits="Account",
        help="In company currency. When a customer's total due is below this "
        "amount, nothing is sent.",
    )
    grace_days = fields.Integer(
        help="Days added to the offset of every level after the due date.",
    )
    promise_max_days = fields.Integer(
        string="Latest Date a Customer May Propose (days)",
        default=30,
        help="From the link of a reminder, a customer may promise to pay by a "
        "date at most this many days ahead.",
    )
    consolidation = fields.Selection(
        [
            ("partner", "One reminder per customer"),
            ("invoice", "One reminder per invoice"),
        ],
        default="partner",
        required=True,
    )
    business_days_only = fields.Boolean(
        default=True,
        help="Send nothing on Saturdays, Sundays and the public holidays of the "
        "company's working schedule; reminders due that day go out on the next "
        "business day.",
    )
    language_id = fields.Many2one(
        "res.lang",
        string="Force Language",
        help="Language of the reminders of this scenario when the customer has none.",
    )
    level_count = fields.Integer(compute="_compute_level_count")

    @api.constrains("level_ids")
    def _check_levels(self):
        for scenario in self.filtered("active"):
            if not scenario.level_ids:
                raise ValidationError(
                    _(
                        "The scenario %(scenario)s needs at least one level.",
                        scenario=scenario.name,
                    )
                )

    @api.depends("level_ids")
    def _compute_level_count(self):
        for scenario in self:
            scenario.level_count = len(scenario.level_ids)

    _sql_constraints = [
        (
            "min_interval_positive",
            "CHECK(min_interval_days >= 0)",
            "The minimum interval between reminders cannot be negative.",
        ),
        (
            "promise_max_days_positive",
            "CHECK(promise_max_days >= 0)",
            "The latest date a customer may propose cannot be in the past.",
        ),
        (
            "max_per_30_positive",
            "CHECK(max_per_30_days > 0)",
            "The maximum number of reminders per 30 days must be positive.",
        ),
    ]
