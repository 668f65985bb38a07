"""The consent forms a person signs: versioned German texts, their validity and their languages.

A consent (``GrantConsent``) names the form version the person signed; the version must
be one of this catalogue and in force on the day the person signed it. That day is not a
field of its own: it is the consent's first day (``valid_from``), or the day the consent is
recorded if it begins later. A consent recorded today on a superseded form, or on a form not
yet in force, is refused (422 at ``form_version``), and so is a language the form does not
exist in (422 at ``language``). Consents stored earlier keep whatever version they name.

The texts are a **template a Kreis adapts**: they follow what a consent must contain
(docs/domain.md §5: every recipient by name, the data categories per recipient, a concrete
purpose, the term, revocation at any time with effect for the future, voluntariness, the
secrecy release under § 203 StGB, the language and interpreter), but they are no legal
advice. A Kreis reviews them with its data-protection officer, adds its own versions (and
the versions of its earlier paper forms, so that imported consents can name them) and ends
a version by setting ``valid_until`` when the next one takes over. Two placeholders are
filled when a text is shown (``shared/web/consents.py``, settings ``KIM_CONSENT_FORM_*``):
``${verantwortliche_stelle}`` (the controller) and ``${datenschutz_kontakt}`` (the contact
of the data-protection officer).

Pure: no I/O; the clock is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from string import Template
from types import MappingProxyType

CONTROLLER_PLACEHOLDER = "[Verantwortliche Stelle: vom Kreis einzutragen]"
DPO_PLACEHOLDER = "[Kontaktdaten der oder des behördlichen Datenschutzbeauftragten: vom Kreis einzutragen]"

LANGUAGES_DE: Mapping[str, str] = MappingProxyType(
    {
        "de": "Deutsch",
        "en": "Englisch",
        "fr": "Französisch",
        "ar": "Arabisch",
        "fa": "Persisch (Farsi/Dari)",
        "ps": "Paschtu",
        "ku": "Kurdisch",
        "tr": "Türkisch",
        "ru": "Russisch",
        "uk": "Ukrainisch",
        "ti": "Tigrinya",
        "so": "Somali",
    }
)
"""German names of the languages consent forms exist in (ISO 639 codes)."""


@dataclass(frozen=True)
class ConsentForm:
    """One version of the consent form."""

    id: str
    """The version's id as a consent names it (``form_version``), e.g. ``KIM-EW-2025-1``."""
    title: str
    valid_from: date
    valid_until: date | None
    """The last day the version may be signed; None: in force until a successor ends it."""
    languages: tuple[str, ...]
    """The languages the form exists in (ISO 639), German first."""
    text: str
    """The full German text (with the placeholders ``${verantwortliche_stelle}``, ``${datenschutz_kontakt}``)."""

    def in_force_on(self, day: date) -> bool:
        """Whether the version may be signed on ``day``."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def text_de(self, controller: str | None = None, dpo_contact: str | None = None) -> str:
        """The text as the person reads it, the Kreis's controller and data-protection contact filled in."""
        return Template(self.text).safe_substitute(
            verantwortliche_stelle=controller or CONTROLLER_PLACEHOLDER,
            datenschutz_kontakt=dpo_contact or DPO_PLACEHOLDER,
        )

    @property
    def label_de(self) -> str:
        """How a select names the version: id, title and validity."""
        until = f" bis {self.valid_until:%d.%m.%Y}" if self.valid_until else ""
        return f"{self.id} – {self.title} (gültig ab {self.valid_from:%d.%m.%Y}{until})"


