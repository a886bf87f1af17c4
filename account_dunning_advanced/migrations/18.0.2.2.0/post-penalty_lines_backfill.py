# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Reminders made before penalties were frozen per item in the invoice's
currency get those figures, so that what a reminder says of its penalties is
read from its items alone:

- items with penalties in company currency only (18.0.1.0.0) get them in
  their invoice's currency: the interest as the planner computes it (the
  reminder's rate, the item's days late and amount in its currency), the fixed
  indemnity converted on the reminder's date;
- reminders with penalties and no penalty on any item (made before penalties
  were frozen per item) share them out on their late items: the interest in
  proportion to amount x days late, the indemnity equally over their late
  invoices (on each one's first late item), the totals of the reminder kept to
  the cent, then in each item's currency as above (the interest at the item's
  own rate).

The items' columns are written in SQL: an approved or sent reminder's items are
frozen for the ORM, whoever writes."""

import logging

from openupgradelib import openupgrade

from odoo.tools import float_round

_logger = logging.getLogger(__name__)

LINE_COLUMNS = """
    line.id, line.communication_id, line.move_id, line.plan_line_id,
    line.date_maturity, COALESCE(line.days_late, 0) AS days_late,
    line.currency_id, line.company_currency_id,
    COALESCE(line.amount_residual, 0)::float8 AS amount_residual,
    COALESCE(line.amount_residual_currency, 0)::float8 AS amount_residual_currency,
    COALESCE(line.penalty_interest, 0)::float8 AS penalty_interest,
    COALESCE(line.penalty_indemnity, 0)::float8 AS penalty_indemnity,
    comm.company_id, comm.date,
    COALESCE(comm.penalty_rate, 0)::float8 AS penalty_rate
