# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged

from .workspace_common import DunningWorkspaceCommon


@tagged("post_install", "-at_install")
class TestDunningEinvoiceRpc(DunningWorkspaceCommon, HttpCase):
    """A platform connector feeds lifecycle statuses over JSON-RPC."""

    def _call(self, user, rows):
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "account.move",
                "method": "dunning_import_einvoice_statuses",
                "args": [rows],
                "kwargs": {},
            },
        )

    def test_rows_recorded_one_by_one(self):
        results = self._call(
            self.collector,
            [
                {"invoice": self.invoice_a.name, "status": "207", "comment": "Qty"},
                {"invoice": self.invoice_b.name, "status": "2O8"},
                {"invoice": self.invoice_b.name, "status": "208", "date": "2026-03-01"},
            ],
        )
        self.assertEqual([res["ok"] for res in results], [True, False, True])
        self.assertIn("Unknown lifecycle status 2O8", results[1]["error"])
        self.assertRecordValues(
            self.invoice_a | self.invoice_b,
            [
                {"dunning_einvoice_status": "disputed", "dunning_dispute": True},
                {"dunning_einvoice_status": "suspended", "dunning_dispute": False},
            ],
        )
        self.assertEqual(self.invoice_a.dunning_einvoice_status_ids.source, "platform")

    def test_refused_to_users_without_dunning_rights(self):
        clerk = new_test_user(
            self.env,
            login="einvoice_rpc_clerk",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        with self.assertRaises(JsonRpcException) as caught:
            self._call(clerk, [{"invoice": self.invoice_a.name, "status": "210"}])
        self.assertIn("odoo.exceptions.AccessError", str(caught.exception.args))
        self.assertFalse(self.invoice_a.dunning_einvoice_status_ids)
