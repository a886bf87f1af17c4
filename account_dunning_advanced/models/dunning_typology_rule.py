# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.tools import SQL


class DunningTypologyRule(models.Model):
    """A condition set that puts a customer into a typology. The weekly action
    gives each customer whose typology is not locked the typology of the first
    matching rule (by sequence); all the conditions of a rule must hold, so an
    "either ... or" is two rules for the same typology. No matching rule: the
    typology stays as it is."""

    _name = "dunning.typology.rule"
    _description = "Automatic Typology Rule"
    _order = "sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(default=10, help="Rules are tried in this order.")
    active = fields.Boolean(default=True)
    typology_id = fields.Many2one(
        "dunning.typology",
        required=True,
        ondelete="cascade",
        check_company=True,
        index=True,
    )
    company_id = fields.Many2one(related="typology_id.company_id", store=True)
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_currency_id", string="Currency"
    )
    check_avg_days_late = fields.Boolean(string="Limit Average Days Late")
    max_avg_days_late = fields.Float(string="Max. Average Days Late")
    check_late_share = fields.Boolean(string="Limit Share Paid Late")
    max_late_share = fields.Float(string="Max. Paid Late (%)")
    min_paid_count = fields.Integer(
        string="Min. Paid Instalments",
        help="History needed before judging the payment behaviour: instalments "
        "paid in the last 12 months.",
    )
    check_risk_score = fields.Boolean(string="Limit Risk Score")
    min_risk_score = fields.Integer()
    max_risk_score = fields.Integer(default=100)
    partner_kind = fields.Selection(
        [("any", "Any"), ("company", "Company"), ("individual", "Individual")],
        string="Customer Is",
        required=True,
        default="any",
    )
    key_account = fields.Boolean(
        string="Key Accounts Only", help="Customer flagged as key account."
    )
    min_revenue = fields.Monetary(
        string="Min. 12-Month Revenue",
        currency_field="currency_id",
        help="Invoiced minus credited in the last 12 months, tax included, in "
        "the company currency. 0: no condition.",
    )
    export = fields.Boolean(
        string="Foreign Customers Only",
        help="Customer's country set and other than the company's.",
    )
    description = fields.Char(compute="_compute_description")

    @api.depends_context("company")
    @api.depends("company_id")
    def _compute_currency_id(self):
        for rule in self:
            rule.currency_id = (rule.company_id or self.env.company).currency_id

    @api.depends(
        "check_avg_days_late",
        "max_avg_days_late",
        "check_late_share",
        "max_late_share",
        "min_paid_count",
        "check_risk_score",
        "min_risk_score",
        "max_risk_score",
        "partner_kind",
        "key_account",
        "min_revenue",
        "export",
    )
    def _compute_description(self):
        for rule in self:
            rule.description = rule._describe()

    def _describe(self):
        """The rule's conditions in words, the reason logged on a change."""
        self.ensure_one()
        parts = []
        if self.check_avg_days_late:
            parts.append(_("average days late ≤ %(days)s", days=self.max_avg_days_late))
        if self.check_late_share:
            parts.append(_("paid late ≤ %(share)s %%", share=self.max_late_share))
        if self.min_paid_count:
            parts.append(
                _("at least %(count)s instalments paid", count=self.min_paid_count)
            )
        if self.check_risk_score:
            parts.append(
                _(
                    "risk score between %(low)s and %(high)s",
                    low=self.min_risk_score,
                    high=self.max_risk_score,
                )
            )
        if self.partner_kind == "company":
            parts.append(_("a company"))
        elif self.partner_kind == "individual":
            parts.append(_("an individual"))
        if self.key_account:
            parts.append(_("key account"))
        if self.min_revenue:
            parts.append(_("12-month revenue ≥ %(amount)s", amount=self.min_revenue))
        if self.export:
            parts.append(_("country other than the company's"))
        return ", ".join(parts) or _("always")

    def _conditions(self):
        """The rule's conditions as plain values, read once per run."""
        self.ensure_one()
        return {
            "max_avg_days_late": self.check_avg_days_late and self.max_avg_days_late,
            "max_late_share": self.check_late_share and self.max_late_share,
            "min_paid_count": self.min_paid_count,
            "risk_range": self.check_risk_score
            and (self.min_risk_score, self.max_risk_score),
            "partner_kind": self.partner_kind,
            "key_account": self.key_account,
            "min_revenue": self.min_revenue,
            "export": self.export,
        }

    @staticmethod
    def _matches(conditions, customer, company_country_id):
        """Whether ``customer`` (a dict of figures) meets every condition."""
        max_days = conditions["max_avg_days_late"]
        max_share = conditions["max_late_share"]
        risk_range = conditions["risk_range"]
        kind = conditions["partner_kind"]
        country = customer["country_id"]
        return (
            (max_days is False or customer["avg_days_late"] <= max_days)
            and (max_share is False or customer["late_share"] <= max_share)
            and customer["paid_count"] >= conditions["min_paid_count"]
            and (
                risk_range is False
                or risk_range[0] <= customer["risk_score"] <= risk_range[1]
            )
            and (kind == "any" or (kind == "company") == bool(customer["is_company"]))
            and (not conditions["key_account"] or customer["key_account"])
            and customer["revenue_12m"] >= conditions["min_revenue"]
            and (
                not conditions["export"]
                or bool(
                    country and company_country_id and country != company_country_id
                )
            )
        )

    @api.model
    def _apply_rules(self, company, partner_ids=None):
        """Reclassify the scored, unlocked customers of ``company`` (those of
        ``partner_ids`` only, if given); log each change with its reason in
        the customer's chatter. Returns the {partner id: new typology id} of
        the changes."""
        rules = self.search([("company_id", "in", [False, company.id])]).filtered(
            lambda r: r.typology_id.active
        )
        if not rules:
            return {}
        changes = {}
        specs = [(rule, rule._conditions()) for rule in rules]
        country_id = company.country_id.id
        for customer in self._select_customers(company, partner_ids):
            rule = next(
                (r for r, cond in specs if self._matches(cond, customer, country_id)),
                None,
            )
            if rule and rule.typology_id.id != customer["typology_id"]:
                changes[customer["partner_id"]] = (customer["typology_id"], rule)
        self._write_typologies(company, changes)
        return {pid: rule.typology_id.id for pid, (__, rule) in changes.items()}

    def _select_customers(self, company, partner_ids=None):
        key = str(company.id)
        restrict = SQL("TRUE")
        if partner_ids is not None:
            restrict = SQL("s.partner_id = ANY(%s)", list(partner_ids))
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT s.partner_id, s.avg_days_late, s.late_share, s.paid_count,
                       s.risk_score, s.revenue_12m, p.is_company,
                       p.dunning_key_account AS key_account, p.country_id,
                       (p.dunning_typology_id ->> %(key)s)::int AS typology_id
                  FROM dunning_partner_score s
                  JOIN res_partner p ON p.id = s.partner_id
                 WHERE s.company_id = %(company)s AND p.active
                   AND NOT COALESCE(
                       (p.dunning_typology_locked ->> %(key)s)::boolean, FALSE)
                   AND %(restrict)s
                """,
                key=key,
                company=company.id,
                restrict=restrict,
            )
        )
        return self.env.cr.dictfetchall()

    def _write_typologies(self, company, changes):
        """One write per new typology, one batch of chatter notes."""
        by_typology = defaultdict(list)
        for partner_id, (__, rule) in changes.items():
            by_typology[rule.typology_id].append(partner_id)
        # A system classification, run by the rescoring job (OdooBot).
        partners = self.env["res.partner"].with_company(company)
        for typology, partner_ids in by_typology.items():
            partners.browse(partner_ids).with_context(tracking_disable=True).write(
                {"dunning_typology_id": typology.id}
            )
        olds = (
            self.env["dunning.typology"]
            .browse({old for old, __ in changes.values() if old})
            .exists()
        )
        names = {typology.id: typology.display_name for typology in olds}
        bodies = {}
        for partner_id, (old, rule) in changes.items():
            bodies[partner_id] = Markup("<p>%s</p>") % _(
                "Payer typology (%(company)s) changed from %(old)s to %(new)s by "
                "the automatic rule: %(reason)s.",
                company=company.name,
                old=names.get(old, _("none")),
                new=rule.typology_id.display_name,
                reason=rule._describe(),
            )
        if bodies:
            partners.with_company(company)._dunning_log_notes(bodies)