"""


@openupgrade.migrate()
def migrate(env, version):
    updates = _items_in_company_currency(env) + _reminders_without_items(env)
    if updates:
        _write_items(env, updates)
    env.cr.execute(
        """
        SELECT comm.name FROM dunning_communication comm
         WHERE (COALESCE(comm.penalty_interest, 0) != 0
                OR COALESCE(comm.penalty_indemnity, 0) != 0)
           AND NOT EXISTS (
               SELECT 1 FROM dunning_communication_line line
                WHERE line.communication_id = comm.id
                  AND (COALESCE(line.penalty_interest_currency, 0) != 0
                       OR COALESCE(line.penalty_indemnity_currency, 0) != 0))
        """
    )
    left = [name for (name,) in env.cr.fetchall()]
    if left:
        # no late item to carry them: the reminders show no penalties any more
        _logger.warning(
            "Penalties of %s reminders left on no item (none late): %s",
            len(left),
            ", ".join(left[:20]),
        )


def _write_items(env, updates):
    columns = list(zip(*updates, strict=True))
    openupgrade.logged_query(
        env.cr,
        """
        UPDATE dunning_communication_line line
           SET penalty_interest = new.interest,
               penalty_indemnity = new.indemnity,
               penalty_interest_currency = new.interest_currency,
               penalty_indemnity_currency = new.indemnity_currency
          FROM (SELECT unnest(%s::int[]) AS id,
                       unnest(%s::numeric[]) AS interest,
                       unnest(%s::numeric[]) AS indemnity,
                       unnest(%s::numeric[]) AS interest_currency,
                       unnest(%s::numeric[]) AS indemnity_currency) new
         WHERE new.id = line.id
        """,
        [list(column) for column in columns],
    )
    env.invalidate_all()


def _items_in_company_currency(env):
    """(id, interest, indemnity, interest, indemnity in currency) of the items
    with penalties in company currency only."""
    env.cr.execute(
        f"""
        SELECT {LINE_COLUMNS}
          FROM dunning_communication_line line
          JOIN dunning_communication comm ON comm.id = line.communication_id
         WHERE (COALESCE(line.penalty_interest, 0) != 0
                OR COALESCE(line.penalty_indemnity, 0) != 0)
           AND COALESCE(line.penalty_interest_currency, 0) = 0
           AND COALESCE(line.penalty_indemnity_currency, 0) = 0
        """
    )
    updates = []
    for row in env.cr.dictfetchall():
        interest_currency = _interest_in_currency(env, row, row["penalty_interest"])
        updates.append(
            (
                row["id"],
                row["penalty_interest"],
                row["penalty_indemnity"],
                interest_currency,
                _indemnity_in_currency(env, row, row["penalty_indemnity"]),
            )
        )
    return updates


def _reminders_without_items(env):
    """The same rows for the late items of the reminders whose penalties are
    on the reminder only."""
    env.cr.execute(
        f"""
        SELECT {LINE_COLUMNS},
               COALESCE(comm.penalty_interest, 0)::float8 AS total_interest,
               COALESCE(comm.penalty_indemnity, 0)::float8 AS total_indemnity
          FROM dunning_communication_line line
          JOIN dunning_communication comm ON comm.id = line.communication_id
         WHERE (COALESCE(comm.penalty_interest, 0) != 0
                OR COALESCE(comm.penalty_indemnity, 0) != 0)
           AND NOT EXISTS (
               SELECT 1 FROM dunning_communication_line pen
                WHERE pen.communication_id = comm.id
                  AND (COALESCE(pen.penalty_interest, 0) != 0
                       OR COALESCE(pen.penalty_indemnity, 0) != 0
                       OR COALESCE(pen.penalty_interest_currency, 0) != 0
                       OR COALESCE(pen.penalty_indemnity_currency, 0) != 0))
           AND line.days_late > 0 AND line.plan_line_id IS NULL
         ORDER BY line.communication_id, line.date_maturity, line.id
        """
    )
    by_reminder = {}
    for row in env.cr.dictfetchall():
        by_reminder.setdefault(row["communication_id"], []).append(row)
    updates = []
    for rows in by_reminder.values():
        first = rows[0]
        currency = env["res.currency"].browse(first["company_currency_id"])
        interests = _share(
            currency,
            first["total_interest"],
            [row["amount_residual"] * row["days_late"] for row in rows],
        )
        charged = {}
        for row in rows:
            charged.setdefault(row["move_id"], row["id"])
        indemnities = _share(
            currency,
            first["total_indemnity"],
            [1.0 if charged[row["move_id"]] == row["id"] else 0.0 for row in rows],
        )
        for row, interest, indemnity in zip(rows, interests, indemnities, strict=True):
            updates.append(
                (
                    row["id"],
                    interest,
                    indemnity,
                    _at_own_rate(env, row, interest),
                    _indemnity_in_currency(env, row, indemnity),
                )
            )
    return updates


def _share(currency, total, weights):
    """``total`` shared out in proportion to ``weights``, rounded in
    ``currency``, the last share taking what rounding left."""
    weight = sum(weights)
    if not total or not weight:
        return [0.0] * len(weights)
    shares = [
        float_round(total * w / weight, precision_rounding=currency.rounding)
        for w in weights
    ]
    last = max(i for i, w in enumerate(weights) if w)
    shares[last] = float_round(
        total - sum(shares) + shares[last], precision_rounding=currency.rounding
    )
    return shares


def _interest_in_currency(env, row, interest):
    """The interest of an item in its currency, as the planner computes it:
    the reminder's annual rate over the days late, on the amount due in the
    item's currency; at the item's own rate when the reminder kept no rate."""
    if not interest or row["currency_id"] == row["company_currency_id"]:
        return interest
    if not row["penalty_rate"] or row["days_late"] <= 0:
        return _at_own_rate(env, row, interest)
    currency = env["res.currency"].browse(row["currency_id"])
    factor = row["penalty_rate"] / 100.0 / 365.0 * row["days_late"]
    return currency.round(row["amount_residual_currency"] * factor)


def _at_own_rate(env, row, amount):
    """``amount`` in company currency, in the item's currency at the item's
    own rate (its amounts due in both)."""
    currency = env["res.currency"].browse(row["currency_id"])
    if not amount or row["currency_id"] == row["company_currency_id"]:
        return amount
    if not row["amount_residual"]:
        return _indemnity_in_currency(env, row, amount)
    return currency.round(
        amount * row["amount_residual_currency"] / row["amount_residual"]
    )


def _indemnity_in_currency(env, row, indemnity):
    """The fixed indemnity of an item, converted to its currency on the
    reminder's date, as the planner converts it."""
    if not indemnity or row["currency_id"] == row["company_currency_id"]:
        return indemnity
    company_currency = env["res.currency"].browse(row["company_currency_id"])
    return company_currency._convert(
        indemnity,
        env["res.currency"].browse(row["currency_id"]),
        env["res.company"].browse(row["company_id"]),
        row["date"],
    )
