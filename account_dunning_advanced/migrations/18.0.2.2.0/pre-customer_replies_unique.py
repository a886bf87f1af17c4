# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""One open declared payment per invoice, one open promise per customer and
company, one open dispute per invoice: the unique indexes of 18.0.2.2.0 (see
the models' ``init``). A form the customer's page received twice before left
duplicates: close them so that the indexes can be created.

- promises: the latest of a customer in a company stays open, the others are
  cancelled (the latest is the customer's last word);
- disputes: the first of an invoice stays open and receives the notes of the
  others, which are resolved as its duplicates;
- declared payments: the first declaration of an invoice stays open; a later
  one sharing an invoice with it is cancelled, with a note saying why."""

from openupgradelib import openupgrade

DUPLICATE_NOTE = "Closed on upgrade: duplicate of %s."


@openupgrade.migrate()
def migrate(env, version):
    cr = env.cr
    if openupgrade.table_exists(cr, "dunning_promise"):
        openupgrade.logged_query(
            cr,
            """
            UPDATE dunning_promise p
               SET state = 'cancelled'
             WHERE p.state = 'open'
               AND EXISTS (
                   SELECT 1 FROM dunning_promise later
                    WHERE later.partner_id = p.partner_id
                      AND later.company_id = p.company_id
                      AND later.state = 'open'
                      AND later.id > p.id)
            """,
        )
    if openupgrade.table_exists(cr, "dunning_dispute"):
        openupgrade.logged_query(
            cr,
            """
            WITH dup AS (
                SELECT d.id, d.note,
                       MIN(d.id) OVER (PARTITION BY d.move_id) AS kept_id
                  FROM dunning_dispute d
                 WHERE d.state = 'open'
            ), notes AS (
                SELECT dup.kept_id, string_agg(dup.note, E'\n' ORDER BY dup.id) AS added
                  FROM dup
                  JOIN dunning_dispute kept ON kept.id = dup.kept_id
                 WHERE dup.id <> dup.kept_id
                   AND COALESCE(dup.note, '') NOT IN ('', COALESCE(kept.note, ''))
                 GROUP BY dup.kept_id
            )
            UPDATE dunning_dispute d
               SET note = concat_ws(E'\n', NULLIF(d.note, ''), notes.added)
              FROM notes
             WHERE d.id = notes.kept_id
            """,
        )
        openupgrade.logged_query(
            cr,
            """
            WITH dup AS (
                SELECT d.id, MIN(d.id) OVER (PARTITION BY d.move_id) AS kept_id
                  FROM dunning_dispute d
                 WHERE d.state = 'open'
            )
            UPDATE dunning_dispute d
               SET state = 'resolved',
                   resolution_date = CURRENT_DATE,
                   resolution_note = concat_ws(
                       E'\n', NULLIF(d.resolution_note, ''),
                       format(%s, 'dispute ' || dup.kept_id))
              FROM dup
             WHERE d.id = dup.id AND dup.id <> dup.kept_id
            """,
            (DUPLICATE_NOTE,),
        )
    if openupgrade.table_exists(cr, "dunning_payment_declaration"):
        _close_duplicate_declarations(cr)


def _close_duplicate_declarations(cr):
    cr.execute(
        """
        SELECT decl.id, array_agg(rel.move_id)
          FROM dunning_payment_declaration decl
          JOIN dunning_payment_declaration_move_rel rel
            ON rel.declaration_id = decl.id
         WHERE decl.state = 'open'
         GROUP BY decl.id
         ORDER BY decl.id
        """
    )
    holder = {}
    duplicates = {}
    for declaration_id, move_ids in cr.fetchall():
        first = next((holder[m] for m in move_ids if m in holder), None)
        if first:
            duplicates[declaration_id] = first
            continue
        holder.update(dict.fromkeys(move_ids, declaration_id))
    for declaration_id, first in duplicates.items():
        openupgrade.logged_query(
            cr,
            """
            UPDATE dunning_payment_declaration
               SET state = 'cancelled',
                   note = concat_ws(E'\n', NULLIF(note, ''), %s)
             WHERE id = %s
            """,
            (DUPLICATE_NOTE % f"declaration {first}", declaration_id),
        )
