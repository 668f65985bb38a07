"""The consent forms' texts as the pages show them: the Kreis's placeholders filled in, split into paragraphs.

The catalogue (``shared/policy/consent_forms.py``) holds each version's German text with two
placeholders a Kreis configures here: ``KIM_CONSENT_FORM_CONTROLLER`` (the controller, e.g.
"Kreis Euskirchen, Der Landrat, Jülicher Ring 32, 53879 Euskirchen") and
``KIM_CONSENT_FORM_DPO_CONTACT`` (how to reach its data-protection officer). Unset, the
text shows that they are still to be filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.policy.consent_forms import LANGUAGES_DE, ConsentForm, in_force


class ConsentFormSettings(BaseSettings):
    """What a Kreis fills into the consent forms' texts."""

    model_config = SettingsConfigDict(env_prefix="KIM_CONSENT_FORM_", extra="ignore", env_ignore_empty=True)

    controller: str = ""
    """The controller as the form names it (name and address of the Kreisverwaltung)."""
    dpo_contact: str = ""
    """The contact of the data-protection officer (address, e-mail, telephone)."""


def form_text(form: ConsentForm, settings: ConsentFormSettings | None = None) -> str:
    """The version's text as the person reads it."""
    settings = settings or ConsentFormSettings()
    return form.text_de(settings.controller or None, settings.dpo_contact or None)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of a form's text: a heading line (or none) and its lines."""

    heading: str | None
    lines: tuple[str, ...]


def paragraphs(text: str) -> list[Paragraph]:
    """The text split at blank lines; a paragraph's first line is its heading if more lines follow it."""
    found = []
    for block in text.strip().split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if len(lines) > 1:
            found.append(Paragraph(lines[0], tuple(lines[1:])))
        elif lines:
            found.append(Paragraph(None, tuple(lines)))
    return found


def capture_versions(day: date) -> list[ConsentForm]:
    """The versions a consent recorded on ``day`` may name (newest first)."""
    return in_force(day)


def capture_languages(day: date) -> tuple[tuple[str, str], ...]:
    """The languages the versions in force exist in, as (code, German name), in the catalogue's order."""
    codes = {code for form in in_force(day) for code in form.languages}
    return tuple((code, name) for code, name in LANGUAGES_DE.items() if code in codes)
