"""Every text the addon's Python code passes to ``_()`` reaches French users: it is in
the catalogue template (``i18n/account_dunning_advanced.pot``, exported by
``odoo --i18n-export``) and translated in ``fr.po``.

Odoo's export reads the code with Babel's Python extractor, which drops a ``_()``
call holding an f-string among its arguments and never looks inside an f-string:
such a text stays English in every language, silently.
"""

import ast

from babel.messages.pofile import read_po
from devenv import ADDON as ADDON_NAME
from devenv import REPO

ADDON = REPO / ADDON_NAME
TRANSLATION_CALLS = ("_", "_lt")


def _python_files():
    return [
        path
        for path in sorted(ADDON.rglob("*.py"))
        if "tests" not in path.relative_to(ADDON).parts
        and "migrations" not in path.relative_to(ADDON).parts
    ]


def _call_name(node):
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _translation_calls(tree):
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _call_name(node) in TRANSLATION_CALLS
    ]


def _catalog(name):
    with (ADDON / "i18n" / name).open("rb") as file:
        return read_po(file)


def test_no_translated_text_hidden_from_the_export():
    hidden = []
    for path in _python_files():
        tree = ast.parse(path.read_text(), str(path))
        where = path.relative_to(ADDON)
        for call in _translation_calls(tree):
            if any(isinstance(node, ast.JoinedStr) for node in ast.walk(call)):
                hidden.append(f"{where}:{call.lineno}: f-string among _()'s arguments")
        for fstring in (n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)):
            for call in _translation_calls(fstring):
                hidden.append(f"{where}:{call.lineno}: _() inside an f-string")
    assert not hidden, "\n".join(hidden)


def test_every_text_of_the_code_is_exported_and_translated():
    template = _catalog("account_dunning_advanced.pot")
    french = _catalog("fr.po")
    missing, untranslated = [], []
    for path in _python_files():
        tree = ast.parse(path.read_text(), str(path))
        for call in _translation_calls(tree):
            if not call.args or not isinstance(call.args[0], ast.Constant):
                continue
            text = call.args[0].value
            if not isinstance(text, str) or not text:
                continue
            where = f"{path.relative_to(ADDON)}:{call.lineno}"
            if text not in template:
                missing.append(f"{where}: {text!r}")
            elif not (french.get(text) and french.get(text).string):
                untranslated.append(f"{where}: {text!r}")
    assert not missing, "not in the .pot (re-export it):\n" + "\n".join(missing)
    assert not untranslated, "not translated in fr.po:\n" + "\n".join(untranslated)
