# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class DunningRatioReportMixin(models.AbstractModel):
    """Ratios of an analysis view recomputed from the group's sums, so a
    pivot shows the true rate of a group (sum of numerators / sum of
    denominators) and not a sum or an average of row rates. A group without
    denominator has no rate: False, shown blank, rather than a 0 that reads
    as a figure."""

    _name = "dunning.ratio.report.mixin"
    _description = "Dunning Analysis Ratios"

    @api.model
    def _ratio_measures(self):
        """{ratio field: (numerator field, denominator field, factor)}"""
        return {}

    @api.model
    def _ratio_value(self, group, ratio, numerator, denominator, factor):
        den = group.get(denominator)
        if not den or den <= 0:
            return False
        return factor * (group.get(numerator) or 0.0) / den

    @api.model
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        ratios = self._ratio_measures()
        names = {spec.split(":")[0].strip() for spec in fields}
        wanted = [ratio for ratio in ratios if ratio in names]
        extra = []
        for ratio in wanted:
            extra += [f for f in ratios[ratio][:2] if f not in names and f not in extra]
        groups = super().read_group(
            domain, list(fields) + extra, groupby, offset, limit, orderby, lazy
        )
        for group in groups:
            for ratio in wanted:
                group[ratio] = self._ratio_value(group, ratio, *ratios[ratio])
        return groups
