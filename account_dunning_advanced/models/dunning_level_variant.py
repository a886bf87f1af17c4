# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import hashlib
import math

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


def _uniform(partner_id, level_id, variant_id):
    """A number in ]0, 1[ fixed by the customer, the level and the variant:
    the same on every run, server and Python version (unlike ``hash()``)."""
    digest = hashlib.sha256(f"{partner_id}:{level_id}:{variant_id}".encode())
    return (int.from_bytes(digest.digest()[:8], "big") + 1) / (2**64 + 1)


class DunningLevelVariant(models.Model):
    """One email template of a level under test (A/B testing of wording).

    A customer reminded at a level with active variants gets one of them,
    drawn by weighted rendezvous hashing of (customer, level, variant): no
    stored assignment, the same variant on every run, shares that follow the
    weights over many customers. Adding a variant only moves to it the
    customers it wins (about its share), archiving one only moves its own
    customers: every other customer keeps its variant, so the comparison of
    the remaining variants is not reshuffled.
    """

    _name = "dunning.level.variant"
    _description = "Dunning Level Variant"
    _order = "level_id, sequence, id"
    _check_company_auto = True

    level_id = fields.Many2one(
        "dunning.level", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="level_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, help="e.g. A: short and direct")
    active = fields.Boolean(default=True)
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        required=True,
        domain=[("model", "=", "dunning.communication")],
    )
    weight = fields.Integer(
        default=1,
        required=True,
        help="Share of the level's customers relative to the other active "
        "variants (1 and 1: half each).",
    )
    communication_count = fields.Integer(
        string="Reminders", compute="_compute_communication_count"
    )

    _sql_constraints = [
        ("weight_positive", "CHECK(weight > 0)", "A variant's weight is positive."),
    ]

    @api.constrains("mail_template_id")
    def _check_mail_template(self):
        for variant in self:
            template = variant.mail_template_id
            if template.model != "dunning.communication" or not template.active:
                raise ValidationError(
                    _(
                        "The variant %(variant)s needs an active email template "
                        "of reminders.",
                        variant=variant.name,
                    )
                )

    def _compute_communication_count(self):
        counts = dict(
            self.env["dunning.communication"]._read_group(
                [("variant_id", "in", self.ids)], ["variant_id"], ["__count"]
            )
        )
        for variant in self:
            variant.communication_count = counts.get(variant, 0)

    @api.model
    def _dunning_assign(self, pairs):
        """{(customer id, level id): variant} for the pairs whose level has
        active variants. Levels are few: their variants are read once."""
        levels = self.env["dunning.level"].browse({level for _p, level in pairs})
        variants = self.search([("level_id", "in", levels.ids)])
        by_level = variants.grouped("level_id")
        assigned = {}
        for partner_id, level_id in pairs:
            candidates = by_level.get(levels.browse(level_id))
            if candidates:
                assigned[partner_id, level_id] = max(
                    candidates,
                    key=lambda v, p=partner_id, lv=level_id: (
                        -v.weight / math.log(_uniform(p, lv, v.id)),
                        -v.id,
                    ),
                )
        return assigned
