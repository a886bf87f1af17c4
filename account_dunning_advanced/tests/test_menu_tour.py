# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import HttpCase, tagged

from .common import create_dunning_users


@tagged("post_install", "-at_install")
class TestDunningMenuTour(HttpCase):
    def test_collector_opens_dunning_menu(self):
        collector, _manager = create_dunning_users(self.env)
        self.start_tour(
            "/odoo/action-account_dunning_advanced.dunning_communication_action",
            "account_dunning_advanced_menu",
            login=collector.login,
        )