_TEXT_2019 = (
    "Einwilligungserklärung zur Zusammenarbeit in der Integrationsberatung\n"
    "Formular KIM-EW-2019-1\n"
    "\n"
    "1. Verantwortliche Stelle\n"
    "Verantwortlich für die Verarbeitung Ihrer Daten ist ${verantwortliche_stelle}.\n"
    "\n"
    "2. Zweck\n"
    "Ihre Daten werden nur für den auf diesem Formular eingetragenen Zweck an andere Stellen übermittelt."
    " Für andere Zwecke werden sie auf Grundlage dieser Einwilligung nicht verwendet.\n"
    "\n"
    "3. Empfänger und Daten\n"
    "Welche Stelle welche Daten erhält, ist in der Anlage „Empfänger und Datenkategorien“ für jede Stelle"
    " einzeln angekreuzt. Stellen, die dort nicht angekreuzt sind, erhalten keine Daten. Gesundheitsdaten"
    " werden nur übermittelt, wenn sie gesondert angekreuzt sind (Art. 9 Abs. 2 Buchst. a DSGVO).\n"
    "\n"
    "4. Schweigepflicht\n"
    "Inhalte aus Beratungsgesprächen werden nur an Stellen weitergegeben, für die Sie die Beraterinnen "
    "und Berater in der Anlage ausdrücklich von der Schweigepflicht (§ 203 StGB) entbunden haben.\n"
    "\n"
    "5. Freiwilligkeit\n"
    "Die Einwilligung ist freiwillig. Wenn Sie nicht einwilligen, entsteht Ihnen daraus kein Nachteil.\n"
    "\n"
    "6. Dauer\n"
    "Die Einwilligung gilt für den eingetragenen Zeitraum, höchstens 24 Monate, und endet spätestens mit "
    "dem Abschluss der Beratung.\n"
    "\n"
    "7. Widerruf\n"
    "Sie können die Einwilligung und die Entbindung von der Schweigepflicht jederzeit ganz oder teilweise"
    " widerrufen (Art. 7 Abs. 3 DSGVO). Der Widerruf wirkt für die Zukunft; was bis dahin übermittelt "
    "wurde, bleibt rechtmäßig. Der Widerruf ist formlos bei Ihrer Beratungsstelle möglich.\n"
    "\n"
    "8. Ihre Rechte und Ansprechpersonen\n"
    "Sie haben das Recht auf Auskunft, Berichtigung, Löschung und Einschränkung der Verarbeitung (Art. 15"
    " bis 18 DSGVO) und auf Beschwerde bei der Landesbeauftragten für Datenschutz und "
    "Informationsfreiheit Nordrhein-Westfalen (Art. 77 DSGVO). Behördliche Datenschutzbeauftragte oder "
    "behördlicher Datenschutzbeauftragter: ${datenschutz_kontakt}\n"
    "\n"
    "Erklärung\n"
    "Ich willige in die Übermittlung der in der Anlage angekreuzten Daten an die dort angekreuzten "
    "Stellen für den genannten Zweck und Zeitraum ein und entbinde, soweit angekreuzt, von der "
    "Schweigepflicht.\n"
    "\n"
    "Ort, Datum, Unterschrift\n"
)

