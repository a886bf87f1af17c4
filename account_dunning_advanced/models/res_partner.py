# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from .dunning_customer_reply import plain_text_html
from .dunning_worklist_touch import write_touching
from .res_company import is_assignable

DUNNING_NOTE_SUBTYPE = "account_dunning_advanced.mt_dunning_note"
DUNNING_ACTIVITY_TYPES = (
    "account_dunning_advanced.mail_activity_type_dunning_call",
    "account_dunning_advanced.mail_activity_type_dunning_todo",
)

CHANNEL_ORIGINS = [
    ("customer", "Customer (link in a reminder)"),
    ("collector", "Collector"),
]


# the payment behaviour of a customer: the dunning's own figures, read by
# collectors (the scores' access rules)
SCORE_READERS = "account_dunning_advanced.group_dunning_collector"

# what the worklist's rows read of a customer besides its dunning_ fields
WORKLIST_PARTNER_FIELDS = {"user_id", "parent_id", "is_company", "active"}


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
        company_dependent=True,
        help="Letter: the customer receives paper letters instead of emails from "
        "this company (each company keeps the customer's own choice).",
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
        """The contact that receives the reminders, by the planner's rule."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        contacts = self.env["dunning.planner"]._contact_of(commercial)
        return self.browse(contacts.get(commercial.id, commercial.id))

    # when and by whom the channel was chosen, in the same company as the choice
    dunning_channel_changed_date = fields.Datetime(
        string="Reminder Channel Changed On",
        readonly=True,
        copy=False,
        company_dependent=True,
    )
    dunning_channel_changed_origin = fields.Selection(
        CHANNEL_ORIGINS,
        string="Reminder Channel Changed By",
        readonly=True,
        copy=False,
        company_dependent=True,
    )

    def write(self, vals):
        previous = None
        if "dunning_collector_id" in vals:
            previous = {partner.id: partner.dunning_collector_id for partner in self}
        changed = self._dunning_channel_changed_by_collector(vals)
        res = write_touching(
            self,
            vals,
            [
                name
                for name in vals
                if name.startswith("dunning_") or name in WORKLIST_PARTNER_FIELDS
            ],
            super().write,
        )
        if changed:
            changed.write(
                {
                    "dunning_channel_changed_date": fields.Datetime.now(),
                    "dunning_channel_changed_origin": "collector",
                }
            )
            changed._dunning_log_channel_change(
                vals["dunning_preferred_channel"] or False
            )
        if previous is not None:
            self._dunning_move_activities(previous)
        if "phone" in vals or "mobile" in vals:
            self.env["dunning.channel.call"]._close_phone_found(
                self.commercial_partner_id
            )
        return res

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        # a billing contact created with a number: its customer can be called
        with_number = partners.filtered(
            lambda partner: partner.parent_id and (partner.phone or partner.mobile)
        )
        if with_number:
            self.env["dunning.channel.call"]._close_phone_found(
                with_number.commercial_partner_id
            )
        return partners

    def _dunning_touch_worklist(self):
        """Mark the worklist rows of the commercial entities (see
        ``write_touching``)."""
        self.env["dunning.worklist"]._touch(
            self.commercial_partner_id.ids, source=self._name
        )

    def _dunning_channel_changed_by_collector(self, vals):
        """Partners whose reminder channel this back-office write changes.

        A change made in the back-office is the collector's; the public page passes its
        own origin and date."""
        if (
            "dunning_preferred_channel" not in vals
            or "dunning_channel_changed_date" in vals
        ):
            return self.browse()
        channel = vals["dunning_preferred_channel"] or False
        return self.filtered(lambda p: p.dunning_preferred_channel != channel)

    def _dunning_set_preferred_channel(self, channel, origin):
        """Record the customer's choice with its date and origin, in the chatter."""
        changed = self.filtered(
            lambda p: (p.dunning_preferred_channel or "email") != channel
        )
        if changed:
            changed.write(
                {
                    "dunning_preferred_channel": channel,
                    "dunning_channel_changed_date": fields.Datetime.now(),
                    "dunning_channel_changed_origin": origin,
                }
            )
            changed._dunning_log_channel_change(channel)
        return changed

    def _dunning_unsubscribe_one_click(self, company):
        """The customer's "unsubscribe" from a reminder email (the mailbox
        provider's one-click button): letters instead of emails in
        ``company``, logged on the customer and counted as a response; a
        repeated click changes and counts nothing."""
        self.ensure_one()
        partner = self.with_company(company)
        if partner._dunning_set_preferred_channel("letter", "customer"):
            self.env["dunning.response"]._dunning_register(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "kind": "preference",
                        "source": "email",
                        "note": self.env._("Unsubscribed from the reminder emails"),
                    }
                ]
            )

    def _dunning_log_channel_change(self, channel):
        labels = dict(
            self._fields["dunning_preferred_channel"]._description_selection(self.env)
        )
        origins = dict(
            self._fields["dunning_channel_changed_origin"]._description_selection(
                self.env
            )
        )
        self._dunning_log_notes(
            {
                partner.id: Markup("<p>%s</p>")
                % self.env._(
                    "Reminder channel set to %(channel)s (by %(origin)s). Legal "
                    "notices may still be sent by any means.",
                    channel=labels.get(channel or "email", labels["email"]),
                    origin=origins.get(partner.dunning_channel_changed_origin, ""),
                )
                for partner in self
            }
        )

    dunning_worklist_ids = fields.One2many("dunning.worklist", "partner_id")
    dunning_promise_ids = fields.One2many(
        "dunning.promise", "partner_id", string="Promises to Pay"
    )
    dunning_dispute_ids = fields.One2many(
        "dunning.dispute", "partner_id", string="Disputes"
    )
    dunning_payment_plan_ids = fields.One2many(
        "dunning.payment.plan", "partner_id", string="Payment Plans"
    )

    def _dunning_default_collector(self):
        """{partner: user} in the current company: the collector of the
        partner's typology, else its salesperson, when they may receive
        activities (else an empty recordset)."""
        return {
            partner: next(
                (
                    user
                    for user in (
                        partner.dunning_typology_id.collector_id,
                        partner.user_id,
                    )
                    if is_assignable(user)
                ),
                self.env["res.users"],
            )
            for partner in self.commercial_partner_id
        }

    def _dunning_fill_collectors(self):
        """Give the partners of the current company that have no collector
        their default one, one write per collector."""
        by_user = defaultdict(list)
        for partner, user in self._dunning_default_collector().items():
            if user and not partner.dunning_collector_id:
                by_user[user].append(partner.id)
        # the scheduled job's or a manager's own rights (managers edit customers)
        for user, partner_ids in by_user.items():
            self.browse(partner_ids).write({"dunning_collector_id": user.id})

    def _dunning_scenario(self):
        """The scenario of the customer in the current company, by the
        planner's rule."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        scenarios = self.env["dunning.planner"]._scenario_of(
            commercial, self.env.company
        )
        return self.env["dunning.scenario"].browse(scenarios.get(commercial.id))

    def _dunning_grace_days(self):
        """Grace after a promised date in the current company: the scenario's
        grace days, else the company's."""
        self.ensure_one()
        return (
            self._dunning_scenario().grace_days
            or self.env.company.dunning_promise_grace_days
        )

    def _dunning_collector(self):
        """Who follows up this customer in the current company: its collector,
        else its typology's collector, else its salesperson, else the company's
        dunning manager; never an archived or portal user, nor OdooBot."""
        self.ensure_one()
        partner = self.commercial_partner_id
        if is_assignable(partner.dunning_collector_id):
            return partner.dunning_collector_id
        return (
            partner._dunning_default_collector()[partner]
            or self.env.company._dunning_fallback_user()
        )

    def _dunning_open_activities(self):
        """Open dunning calls and to-dos on these customers."""
        types = [self.env.ref(xmlid).id for xmlid in DUNNING_ACTIVITY_TYPES]
        # the dunning's activities of every collector, moved on a change of
        # collector: beyond the rights of the user who changes it
        return (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "in", types),
                ]
            )
        )

    def _dunning_move_activities(self, previous):
        """After a change of collector in the current company, the customers'
        open dunning activities that the previous collector held, or that nobody
        valid holds, go to the new one. ``previous``: {partner id: user}."""
        activities = self._dunning_open_activities()
        by_partner = activities.grouped("res_id")
        for partner in self:
            new = partner._dunning_collector()
            old = previous.get(partner.id) or self.env["res.users"]
            moved = by_partner.get(partner.id, activities[:0]).filtered(
                lambda act, old=old: act.user_id == old
                or not is_assignable(act.user_id)
            )
            if moved and new:
                moved.write({"user_id": new.id})

    def _dunning_log_notes(self, bodies):
        """{customer id: body} logged as dunning notes of the current company,
        in one batch. Customers are shared between companies: the dunning
        subtype and the company let record rules keep the notes to that
        company's dunning users. A ``str`` body is plain text (a customer's
        words among it): escaped, never HTML."""
        # a note of the dunning, not a post by this user (see _dunning_post)
        self.env["mail.message"].sudo().create(
            [
                {
                    "model": "res.partner",
                    "res_id": partner_id,
                    "body": plain_text_html(body),
                    "message_type": "notification",
                    "subtype_id": self.env.ref(DUNNING_NOTE_SUBTYPE).id,
                    "record_company_id": self.env.company.id,
                    "author_id": self.env.user.partner_id.id,
                }
                for partner_id, body in bodies.items()
            ]
        )

    def _dunning_post(self, body):
        """Log ``body`` as a dunning note on these customers, as the current
        user (collectors work the dunning of customers they may not edit)."""
        self._dunning_log_notes(dict.fromkeys(self.ids, body))

    def _dunning_set_pause(self, until):
        """The collector's pause of the reminders in the current company (or
        resume with False); collectors may do so without the right to edit
        customers. Promises to pay hold reminders back on their own."""
        self._dunning_check_collector()
        # a collector's pause on a customer they may not edit, group checked
        self.sudo().write({"dunning_paused_until": until})

    def _dunning_check_collector(self):
        """Collectors (and the job, the customer's page behind its token) act
        on the dunning of customers they may not edit: nobody else."""
        if not self.env.su and not self.env.user.has_group(
            "account_dunning_advanced.group_dunning_collector"
        ):
            raise AccessError(_("Only dunning collectors follow up customers."))

    def _dunning_schedule_collector_activity(self, summary, note):
        """An activity for the collector on the customer, typed "Dunning call"
        when the engine's type exists. A ``str`` note is plain text (a
        customer's words among it): escaped, never HTML."""
        activity_type = self.env.ref(DUNNING_ACTIVITY_TYPES[0])
        activities = self.env["mail.activity"]
        for partner in self:
            # the collector's to-do on a customer they may not edit
            activities |= partner.sudo().activity_schedule(
                activity_type_id=activity_type.id,
                summary=summary,
                note=plain_text_html(note),
                user_id=partner._dunning_collector().id,
            )
        return activities

    def action_dunning_open_worklist(self):
        self.ensure_one()
        row_id = self.env["dunning.worklist"]._row_id(
            self.commercial_partner_id, self.env.company
        )
        if not self.env["dunning.worklist"].search_count([("id", "=", row_id)]):
            raise UserError(_("This customer has no overdue item in this company."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Dunning"),
            "res_model": "dunning.worklist",
            "res_id": row_id,
            "view_mode": "form",
        }

    dunning_key_account = fields.Boolean(
        string="Key Account",
        tracking=True,
        help="Used by the automatic typology rules.",
    )
    dunning_typology_locked = fields.Boolean(
        string="Typology Locked",
        company_dependent=True,
        tracking=True,
        help="The weekly automatic classification leaves this customer's "
        "typology as it is.",
    )
    dunning_risk_score = fields.Integer(
        string="Risk Score",
        compute="_compute_dunning_score",
        groups=SCORE_READERS,
        search="_search_dunning_risk_score",
        help="0 (no risk) to 100, from the payment behaviour of the last 12 "
        "months; recomputed weekly and when a payment is reconciled.",
    )
    dunning_avg_days_late = fields.Float(
        string="Average Days Late",
        compute="_compute_dunning_score",
        groups=SCORE_READERS,
        digits=(16, 1),
    )
    dunning_late_share = fields.Float(
        string="Paid Late (%)",
        compute="_compute_dunning_score",
        groups=SCORE_READERS,
        digits=(16, 1),
    )
    dunning_avg_reminders = fields.Float(
        string="Reminders Before Payment",
        compute="_compute_dunning_score",
        groups=SCORE_READERS,
        digits=(16, 2),
    )
    dunning_promises_broken = fields.Integer(
        string="Promises Broken",
        compute="_compute_dunning_score",
        groups=SCORE_READERS,
    )
    dunning_overdue_amount_score = fields.Monetary(
        string="Overdue (Scored)",
        compute="_compute_dunning_score",
        groups=SCORE_READERS,
        currency_field="dunning_score_currency_id",
    )
    dunning_open_disputes = fields.Integer(
        string="Open Disputes",
        compute="_compute_dunning_score",
        groups=SCORE_READERS,
    )
    dunning_revenue_12m = fields.Monetary(
        string="12-Month Revenue",
        compute="_compute_dunning_score",
        groups=SCORE_READERS,
        currency_field="dunning_score_currency_id",
    )
    dunning_paid_count = fields.Integer(
        string="Paid Instalments",
        compute="_compute_dunning_score",
        groups=SCORE_READERS,
    )
    dunning_score_date = fields.Date(
        string="Behaviour Computed On",
        compute="_compute_dunning_score",
        groups=SCORE_READERS,
    )
    dunning_score_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_dunning_score",
        groups=SCORE_READERS,
    )

    @api.depends_context("company")
    def _compute_dunning_score(self):
        company = self.env.company
        # the collectors' own rights on the scores (SCORE_READERS)
        scores = self.env["dunning.partner.score"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", self.commercial_partner_id.ids),
            ]
        )
        by_partner = {score.partner_id.id: score for score in scores}
        for partner in self:
            score = by_partner.get(partner.commercial_partner_id.id)
            partner.dunning_score_currency_id = company.currency_id
            partner.dunning_risk_score = score.risk_score if score else 0
            partner.dunning_avg_days_late = score.avg_days_late if score else 0.0
            partner.dunning_late_share = score.late_share if score else 0.0
            partner.dunning_avg_reminders = score.avg_reminders if score else 0.0
            partner.dunning_promises_broken = score.promises_broken if score else 0
            partner.dunning_overdue_amount_score = (
                score.overdue_amount if score else 0.0
            )
            partner.dunning_open_disputes = score.open_disputes if score else 0
            partner.dunning_revenue_12m = score.revenue_12m if score else 0.0
            partner.dunning_paid_count = score.paid_count if score else 0
            partner.dunning_score_date = score.date if score else False

    def _search_dunning_risk_score(self, operator, value):
        if operator not in ("=", "!=", "<", "<=", ">", ">="):
            return NotImplemented
        scores = self.env["dunning.partner.score"]._search(
            [
                ("company_id", "=", self.env.company.id),
                ("risk_score", operator, value),
            ]
        )
        return [("commercial_partner_id", "in", scores.subselect("partner_id"))]

    def action_dunning_hand_over(self):
        """A new hand-over of this customer's file in the current company."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Hand Over to Litigation"),
            "res_model": "dunning.litigation",
            "view_mode": "form",
            "views": [(False, "form")],
            "context": {
                "default_partner_id": self.commercial_partner_id.id,
                "default_company_id": self.env.company.id,
            },
        }
