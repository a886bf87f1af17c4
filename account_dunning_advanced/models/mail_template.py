# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from lxml import html
from markupsafe import Markup

from odoo import api, models

_logger = logging.getLogger(__name__)

DUNNING_MODEL = "dunning.communication"


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.model
    def _render_template_qweb(
        self, template_src, model, res_ids, add_context=None, options=None
    ):
        """Compile a reminder template once for the whole batch: Odoo compiles
        an inline QWeb body again for every record, a third of the time of
        a dunning run's emails. Any problem goes back to Odoo's own rendering,
        record by record, which reports it."""
        if (
            model != DUNNING_MODEL
            or len(res_ids) < 2
            or not template_src
            or not self._dunning_may_render_unrestricted()
            or not self._has_unsafe_expression_template_qweb(template_src, model)
        ):
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        try:
            return self._dunning_render_qweb_batch(
                template_src, model, res_ids, add_context, options
            )
        except Exception:  # noqa: BLE001 - Odoo's rendering reports it below
            _logger.debug("Batch rendering failed, rendering one by one", exc_info=True)
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )

    def _dunning_may_render_unrestricted(self):
        return (
            self._unrestricted_rendering
            or self.env.is_admin()
            or self.env.user.has_group("mail.group_mail_template_editor")
        )

    def _dunning_render_qweb_batch(
        self, template_src, model, res_ids, add_context, options
    ):
        variables = self._render_eval_context()
        if add_context:
            variables.update(**add_context)
        qweb = self.env["ir.qweb"].with_context(**(options or {}))
        element = html.fragment_fromstring(template_src, create_parent="div")
        functions, def_name = qweb._compile(element)
        render = functions[def_name]
        results = {}
        for record in self.env[model].browse(res_ids):
            values = dict(variables, object=record)
            rendered = "".join(render(qweb._prepare_environment(values), values))
            # drop the <div> wrapping the fragment, as Odoo's rendering does
            results[record.id] = Markup(rendered)[5:-6]
        return results
