# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from lxml import etree

from odoo.tests import TransactionCase, tagged

from .reporting_common import DunningReportingCommon

# views of the back office's screens: the worklist, the customer's dunning
# page, the runs and their dry run, the calls, the scores
SCREEN_VIEWS = [
    "dunning_worklist_view_list",
    "dunning_worklist_view_kanban",
    "dunning_worklist_view_form",
    "dunning_call_activity_view_list",
    "dunning_run_view_list",
    "dunning_run_view_form",
    "dunning_run_wizard_view_form",
    "dunning_communication_view_list",
    "dunning_communication_view_list_approval",
    "dunning_communication_view_form",
    "dunning_communication_view_form_workspace",
    "dunning_preview_line_view_list",
    "dunning_partner_score_view_list",
    "dunning_kpi_report_view_list",
]


@tagged("post_install", "-at_install")
class TestDunningAmountFormats(TransactionCase):
    """Issue 21: "15 000,00 €" beside "$ 7,500.00", "Total Due: 763.60". An
    amount of a back-office screen is a monetary field shown with its
    currency, which the web client formats in the user's language."""

    def _scopes(self, model, node):
        """(model, node) of the view and of each sub-view of an x2many."""
        yield model, node
        for field in node.iter("field"):
            comodel = model._fields.get(field.get("name"))
            for sub in field:
                if sub.tag in ("list", "form", "kanban") and comodel is not None:
                    yield from self._scopes(self.env[comodel.comodel_name], sub)

    def _own_fields(self, node):
        """The field nodes of a view, without those of its sub-views."""
        for child in node:
            if child.tag == "field":
                yield child
            elif child.tag not in ("list", "form", "kanban"):
                yield from self._own_fields(child)

    def test_every_amount_has_its_currency_in_the_view(self):
        missing = []
        for xmlid in SCREEN_VIEWS:
            view = self.env.ref(f"account_dunning_advanced.{xmlid}")
            arch = etree.fromstring(view.get_combined_arch())
            for model, node in self._scopes(self.env[view.model], arch):
                fields = list(self._own_fields(node))
                names = {f.get("name") for f in fields}
                for field in fields:
                    definition = model._fields.get(field.get("name"))
                    if definition is None or definition.type != "monetary":
                        continue
                    currency = definition.get_currency_field(model)
                    if currency not in names:
                        missing.append(f"{xmlid}: {model._name}.{definition.name}")
        self.assertEqual(missing, [])


@tagged("post_install", "-at_install")
class TestDunningTextAmounts(DunningReportingCommon):
    """The amounts Python writes as text for the back office follow the
    reader's language, not the customer's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.customer = cls._customer("Client Français SARL", lang="fr_FR")
        cls.invoice = cls._invoice(cls.customer, 1234.5, "2026-01-05", "2026-02-04")
        # made by the planner in the customer's language
        cls.reminder = cls._remind(cls.invoice, "2026-02-20", lang="fr_FR")

    def test_reminder_total_in_the_readers_language(self):
        self.assertEqual(self.reminder.lang, "fr_FR")
        english = self.reminder.with_context(lang="en_US")
        self.assertEqual(english.amount_due_by_currency, "$\xa01,234.50")
        french = self.reminder.with_context(lang="fr_FR")
        self.assertEqual(french.amount_due_by_currency, "$\xa01\xa0234,50")
