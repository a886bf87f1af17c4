# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from contextlib import contextmanager

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

NO_LEVEL = "needs at least one level"


@tagged("post_install", "-at_install")
class TestDunningScenarioLevels(TransactionCase):
    """An active scenario always has a level, however it gets there: created,
    restored from the archive, or left by its levels (over RPC as from a
    form); an archived one may be empty."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Scenario = cls.env["dunning.scenario"]
        cls.scenario = cls.Scenario.create(
            {
                "name": "Checked",
                "level_ids": [
                    (0, 0, {"name": "Friendly", "offset_days": 5}),
                    (0, 0, {"name": "Formal", "offset_days": 15}),
                ],
            }
        )
        cls.other = cls.Scenario.create(
            {
                "name": "Other",
                "level_ids": [(0, 0, {"name": "Call", "offset_days": 30})],
            }
        )

    @contextmanager
    def _refused(self):
        """Odoo's assertRaises rolls the refused write back (a savepoint)."""
        with self.assertRaises(ValidationError) as caught:
            yield
        self.assertIn(NO_LEVEL, str(caught.exception))

    def _scenarios(self, name):
        return self.Scenario.with_context(active_test=False).search(
            [("name", "=", name)]
        )

    def test_create_without_levels_refused(self):
        with self._refused():
            self.Scenario.create({"name": "Empty"})
        self.assertFalse(self._scenarios("Empty"))

    def test_archived_without_levels_cannot_be_restored(self):
        draft = self.Scenario.create({"name": "Draft", "active": False})
        with self._refused():
            draft.write({"active": True})
        with self._refused():
            draft.action_unarchive()
        draft.write(
            {"active": True, "level_ids": [(0, 0, {"name": "Only", "offset_days": 3})]}
        )
        self.assertRecordValues(draft, [{"active": True, "level_count": 1}])

    def test_last_level_moved_to_another_scenario_refused(self):
        friendly, formal = self.scenario.level_ids.sorted("offset_days")
        friendly.write({"scenario_id": self.other.id})  # one is left
        self.assertEqual(self.scenario.level_ids, formal)
        with self._refused():
            formal.write({"scenario_id": self.other.id})
        # the same move written from the receiving scenario's form
        with self._refused():
            self.other.write({"level_ids": [(4, formal.id)]})
        self.assertEqual(self.scenario.level_ids, formal)
        self.assertEqual(self.other.level_ids.mapped("name"), ["Friendly", "Call"])

    def test_archived_scenario_may_lose_its_levels(self):
        self.scenario.action_archive()
        self.scenario.level_ids.write({"scenario_id": self.other.id})
        self.assertFalse(self.scenario.level_ids)
        self.assertEqual(len(self.other.level_ids), 3)
