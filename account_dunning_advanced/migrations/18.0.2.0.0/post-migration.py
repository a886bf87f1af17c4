# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""18.0.1.0.0 -> 18.0.2.0.0, once the models are updated.

* Invoices flagged "disputed" by hand get an open dispute, the one record of it now.
* A promise to pay held reminders back by writing the customer's pause; promises are
  now read by the planner, and the pause is the collector's own: clear the pauses that
  promises wrote.
* The payment plans' daily job no longer sends instalment messages (instalments are
  reminded by the runs): point it at the job that closes or breaks plans, and remove
  the instalment email template.
* Cancelled reminders of the previous release become "rejected": their items
  may be reminded again at their level, as before.
* The invoices' last level, last reminder date and reminder count are read from the
  reminder lines (computed, not stored): nothing to move.
"""

from openupgradelib import openupgrade

from odoo import fields

# renamed by the pre-migration
LEGACY_DISPUTE_COLUMNS = (
    "dunning_dispute_legacy",
    "dunning_dispute_reason_legacy",
    "dunning_dispute_note_legacy",
)


def _disputes_from_flags(env):
    cr = env.cr
    if not openupgrade.column_exists(cr, "account_move", "dunning_dispute_legacy"):
        return
    cr.execute(
        """
        SELECT am.id, am.dunning_dispute_reason_legacy, am.dunning_dispute_note_legacy
          FROM account_move am
         WHERE am.dunning_dispute_legacy
           AND NOT EXISTS (
               SELECT 1 FROM dunning_dispute d
                WHERE d.move_id = am.id AND d.state = 'open'
           )
        """
    )
    rows = cr.fetchall()
    if rows:
        other = env.ref("account_dunning_advanced.dispute_reason_other")
        env["dunning.dispute"].with_context(
            tracking_disable=True, mail_create_nolog=True
        ).create(
            [
                {
                    "move_id": move_id,
                    "reason_id": reason_id or other.id,
                    "note": note or False,
                }
                for move_id, reason_id, note in rows
            ]
        )
    for legacy in LEGACY_DISPUTE_COLUMNS:
        openupgrade.logged_query(
            cr, f"ALTER TABLE account_move DROP COLUMN IF EXISTS {legacy}"
        )


def _clear_pauses_of_promises(env):
    promises = env["dunning.promise"].search(
        [("state", "=", "open"), ("paused_until", "!=", False)]
    )
    for promise in promises:
        partner = promise.partner_id.with_company(promise.company_id)
        if partner.dunning_paused_until == promise.paused_until:
            partner.dunning_paused_until = False


def _plan_job(env):
    cron = env.ref(
        "account_dunning_advanced.ir_cron_dunning_plan_instalments",
        raise_if_not_found=False,
    )
    if cron:
        cron.write(
            {
                "code": "model._cron_check_plans()",
                "name": "Dunning: close or break payment plans",
            }
        )
    template = env.ref(
        "account_dunning_advanced.mail_template_dunning_plan_instalment",
        raise_if_not_found=False,
    )
    if template:
        template.unlink()


def _rejected_reminders(env):
    """The previous release's cancelled reminders were all set aside before
    they left, and let their items be reminded again at their level: that is
    what "rejected" means now ("cancelled" keeps the level as reached)."""
    env["dunning.communication"].search([("state", "=", "cancelled")]).write(
        {"state": "rejected"}
    )


@openupgrade.migrate()
def migrate(env, version):
    _rejected_reminders(env)
    _disputes_from_flags(env)
    _clear_pauses_of_promises(env)
    _plan_job(env)
    # a run started by the previous version and killed stays "running"
    env["dunning.run"].search(
        [("state", "=", "running"), ("date", "<", fields.Date.today())]
    ).write({"state": "failed"})