_TEXT_2025 = (
    "Einwilligung in die Übermittlung personenbezogener Daten und Entbindung von der Schweigepflicht im "
    "Kommunalen Integrationsmanagement (KIM)\n"
    "Formular KIM-EW-2025-1\n"
    "\n"
    "1. Verantwortliche Stelle\n"
    "Verantwortlich für die Verarbeitung Ihrer Daten im Kommunalen Integrationsmanagement ist "
    "${verantwortliche_stelle}. Ihre Ansprechperson ist Ihre Fallmanagerin oder Ihr Fallmanager im "
    "KIM-Fallmanagement.\n"
    "\n"
    "2. Worum es geht\n"
    "Im Kommunalen Integrationsmanagement arbeiten mehrere Stellen zusammen, um Sie bei Aufenthalt, "
    "Sprache, Ausbildung, Arbeit und Integration zu unterstützen. Dafür kann es hilfreich sein, dass "
    "diese Stellen Angaben über Sie austauschen. Wo kein Gesetz diesen Austausch erlaubt, findet er nur "
    "statt, wenn Sie ausdrücklich einwilligen. Rechtsgrundlage ist dann Ihre Einwilligung (Art. 6 Abs. 1 "
    "Buchst. a DSGVO; für Gesundheitsdaten Art. 9 Abs. 2 Buchst. a DSGVO; für Sozialdaten § 67b Abs. 2 "
    "SGB X).\n"
    "\n"
    "3. Zweck\n"
    "Ihre Daten werden ausschließlich für den auf diesem Formular eingetragenen Zweck übermittelt, zum "
    "Beispiel „Antrag nach § 25b AufenthG vorbereiten“ oder „Fallkonferenz“. Für andere Zwecke werden sie"
    " auf Grundlage dieser Einwilligung nicht verwendet.\n"
    "\n"
    "4. Wer welche Daten erhält\n"
    "Sie entscheiden für jede Stelle einzeln, welche Arten von Daten sie erhalten darf. Die Stellen – "
    "jede mit ihrem Namen – und die Datenkategorien sind in der Anlage „Empfänger und Datenkategorien“ "
    "einzeln angekreuzt. Eine Stelle, die dort nicht angekreuzt ist, erhält aufgrund dieser Einwilligung "
    "keine Daten. Die Datenkategorien sind:\n"
    "– Identität (Name, Geburtsdatum, Staatsangehörigkeit, Klärung der Identität)\n"
    "– Aufenthaltsstatus (Duldung, Aufenthaltserlaubnis, Anträge)\n"
    "– KIM-Fallmanagement (Stand des Falls, Integrationsplan, Fallkonferenzen)\n"
    "– Sprache und Bildung (Sprachkurse, Zertifikate, Schul- und Berufsabschlüsse)\n"
    "– Arbeit und Einkommen (Beschäftigung, Ausbildung, Lebensunterhalt)\n"
    "– Schulbesuch Ihrer Kinder\n"
    "– Gesundheit (nur, wenn für die Stelle ausdrücklich angekreuzt)\n"
    "– Inhalte von Beratungsgesprächen (nur zusammen mit der Entbindung von der Schweigepflicht, Nummer "
    "6)\n"
    "\n"
    "5. Freiwilligkeit\n"
    "Ihre Einwilligung ist freiwillig. Wenn Sie nicht einwilligen, nur einzelnen Stellen oder "
    "Datenkategorien zustimmen oder die Einwilligung später widerrufen, entsteht Ihnen daraus kein "
    "Nachteil. Insbesondere hat das keinen Einfluss auf Entscheidungen der Ausländerbehörde über Ihren "
    "Aufenthalt; die Ausländerbehörde nutzt weiterhin nur die Wege, die ihr das Gesetz erlaubt.\n"
    "\n"
    "6. Entbindung von der Schweigepflicht (§ 203 StGB)\n"
    "Beraterinnen und Berater im Kommunalen Integrationsmanagement unterliegen zum Teil der "
    "Schweigepflicht nach § 203 Strafgesetzbuch. Inhalte aus Beratungsgesprächen dürfen sie nur an "
    "Stellen weitergeben, für die Sie sie in der Anlage ausdrücklich von der Schweigepflicht entbunden "
    "haben („Schweigepflichtentbindung“, für jede Stelle gesondert). Ohne diese Entbindung werden keine "
    "Beratungsinhalte weitergegeben. Gegenüber der Ausländerbehörde ist die Entbindung auch wegen § 88 "
    "Abs. 2 Aufenthaltsgesetz erforderlich.\n"
    "\n"
    "7. Dauer\n"
    "Die Einwilligung gilt vom eingetragenen ersten Tag bis zum eingetragenen letzten Tag, höchstens 24 "
    "Monate. Sie endet spätestens, wenn Ihr KIM-Fall abgeschlossen wird. Ist danach ein weiterer "
    "Austausch nötig, werden Sie erneut gefragt.\n"
    "\n"
    "8. Widerruf\n"
    "Sie können diese Einwilligung und die Entbindung von der Schweigepflicht jederzeit ohne Angabe von "
    "Gründen ganz oder teilweise widerrufen – für einzelne Stellen, einzelne Datenkategorien oder "
    "insgesamt (Art. 7 Abs. 3 DSGVO). Der Widerruf wirkt für die Zukunft: Was bis zum Widerruf "
    "übermittelt wurde, bleibt rechtmäßig. Nach dem Widerruf erhalten die Stellen auf Grundlage dieser "
    "Einwilligung keine weiteren Daten, und die Stellen, die Daten erhalten haben, werden über den "
    "Widerruf unterrichtet. Den Widerruf können Sie formlos schriftlich, per E-Mail oder mündlich bei "
    "Ihrem KIM-Fallmanagement erklären.\n"
    "\n"
    "9. Ihre Rechte\n"
    "Sie haben das Recht auf Auskunft über die zu Ihnen gespeicherten Daten (Art. 15 DSGVO), auf "
    "Berichtigung (Art. 16 DSGVO), auf Löschung (Art. 17 DSGVO) und auf Einschränkung der Verarbeitung "
    "(Art. 18 DSGVO). Sie können sich bei einer Datenschutz-Aufsichtsbehörde beschweren (Art. 77 DSGVO), "
    "in Nordrhein-Westfalen bei der Landesbeauftragten für Datenschutz und Informationsfreiheit "
    "Nordrhein-Westfalen.\n"
    "\n"
    "10. Datenschutzbeauftragte\n"
    "Bei Fragen zum Datenschutz erreichen Sie die oder den behördlichen Datenschutzbeauftragten: "
    "${datenschutz_kontakt}\n"
    "\n"
    "11. Sprache und Dolmetschung\n"
    "Diese Erklärung liegt in mehreren Sprachen vor. Auf dem Formular wird vermerkt, in welcher Sprache "
    "Sie es erhalten haben und ob eine Dolmetscherin oder ein Dolmetscher mitgewirkt hat. Sie erhalten "
    "eine Kopie der unterschriebenen Erklärung.\n"
    "\n"
    "Erklärung\n"
    "Ich habe diese Informationen gelesen, oder sie wurden mir in einer Sprache erläutert, die ich "
    "verstehe. Ich willige ein, dass die in der Anlage angekreuzten Datenkategorien für den eingetragenen"
    " Zweck und Zeitraum an die dort angekreuzten Stellen übermittelt werden. Soweit in der Anlage "
    "angekreuzt, entbinde ich die Beraterinnen und Berater gegenüber diesen Stellen von der "
    "Schweigepflicht.\n"
    "\n"
    "Ort, Datum, Unterschrift der betroffenen Person\n"
    "Bei Minderjährigen zusätzlich: Unterschrift der gesetzlichen Vertretung\n"
)

