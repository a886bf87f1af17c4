# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64

from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged

from .einvoice_common import BUYER_SIRET, SELLER_SIRET, peppol_response, zipped
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

    def _call_xml(self, user, files):
        self.authenticate(user.login, user.login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "dunning.einvoice.message",
                "method": "dunning_import_xml",
                "args": [
                    [
                        {"filename": name, "content": base64.b64encode(data).decode()}
                        for name, data in files.items()
                    ]
                ],
                "kwargs": {},
            },
        )

    def test_xml_files_over_rpc_one_result_per_message(self):
        self.company.partner_id.company_registry = SELLER_SIRET
        self.customer.company_registry = BUYER_SIRET
        files = {
            "uq.xml": peppol_response(
                self.invoice_a, "UQ", "2026-03-01", reason="Price not as agreed"
            ),
            "batch.zip": zipped(
                {
                    "ap.xml": peppol_response(self.invoice_b, "AP", "2026-03-02"),
                    "broken.xml": b"<ApplicationResponse>",
                }
            ),
        }
        results = self._call_xml(self.collector, files)
        self.assertEqual(
            sorted((res["file"], res["state"]) for res in results),
            [
                ("batch.zip/ap.xml", "applied"),
                ("batch.zip/broken.xml", "refused"),
                ("uq.xml", "applied"),
            ],
        )
        self.assertRecordValues(
            self.invoice_a | self.invoice_b,
            [
                {"dunning_einvoice_status": "disputed", "dunning_dispute": True},
                {"dunning_einvoice_status": "approved", "dunning_dispute": False},
            ],
        )
        self.assertIn("Price not as agreed", self.invoice_a.dunning_dispute_ids.note)
        # sent again by the connector: applied once
        again = self._call_xml(self.collector, {"uq.xml": files["uq.xml"]})
        self.assertEqual([res["state"] for res in again], ["duplicate"])
        self.assertEqual(len(self.invoice_a.dunning_einvoice_status_ids), 1)

    def test_xml_files_refused_to_users_without_dunning_rights(self):
        clerk = new_test_user(
            self.env,
            login="einvoice_rpc_xml_clerk",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        with self.assertRaises(JsonRpcException) as caught:
            self._call_xml(
                clerk, {"re.xml": peppol_response(self.invoice_a, "RE", "2026-03-01")}
            )
        self.assertIn("odoo.exceptions.AccessError", str(caught.exception.args))
        self.assertFalse(self.invoice_a.dunning_einvoice_status_ids)
