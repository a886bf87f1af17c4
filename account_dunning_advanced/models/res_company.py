# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo import api, fields, models
from odoo.tools.misc import format_date

MANAGER_GROUP = "account_dunning_advanced.group_dunning_manager"


def is_assignable(user):
    """Whether dunning activities may go to ``user``: an active internal user,
    not OdooBot."""
    return bool(user) and user.active and not user.share and not user._is_superuser()


class ResCompany(models.Model):
    _inherit = "res.company"

    _sql_constraints = [
        (
            "dunning_token_validity_days_positive",
            "CHECK(dunning_token_validity_days > 0)",
            "The validity of reminder links must be at least one day.",
        ),
    ]

    dunning_scenario_id = fields.Many2one(
        "dunning.scenario",
        string="Default Dunning Scenario",
        help="Scenario of the customers with neither typology nor scenario.",
    )
    dunning_email = fields.Char(
        string="Reminder Email Address",
        help="Sender of the reminders, the same whoever the collector. Empty: "
        "the company's email address.",
    )
    dunning_penalty_rate = fields.Float(
        string="Reference Rate (%)",
        digits=(16, 3),
        default=2.15,
        help="ECB main refinancing operations rate applicable to the half-year.",
    )
    dunning_penalty_rate_date = fields.Date(
        string="Reference Rate Valid From",
        default="2025-06-11",
    )
    dunning_penalty_points = fields.Float(
        string="Added Points",
        digits=(16, 3),
        default=10.0,
        help="Points added to the reference rate (art. L.441-10: at least 10).",
    )
    dunning_penalty_indemnity = fields.Float(
        string="Fixed Recovery Indemnity",
        digits="Account",
        default=40.0,
        help="In EUR, once per late invoice (art. D.441-5: EUR 40), converted "
        "to the invoice's currency on the reminder's date.",
    )
    dunning_penalty_rate_warning = fields.Char(
        string="Reference Rate Warning",
        compute="_compute_dunning_penalty_rate_warning",
    )
    dunning_signature = fields.Text(
        string="Reminder Signature",
        help="Signs the reminders of customers who have no collector, e.g. "
        '"Credit Management Department". Empty: the company\'s name.',
        translate=True,
    )
    dunning_manager_id = fields.Many2one(
        "res.users",
        string="Dunning Manager",
        domain=[("share", "=", False)],
        help="Receives the dunning activities of the customers who have no "
        "collector, no typology collector and no salesperson; empty: the first "
        "dunning manager of the company.",
    )
    dunning_token_validity_days = fields.Integer(
        string="Reminder Link Validity (days)",
        default=90,
        help="Days during which the link of a reminder (channel preference) "
        "stays valid.",
    )
    dunning_declared_paid_days = fields.Integer(
        string="Declared Payments Held Back (days)",
        default=10,
        help="When a customer declares invoices paid from the link of a reminder, "
        "they are not reminded for this many days unless the payment is "
        "reconciled before.",
    )
    dunning_batch_size = fields.Integer(
        string="Customers per Batch",
        default=200,
        help="The scheduled run commits after each batch of this many customers.",
    )

    dunning_approval_dispatch = fields.Selection(
        [("immediate", "At once"), ("next_run", "On the next run")],
        string="Approved Reminders Go Out",
        default="immediate",
        required=True,
    )
    dunning_promise_grace_days = fields.Integer(
        string="Promise Grace Days",
        default=3,
        help="Days after a promised payment date, or an instalment date, before "
        "the promise or the plan counts as broken, when the customer's scenario "
        "has no grace days.",
    )
    dunning_payment_announced_days = fields.Integer(
        string="Payment Announced Hold (days)",
        default=10,
        help="Days an invoice whose payment was announced on the e-invoicing "
        "platform (status 211) is held back before it is reminded again, when "
        "nothing was reconciled.",
    )

    @api.depends("dunning_penalty_rate_date")
    def _compute_dunning_penalty_rate_warning(self):
        for company in self:
            company.dunning_penalty_rate_warning = (
                company._dunning_penalty_rate_warning() or False
            )

    def _dunning_is_french(self):
        """Whether the company is established in France (L.441-10 applies)."""
        self.ensure_one()
        return (self.country_id or self.account_fiscal_country_id).code == "FR"

    def _dunning_penalty_rate_warning(self, on_date=None):
        """Why the ECB reference rate is stale on ``on_date``, or None: the
        rate of art. L.441-10 is the one in force on 1 January or 1 July of
        the half-year, so a rate valid from before the half-year's start is
        out of date."""
        self.ensure_one()
        on_date = on_date or fields.Date.context_today(self)
        start = date(on_date.year, 1 if on_date.month < 7 else 7, 1)
        valid_from = self.dunning_penalty_rate_date
        if valid_from and valid_from >= start:
            return None
        if not valid_from:
            return self.env._(
                "The ECB reference rate of the late-payment penalties has no "
                "validity date: check it is the rate in force on %(start)s.",
                start=format_date(self.env, start),
            )
        return self.env._(
            "The ECB reference rate of the late-payment penalties is valid from "
            "%(date)s, before the current half-year (%(start)s): update it with "
            "the rate in force on %(start)s.",
            date=format_date(self.env, valid_from),
            start=format_date(self.env, start),
        )

    def _dunning_fallback_user(self):
        """Last resort for dunning activities: the company's dunning manager,
        else its first active dunning manager user; never OdooBot."""
        self.ensure_one()
        if is_assignable(self.dunning_manager_id):
            return self.dunning_manager_id
        # asked once per reminder without a collector: a batch passes a memo
        # (context key dunning_fallback_users) so that it searches once
        memo = self.env.context.get("dunning_fallback_users")
        if memo is None:
            return self._dunning_search_fallback_user()
        if self.id not in memo:
            memo[self.id] = self._dunning_search_fallback_user().id
        return self.env["res.users"].browse(memo[self.id])

    def _dunning_search_fallback_user(self):
        managers = self.env["res.users"].search(
            [
                ("groups_id", "in", self.env.ref(MANAGER_GROUP).id),
                ("company_ids", "in", self.id),
                ("share", "=", False),
                ("id", "!=", self.env.ref("base.user_root").id),
            ],
            order="id",
        )
        return next((user for user in managers if is_assignable(user)), managers[:0])
