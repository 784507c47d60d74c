"""The addon speaks its users' languages: every term is in the .pot, and Spanish is complete."""

import re

import polib

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import file_path
from odoo.tools.translate import TranslationModuleReader

from .common import FieldServiceCase

MODULE = "field_service_evidence"
# Placeholders a translation must keep: %s, %(name)s, %d, and QWeb/inline template expressions.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}|t-out=\"[^\"]*\"|t-field=\"[^\"]*\"")


def _entries(path):
    return [entry for entry in polib.pofile(file_path(f"{MODULE}/i18n/{path}")) if not entry.obsolete]


@tagged("post_install", "-at_install")
class TestTranslations(FieldServiceCase):
    def test_the_pot_holds_every_translatable_term(self):
        """Odoo's own export of the module finds no term missing from the .pot, nor a stale one:
        regenerate it with `odoo-bin --i18n-export=… --modules=field_service_evidence`."""
        terms = {source for _module, _type, _name, _res_id, source, _value, _comments in self._export()}
        in_pot = {entry.msgid for entry in _entries(f"{MODULE}.pot")}
        self.assertFalse(sorted(terms - in_pot)[:10], "terms missing from the .pot")
        self.assertFalse(sorted(in_pot - terms)[:10], "terms of the .pot the module no longer has")

    def _export(self):
        return TranslationModuleReader(self.env.cr, modules=[MODULE])

    def test_spanish_is_complete_and_keeps_its_placeholders(self):
        in_pot = {entry.msgid for entry in _entries(f"{MODULE}.pot")}
        spanish = {entry.msgid: entry for entry in _entries("es.po")}
        self.assertFalse(sorted(in_pot - set(spanish))[:10], "terms not in es.po")
        for msgid, entry in spanish.items():
            with self.subTest(msgid=msgid[:60]):
                self.assertTrue(entry.msgstr and "fuzzy" not in entry.flags, "not translated")
                self.assertEqual(
                    sorted(PLACEHOLDER.findall(entry.msgstr)), sorted(PLACEHOLDER.findall(msgid))
                )

    def test_a_spanish_technician_reads_spanish(self):
        self.env["res.lang"]._activate_lang("es_ES")
        self.env["ir.module.module"]._get(MODULE)._update_translations("es_ES")
        self.technician.lang = "es_ES"
        # the web client sends the user's language with every call
        task = self._create_task().with_user(self.technician).with_context(lang="es_ES")
        with self.assertRefused(
            UserError, "No hay ninguna partida propuesta en “No cooling at 12 Elm Street”"
        ):
            task.action_send_for_approval()
        methods = dict(
            self.env["service.approval"]
            .with_context(lang="es_ES")
            ._fields["method"]
            ._description_selection(self.env(context={"lang": "es_ES"}))
        )
        self.assertEqual(methods["remote_signature"], "Firma remota")