CATALOGUE: tuple[ConsentForm, ...] = (
    ConsentForm(
        id="KIM-EW-2019-1",
        title="Einwilligungserklärung Integrationsberatung (Fassung 2019)",
        valid_from=date(2019, 1, 1),
        valid_until=date(2024, 12, 31),
        languages=("de", "en", "ar", "fa", "ru", "tr"),
        text=_TEXT_2019,
    ),
    ConsentForm(
        id="KIM-EW-2025-1",
        title="Einwilligung und Schweigepflichtentbindung im KIM (Fassung 2025)",
        valid_from=date(2025, 1, 1),
        valid_until=None,
        languages=("de", "en", "fr", "ar", "fa", "ps", "ku", "tr", "ru", "uk", "ti", "so"),
        text=_TEXT_2025,
    ),
)
"""Every version, oldest first (a template: see the module's docstring)."""

BY_ID: Mapping[str, ConsentForm] = MappingProxyType({form.id: form for form in CATALOGUE})


def consent_form(version: str) -> ConsentForm | None:
    """The version with this id, or None if the catalogue does not know it."""
    return BY_ID.get(version)


def in_force(day: date) -> list[ConsentForm]:
    """The versions that may be signed on ``day``, newest first."""
    return sorted((f for f in CATALOGUE if f.in_force_on(day)), key=lambda f: f.valid_from, reverse=True)


def signed_on(valid_from: date | None, recorded_on: date) -> date:
    """The day a consent's form counts as signed: its first day, or the day it is recorded if it begins later."""
    return recorded_on if valid_from is None else min(valid_from, recorded_on)


def check_form_version(version: str, day: date) -> ConsentForm:
    """The version, if it is known and in force on ``day``; otherwise a ValueError with a German message."""
    form = BY_ID.get(version)
    current = ", ".join(f.id for f in in_force(day)) or "keine"
    if form is None:
        msg = f"Diese Formularversion ist im Formularkatalog nicht bekannt. Am {day:%d.%m.%Y} gilt: {current}."
        raise ValueError(msg)
    if not form.in_force_on(day):
        state = "noch nicht" if day < form.valid_from else "nicht mehr"
        msg = (
            f"Die Formularversion {form.id} gilt am {day:%d.%m.%Y} {state} (gültig ab {form.valid_from:%d.%m.%Y}"
            + (f" bis {form.valid_until:%d.%m.%Y}" if form.valid_until else "")
            + f"). Am {day:%d.%m.%Y} gilt: {current}."
        )
        raise ValueError(msg)
    return form


def check_language(form: ConsentForm, language: str) -> str:
    """The language, if the form exists in it; otherwise a ValueError with a German message."""
    if language not in form.languages:
        names = ", ".join(LANGUAGES_DE.get(code, code) for code in form.languages)
        msg = (
            f"Das Formular {form.id} liegt in dieser Sprache nicht vor (vorhanden: {names}). Wurde es mündlich "
            "übersetzt, ist die Sprache des ausgehändigten Formulars anzugeben und „Mit Dolmetschung“ zu wählen."
        )
        raise ValueError(msg)
    return language
