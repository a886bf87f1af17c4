# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestDunningConfigurationChecks(TransactionCase):
    """Configuration that would silently remind nobody is refused, whether it comes
    from a form or over RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scenario = cls.env["dunning.scenario"].create(
            {
                "name": "Checked",
                "level_ids": [
                    (0, 0, {"name": "Friendly", "offset_days": 5}),
                    (0, 0, {"name": "Formal", "offset_days": 15}),
                ],
            }
        )

    def test_scenario_needs_a_level(self):
        with self.assertRaisesRegex(ValidationError, "needs at least one level"):
            self.env["dunning.scenario"].create({"name": "Empty", "level_ids": []})
        with self.assertRaisesRegex(ValidationError, "needs at least one level"):
            self.scenario.write({"level_ids": [(5, 0, 0)]})
        friendly, formal = self.scenario.level_ids.sorted("offset_days")
        friendly.unlink()
        with self.assertRaisesRegex(ValidationError, "needs at least one level"):
            formal.unlink()
        self.assertEqual(self.scenario.level_ids, formal)

    def test_offsets_unique_per_scenario(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.env["dunning.level"].create(
                    {"scenario_id": self.scenario.id, "name": "Twin", "offset_days": 5}
                )
        other = self.env["dunning.scenario"].create(
            {"name": "Other", "level_ids": [(0, 0, {"name": "Same", "offset_days": 5})]}
        )
        self.assertEqual(other.level_ids.offset_days, 5)

    def test_archived_template_refused(self):
        template = self.env.ref(
            "account_dunning_advanced.mail_template_dunning_friendly"
        ).copy()
        template.write({"name": "Old friendly", "active": False})
        level = self.scenario.level_ids[0]
        with self.assertRaisesRegex(ValidationError, "Old friendly.*archived"):
            level.mail_template_id = template
