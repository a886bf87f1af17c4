# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup

from odoo import fields, models

CHANNEL_ORIGINS = [
    ("customer", "Customer (link in a reminder)"),
    ("collector", "Collector"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    dunning_channel_changed_date = fields.Datetime(
        string="Reminder Channel Changed On", readonly=True, copy=False
    )
    dunning_channel_changed_origin = fields.Selection(
        CHANNEL_ORIGINS,
        string="Reminder Channel Changed By",
        readonly=True,
        copy=False,
    )

    def write(self, vals):
        # A change made in the back-office is the collector's; the public page
        # passes its own origin and date.
        if (
            "dunning_preferred_channel" not in vals
            or "dunning_channel_changed_date" in vals
        ):
            return super().write(vals)
        channel = vals["dunning_preferred_channel"] or False
        changed = self.filtered(lambda p: p.dunning_preferred_channel != channel)
        res = super().write(vals)
        if changed:
            changed.write(
                {
                    "dunning_channel_changed_date": fields.Datetime.now(),
                    "dunning_channel_changed_origin": "collector",
                }
            )
            changed._dunning_log_channel_change(channel)
        return res

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

    def _dunning_log_channel_change(self, channel):
        labels = dict(
            self._fields["dunning_preferred_channel"]._description_selection(self.env)
        )
        origins = dict(
            self._fields["dunning_channel_changed_origin"]._description_selection(
                self.env
            )
        )
        self._message_log_batch(
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
