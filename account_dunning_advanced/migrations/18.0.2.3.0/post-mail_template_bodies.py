# Copyright 2026 Account Dunning Advanced Authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The reminder email templates hold their text in their own body (editable in
Odoo's template editor, translated per language) instead of a body that only
called the view ``dunning_reminder_email`` with a tone.

The templates are ``noupdate``: an update leaves their bodies alone. A body
still equal to the former one (``<t t-call="...dunning_reminder_email"><t
t-set="tone" .../></t>``, nothing a user could have written in the editor,
which showed it empty) takes the new body of data/mail_template_data.xml in
English, and its translations equal to the former body are removed: Odoo loads
the shipped translations (fr.po) right after this script, for the languages a
template has no translation of. A body a user changed is kept as it is."""

import logging

from lxml import etree
from openupgradelib import openupgrade

from odoo.tools import file_open

from odoo.addons.account_dunning_advanced.models.dunning_channel_email import (
    body_view_call,
)

_logger = logging.getLogger(__name__)

MODULE = "account_dunning_advanced"
TONES = ("courtesy", "friendly", "formal", "final")
FORMER_VIEW = f"{MODULE}.dunning_reminder_email"


def _shipped_bodies():
    """{xml id: body_html} of data/mail_template_data.xml, serialized as
    Odoo's XML import does for a ``type="html"`` field."""
    with file_open(f"{MODULE}/data/mail_template_data.xml", "rb") as data:
        tree = etree.parse(data)
    bodies = {}
    for tone in TONES:
        record_id = f"mail_template_dunning_{tone}"
        field = tree.find(f".//record[@id='{record_id}']/field[@name='body_html']")
        if field is not None:
            bodies[f"{MODULE}.{record_id}"] = "".join(
                etree.tostring(node, method="html", encoding="unicode")
                for node in field
            )
    return bodies


def _is_former_body(body, tone):
    call = body_view_call(body)
    return bool(call) and call[0] == FORMER_VIEW and call[1] == {"tone": tone}


@openupgrade.migrate()
def migrate(env, version):
    for xmlid, body in _shipped_bodies().items():
        template = env.ref(xmlid, raise_if_not_found=False)
        if not template:
            continue
        tone = xmlid.rsplit("_", 1)[1]
        env.cr.execute(
            "SELECT body_html FROM mail_template WHERE id = %s", [template.id]
        )
        translations = env.cr.fetchone()[0] or {}
        if not _is_former_body(translations.get("en_US"), tone):
            _logger.info("%s: body changed by a user, kept", xmlid)
            continue
        template.with_context(lang="en_US").write({"body_html": body})
        installed = {code for code, _name in env["res.lang"].get_installed()}
        stale = {
            lang: False
            for lang, value in translations.items()
            if lang != "en_US" and lang in installed and _is_former_body(value, tone)
        }
        if stale:
            template.update_field_translations("body_html", stale)
        _logger.info("%s: body with its text, in English and %s", xmlid, sorted(stale))
