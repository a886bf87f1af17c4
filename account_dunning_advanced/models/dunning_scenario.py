# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

LEGAL_REGIMES = [
    ("none", "None"),
    ("french_b2b", "French B2B (Code de commerce L.441-10)"),
    ("generic", "Contractual late interest"),
]


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
    legal_regime = fields.Selection(
        LEGAL_REGIMES,
        string="Late-Payment Penalties",
        required=True,
        default=lambda self: self._default_legal_regime(self.env.company),
        help="What the reminders of levels with penalties claim and quote.\n"
        "French B2B: art. L.441-10 of the French Code de commerce, for "
        "companies established in France and their business customers only: "
        "interest at the ECB reference rate plus the added points of the "
        "settings, and a fixed indemnity of EUR 40 per late invoice.\n"
        "Contractual late interest: the annual rate and optional fixed "
        "indemnity below.\nNone: no penalties, no legal mention.",
    )
    penalty_rate = fields.Float(
        string="Annual Late-Interest Rate (%)",
        digits=(16, 3),
        help="Contractual late interest, per year, on the amount due.",
    )
    penalty_indemnity = fields.Float(
        string="Fixed Indemnity per Late Invoice",
        digits="Account",
        help="Claimed once per invoice paid late, converted to the invoice's "
        "currency; zero: none.",
    )
    penalty_indemnity_currency_id = fields.Many2one(
        "res.currency",
        string="Indemnity Currency",
        default=lambda self: self.env.company.currency_id,
    )
    penalty_business_only = fields.Boolean(
        string="Business Customers Only",
        default=True,
        help="Claim the contractual late interest from companies only, never "
        "from consumers.",
    )
    penalty_rate_warning = fields.Char(compute="_compute_penalty_rate_warning")
    legal_regime_warning = fields.Char(
        string="Late-Payment Penalties Warning",
        compute="_compute_legal_regime_warning",
    )

    @api.model
    def _default_legal_regime(self, company):
        """French B2B for the scenarios of companies established in France
        (a shared scenario: the current company's), none otherwise."""
        return "french_b2b" if company._dunning_is_french() else "none"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "legal_regime" not in vals:
                company = self.env["res.company"].browse(vals.get("company_id"))
                vals["legal_regime"] = self._default_legal_regime(
                    company if vals.get("company_id") else self.env.company
                )
        return super().create(vals_list)

    @api.onchange("company_id")
    def _onchange_company_legal_regime(self):
        if self.legal_regime != "generic":
            self.legal_regime = self._default_legal_regime(
                self.company_id or self.env.company
            )

    @api.depends("legal_regime", "company_id")
    @api.depends_context("company")
    def _compute_penalty_rate_warning(self):
        for scenario in self:
            company = scenario.company_id or self.env.company
            scenario.penalty_rate_warning = (
                scenario.legal_regime == "french_b2b"
                and company._dunning_penalty_rate_warning()
            ) or False

    @api.depends("legal_regime", "company_id")
    @api.depends_context("company")
    def _compute_legal_regime_warning(self):
        for scenario in self:
            scenario.legal_regime_warning = scenario._legal_regime_warning() or False

    def _legal_regime_warning(self):
        """Why the scenario's legal regime will not apply, or None: French
        B2B penalties are claimed by companies established in France only (the
        planner quietly claims none elsewhere)."""
        self.ensure_one()
        company = self.company_id or self.env.company
        if self.legal_regime != "french_b2b" or company._dunning_is_french():
            return None
        if self.company_id:
            return self.env._(
                "French B2B penalties (art. L.441-10) apply to companies "
                "established in France only: %(company)s is not, so the reminders "
                "of this scenario will claim no penalties and print no legal "
                "mention. Choose contractual late interest or none.",
                company=company.name,
            )
        return self.env._(
            "French B2B penalties (art. L.441-10) apply to companies "
            "established in France only: this shared scenario will claim no "
            "penalties and print no legal mention in the reminders of "
            "%(company)s, which is not.",
            company=company.name,
        )

    @api.onchange("legal_regime")
    def _onchange_legal_regime_warning(self):
        warning = self._legal_regime_warning()
        if warning:
            return {
                "warning": {
                    "title": self.env._("Late-payment penalties"),
                    "message": warning,
                }
            }

    @api.constrains("penalty_rate", "penalty_indemnity")
    def _check_penalty_terms(self):
        if any(s.penalty_rate < 0 or s.penalty_indemnity < 0 for s in self):
            raise ValidationError(
                _("Penalty rates and indemnities cannot be negative.")
            )

    @api.constrains("level_ids", "active")
    def _check_levels(self):
        """An active scenario reminds with its levels: without any it would
        remind nobody. Checked when a scenario is created (``active`` has a
        default, so it is among the created values), activated, or loses
        levels here; a level moved to another scenario or deleted checks its
        former scenario (``dunning.level``)."""
        for scenario in self.filtered("active"):
            if not scenario.level_ids:
                raise ValidationError(
                    _(
                        "The scenario %(scenario)s needs at least one level: add "
                        "one, or archive the scenario.",
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
