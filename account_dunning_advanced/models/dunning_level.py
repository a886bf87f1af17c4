# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

TONES = [
    ("courtesy", "Courtesy"),
    ("friendly", "Friendly"),
    ("formal", "Formal"),
    ("final", "Final notice"),
]
CHANNELS = ("email", "letter", "sms", "call")
# what dunning.reminder.content._sms_values() provides
SMS_PLACEHOLDERS = (
    "company",
    "customer",
    "reminder",
    "invoices",
    "count",
    "amount",
    "due_date",
    "url",
)


class DunningLevel(models.Model):
    _name = "dunning.level"
    _description = "Dunning Level"
    _order = "scenario_id, offset_days, sequence, id"

    scenario_id = fields.Many2one(
        "dunning.scenario", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="scenario_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    offset_days = fields.Integer(
        string="Days From Due Date",
        required=True,
        help="Negative: days before the due date (courtesy reminder). Positive: "
        "days after it.",
    )
    tone = fields.Selection(TONES, required=True, default="friendly")
    channel_email = fields.Boolean(string="Email", default=True)
    channel_letter = fields.Boolean(string="Letter")
    channel_sms = fields.Boolean(string="SMS")
    channel_call = fields.Boolean(string="Phone Call")
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain=[("model", "=", "dunning.communication")],
    )
    variant_ids = fields.One2many(
        "dunning.level.variant",
        "level_id",
        string="Variants",
        help="Two or more email templates to compare: each customer gets one "
        "of the active variants, always the same, instead of the level's "
        "template.",
    )
    letter_report_id = fields.Many2one(
        "ir.actions.report",
        string="Letter Report",
        domain=[("model", "=", "dunning.communication")],
    )
    mail_template_used_id = fields.Many2one(
        "mail.template",
        string="Email Template Used",
        compute="_compute_content_used",
        help="The level's own template, else the default one of its tone.",
    )
    letter_report_used_id = fields.Many2one(
        "ir.actions.report",
        string="Letter Used",
        compute="_compute_content_used",
        help="The level's own letter, else the default reminder letter.",
    )
    sms_body = fields.Text(
        string="SMS Text",
        translate=True,
        help="Leave empty for the default text. Placeholders: {company}, "
        "{customer}, {reminder}, {invoices}, {count}, {amount} (total due), "
        "{due_date} (earliest due date), {url} (payment link).",
    )
    activity_type_id = fields.Many2one("mail.activity.type", string="Call Activity")
    activity_user_id = fields.Many2one(
        "res.users",
        string="Call Responsible",
        help="Who calls when the customer has no collector.",
    )
    attach_invoices = fields.Boolean(string="Attach Invoice PDFs")
    include_penalties = fields.Boolean(
        string="Late-Payment Penalties",
        help="Compute and mention the interest and fixed recovery indemnity of "
        "art. L.441-10 of the French Code de commerce (company customers only).",
    )
    post_penalty_invoice = fields.Boolean(
        help="Also post an invoice of the penalties to the customer.",
    )
    needs_approval = fields.Boolean(
        string="Needs Manager Approval",
        help="Reminders of this level wait in the approval queue until a "
        "dunning manager approves them.",
    )
    set_litigation = fields.Boolean(
        string="Mark Customer in Litigation",
        help="After sending, the customer is flagged as in litigation.",
    )
    stop_reminders = fields.Boolean(
        string="Stop Automatic Reminders",
        help="After sending, the customer is excluded from automatic reminders.",
    )
    manager_activity = fields.Boolean(
        string="Activity for the Manager",
        help="After sending, schedule an activity for the dunning manager.",
    )
    manager_user_id = fields.Many2one("res.users", string="Manager")

    _sql_constraints = [
        (
            "offset_unique",
            "UNIQUE(scenario_id, offset_days)",
            "Two levels of a scenario cannot have the same offset: one of them "
            "would never be used.",
        ),
    ]

    def write(self, vals):
        former = self.scenario_id if "scenario_id" in vals else None
        res = super().write(vals)
        if former is not None:
            # the scenario a level left must still have one
            former._check_levels()
        return res

    @api.constrains("channel_email", "channel_letter", "channel_sms", "channel_call")
    def _check_channels(self):
        for level in self:
            if not level._channels():
                raise ValidationError(
                    _("The level %(level)s has no channel.", level=level.name)
                )

    @api.constrains("sms_body")
    def _check_sms_body(self):
        # no f-string among _()'s arguments: it hides the call from the export
        placeholders = ", ".join(f"{{{name}}}" for name in SMS_PLACEHOLDERS)
        for level in self.filtered("sms_body"):
            try:
                level.sms_body.format_map(dict.fromkeys(SMS_PLACEHOLDERS, ""))
            except (KeyError, ValueError, IndexError, AttributeError) as error:
                raise ValidationError(
                    _(
                        "The SMS text of %(level)s has an unknown or malformed "
                        "placeholder (%(error)s). Placeholders: %(placeholders)s.",
                        level=level.name,
                        error=error,
                        placeholders=placeholders,
                    )
                ) from error

    @api.constrains("post_penalty_invoice", "include_penalties")
    def _check_penalty_invoice(self):
        if any(lv.post_penalty_invoice and not lv.include_penalties for lv in self):
            raise ValidationError(
                _("A penalty invoice needs the level to include penalties.")
            )

    @api.constrains("mail_template_id")
    def _check_mail_template_active(self):
        for level in self.filtered("mail_template_id"):
            if not level.mail_template_id.active:
                raise ValidationError(
                    _(
                        "The email template %(template)s of the level %(level)s is "
                        "archived: restore it or choose another one.",
                        template=level.mail_template_id.name,
                        level=level.name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_last_level(self):
        """A scenario keeps at least one level: one without levels would remind
        nobody."""
        for scenario in self.scenario_id:
            if not scenario.level_ids - self:
                raise ValidationError(
                    _(
                        "The scenario %(scenario)s needs at least one level: add "
                        "another one before deleting this one, or archive the "
                        "scenario.",
                        scenario=scenario.name,
                    )
                )

    @api.depends("mail_template_id", "letter_report_id", "tone")
    def _compute_content_used(self):
        default_letter = self.env.ref(
            "account_dunning_advanced.action_report_dunning_letter",
            raise_if_not_found=False,
        )
        for level in self:
            level.mail_template_used_id = level.mail_template_id or self.env.ref(
                f"account_dunning_advanced.mail_template_dunning_{level.tone}",
                raise_if_not_found=False,
            )
            level.letter_report_used_id = level.letter_report_id or default_letter

    @api.depends("name", "offset_days", "scenario_id.name")
    @api.depends_context("dunning_level_with_scenario")
    def _compute_display_name(self):
        """Where the levels of every scenario meet (the analysis reports),
        "Standard / D+5 Friendly reminder": the name alone repeats."""
        if not self.env.context.get("dunning_level_with_scenario"):
            return super()._compute_display_name()
        for level in self:
            # an f-string among _()'s arguments hides the call from the
            # translation export
            offset = f"{level.offset_days:+d}"
            level.display_name = _(
                "%(scenario)s / D%(offset)s %(level)s",
                scenario=level.scenario_id.name,
                offset=offset,
                level=level.name,
            )

    def _open_preview(self, title):
        """The preview dialog, rendered for the customer owing the most."""
        self.ensure_one()
        company = self.company_id or self.env.company
        customer = (
            self.env["dunning.worklist"]
            .search([("company_id", "=", company.id)], limit=1)
            .partner_id
        )
        wizard = self.env["dunning.level.preview.wizard"].create(
            {
                "level_id": self.id,
                "company_id": company.id,
                "partner_id": customer.id,
            }
        )
        action = wizard.action_preview()
        action["name"] = title
        return action

    def action_preview_email(self):
        self.ensure_one()
        return self._open_preview(_("Preview: %(level)s", level=self.display_name))

    def action_send_test_email(self):
        self.ensure_one()
        return self._open_preview(_("Send Test: %(level)s", level=self.display_name))

    def _channels(self):
        """Channels of this level, in dispatch order."""
        self.ensure_one()
        return [ch for ch in CHANNELS if self[f"channel_{ch}"]]
