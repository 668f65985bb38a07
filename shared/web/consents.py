"""Intake's consents on the case page: the "Einwilligungen" panel, narrowing and revoking a consent.

The panel lists the case's consents from intake's own record, read as ``GET
/intake/cases/{case_id}/file`` reads it (the same read check, only for callers who may read
the field group ``consent``, logged on the page's access log): per consent its recipients
and data categories (with the secrecy release), purpose, term, form version, language,
interpreter and state (gültig, eingeschränkt, widerrufen, abgelaufen). Each active consent
has two forms, shown with it:

- **Einschränken**: the consent matrix pre-filled with the scope in force; a box can be
  unticked, never ticked anew (a widening is refused beside its field: it needs a new
  consent with its own form record), from an effective date;
- **Widerrufen**: an effective date and the confirmation that the person revoked it.

Whoever may take a revocation but not read consents (the intake clerk at the front desk,
docs/access.md) sees no list but one form that revokes every live consent of the case, one
``revoke_consent`` command per consent (``POST …/cases/{case_id}/consents/revocation``).

The forms of one consent are submitted like every command form (``shared/web/forms.py``,
``shared/web/form_submit.py``: ``run_command``, the idempotency key, the access-log entry,
waiting for the view), with a
:class:`FormHook` that names the consent. Capturing a consent is the command form "Einwilligung erfassen";
after it is saved, the panel is shown anew as well. ``GET /intake/ui/consent-forms/text``
shows a version's text (a page of its own, or the capture form's text region by htmx).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from shared.access import FieldGroup
from shared.application.catalogue import AnyCommand
from shared.clock import today
from shared.errors import CaseNotFoundError
from shared.events.common import ConsentScope
from shared.http.access import body_model
from shared.http.access_log import RequestAccess
from shared.identity.principal import Principal
from shared.policy.consent import PartyScope, Scopes, scopes_of
from shared.policy.consent_forms import LANGUAGES_DE, consent_form
from shared.policy.parties import default_registry
from shared.service import Service
from shared.web.auth import CallerDep, CsrfDep, PageCaller, WebContext, WebDep
from shared.web.consent_texts import form_text, paragraphs
from shared.web.form_build import command_form, party_rows, value_de, web_only_field, with_fields
from shared.web.form_errors import validation_errors
from shared.web.form_input import parse_form
from shared.web.form_model import CommandForm, FormField, FormState
from shared.web.form_submit import Refused, form_command, posted_key, submitted
from shared.web.forms import AfterSave, FormHook, form_answer, may_write
from shared.web.forms_labels import CATEGORIES_DE, FIELDS_DE, HINTS_DE
from shared.web.pages import PanelView, request_access

PANEL = "consents/_panel.html"
SECTION = "#einwilligungen"
NARROW, REVOKE, GRANT = "change_consent_scope", "revoke_consent", "grant_consent"
NARROW_TITLE, REVOKE_TITLE = "Einwilligung einschränken", "Einwilligung widerrufen"
REVOKE_ALL, REVOKE_ALL_TITLE = "revoke_all_consents", "Widerruf aller Einwilligungen erfassen"


@dataclass(frozen=True)
class ScopeRow:
    """What a consent releases to one party, as shown."""

    party: str
    name: str
    categories: list[str]
    secrecy_release: bool


@dataclass
class ConsentView:
    """One consent as the panel shows it."""

    consent_id: str
    purpose: str
    valid_from: date
    valid_until: date
    form_version: str
    form_title: str | None
    language: str
    interpreter_used: bool
    state: str
    badge: str
    note: str | None
    scopes: list[ScopeRow]
    active: bool
    narrow: FormState | None = None
    revoke: FormState | None = None


def consent_state(consent: dict[str, Any], closed_on: date | None, day: date) -> tuple[str, str, str | None, bool]:
    """(state, badge, note, active) of a consent on ``day``: revoked, ended, narrowed, or valid."""
    revoked: date | None = consent.get("revoked_on")
    valid_from: date = consent["valid_from"]
    valid_until: date = consent["valid_until"]
    if revoked is not None:
        return "widerrufen", "danger", f"Widerruf wirksam ab {revoked:%d.%m.%Y}.", False
    if closed_on is not None and closed_on <= day:
        return "abgelaufen", "info", f"Mit dem Abschluss des Falls am {closed_on:%d.%m.%Y} beendet.", False
    if valid_until < day:
        return "abgelaufen", "info", f"Gültig bis {valid_until:%d.%m.%Y}; eine neue Einwilligung ist nötig.", False
    note = f"Wirksam ab {valid_from:%d.%m.%Y}." if valid_from > day else None
    if "named" in consent:  # set by every scope change (shared by intake's aggregate)
        return "eingeschränkt", "warning", note, True
    return "gültig", "success", note, True


def _scopes(consent: dict[str, Any]) -> Scopes:
    return scopes_of(ConsentScope.model_validate(s) for s in consent["scopes"])


def _scope_rows(scopes: Scopes) -> list[ScopeRow]:
    registry = default_registry()
    rows = [
        ScopeRow(party, registry.display_name(party), [CATEGORIES_DE[c.value] for c in s.categories], s.secrecy_release)
        for party, s in scopes.items()
    ]
    order = [r["recipient"] for r in party_rows(scopes)]
    return sorted(rows, key=lambda r: order.index(r.party) if r.party in order else len(order))


def _command(request: Request, name: str) -> AnyCommand[Any] | None:
    commands = getattr(request.app.state, "commands", None) or ()
    return next((c for c in commands if c.name == name), None)


def narrowing_state(command: AnyCommand[Any], case_id: UUID, consent_id: str, scopes: Scopes) -> FormState | None:
    """The form "Einwilligung einschränken" of one consent, pre-filled with the scope in force."""
    form = command_form(command)
    if form is None:
        return None
    rows = party_rows(scopes)
    for row in rows:
        scope = scopes.get(row["recipient"])
        if scope is not None:
            row["categories"] = [c.value for c in scope.categories]
            row["secrecy_release"] = "ja" if scope.secrecy_release else ""
    state = FormState(with_fields(form, title=NARROW_TITLE), case_id, instance=consent_id, target=SECTION)
    state.heading_level = 4
    state.values = {"consent_id": consent_id, "scopes": rows, "effective_on": today().isoformat()}
    return state


def revocation_state(command: AnyCommand[Any], case_id: UUID, consent_id: str) -> FormState | None:
    """The form "Einwilligung widerrufen" of one consent: the effective date and a confirmation."""
    form = command_form(command)
    if form is None:
        return None
    form = with_fields(form, web_only_field("confirmed"), title=REVOKE_TITLE)
    state = FormState(form, case_id, instance=consent_id, target=SECTION)
    state.heading_level = 4
    state.values = {"consent_id": consent_id, "effective_on": today().isoformat()}
    return state


def read_consents(
    request: Request, principal: Principal, access: RequestAccess, case_id: UUID, message: str | None = None
) -> dict[str, Any] | None:
    """The panel's values; None if the caller may not read the case's consents (or intake has no such case)."""
    container = request.app.state.container
    try:
        who = access.read(principal, container.reach, case_id, by_case=False)
    except (HTTPException, CaseNotFoundError):
        return None
    revoke_cmd = _command(request, REVOKE)
    may_revoke = revoke_cmd is not None and may_write(principal, Service.INTAKE, container, REVOKE, case_id)
    if FieldGroup.CONSENT not in who.readable():
        if not may_revoke:
            return None
        # may take a revocation without reading the consents (the front desk): every live consent at once
        revoke_all = revoke_all_state(case_id)
        return {"consents": [], "write_only": True, "revoke_all": revoke_all, "case_id": case_id, "message": message}
    try:
        case = container.app.get_case(case_id)
    except CaseNotFoundError:
        return None
    day = today()
    narrow_cmd = _command(request, NARROW)
    may_narrow = narrow_cmd is not None and may_write(principal, Service.INTAKE, container, NARROW, case_id)
    views = []
    for consent_id, consent in case.consents.items():
        scopes = _scopes(consent)
        state, badge, note, active = consent_state(consent, case.closed_on, day)
        form = consent_form(consent["form_version"])
        view = ConsentView(
            consent_id=consent_id,
            purpose=value_de(consent["purpose"]),
            valid_from=consent["valid_from"],
            valid_until=consent["valid_until"],
            form_version=consent["form_version"],
            form_title=form.title if form else None,
            language=LANGUAGES_DE.get(consent["language"], consent["language"]),
            interpreter_used=bool(consent["interpreter_used"]),
            state=state,
            badge=badge,
            note=note,
            scopes=_scope_rows(scopes),
            active=active,
        )
        if active and may_narrow and narrow_cmd is not None:
            view.narrow = narrowing_state(narrow_cmd, case_id, consent_id, scopes)
        if active and may_revoke and revoke_cmd is not None:
            view.revoke = revocation_state(revoke_cmd, case_id, consent_id)
        views.append(view)
    views.sort(key=lambda v: (not v.active, -v.valid_from.toordinal()))  # active first, the newest first
    if views:
        access.shown(who, case_id, frozenset({FieldGroup.CONSENT}))
    may_capture = _command(request, GRANT) is not None and may_write(
        principal, Service.INTAKE, container, GRANT, case_id
    )
    return {"consents": views, "case_id": case_id, "message": message, "may_capture": may_capture, "write_only": False}


def consents_panel(
    request: Request, principal: Principal, web: WebContext, access: RequestAccess, case_id: UUID
) -> PanelView | None:
    """The case page's panel "Einwilligungen" (``shared.web.pages.CasePanel``)."""
    values = read_consents(request, principal, access, case_id)
    return PanelView(PANEL, values) if values is not None else None


# --- the forms of one consent ---------------------------------------------------------------


def _consent_named(request: Request, principal: Principal, case_id: UUID, data: FormData) -> dict[str, Any] | None:
    """The consent a submitted form names, after the write check of the command (403/404 as the API)."""
    try:
        consent_id = UUID(str(data.get("consent_id", "")))
    except ValueError:
        return None
    container = request.app.state.container
    access = request_access(request, principal)
    access.write(principal, FieldGroup.CONSENT, container.reach, case_id)
    consent: dict[str, Any] | None = container.app.get_case(case_id).consents.get(str(consent_id))
    return consent


def _prepare_narrowing(request: Request, principal: Principal, case_id: UUID, state: FormState, data: FormData) -> bool:
    consent = _consent_named(request, principal, case_id, data)
    if consent is None:
        return False
    state.instance, state.target, state.heading_level = str(data.get("consent_id")), SECTION, 4
    state.form = with_fields(state.form, title=NARROW_TITLE)
    state.context["scopes"] = _scopes(consent)
    return True


def _prepare_revocation(
    request: Request, principal: Principal, case_id: UUID, state: FormState, data: FormData
) -> bool:
    if _consent_named(request, principal, case_id, data) is None:
        return False
    state.instance, state.target, state.heading_level = str(data.get("consent_id")), SECTION, 4
    state.form = with_fields(state.form, web_only_field("confirmed"), title=REVOKE_TITLE)
    return True


def _check_narrowing(state: FormState, body: dict[str, Any]) -> None:
    """Only narrowing: nothing released anew, not nothing left, not the same scope again."""
    scopes: Scopes = state.context.get("scopes", {})
    items: list[dict[str, Any]] = body.get("scopes", [])
    if not items:
        state.errors["scopes"] = (
            "Mindestens eine Stelle mit einer Datenkategorie muss bleiben. Um die Einwilligung ganz zu beenden, "
            "„Widerrufen“ wählen."
        )
        return
    registry = default_registry()
    for item, r in zip(items, state.positions.get("scopes", []), strict=False):
        before: PartyScope | None = scopes.get(item["recipient"])
        if before is None:
            state.errors[f"scopes[{r}].categories"] = (
                f"„{registry.display_name(item['recipient'])}“ ist in dieser Einwilligung nicht genannt. Eine "
                "Einwilligung kann nur eingeschränkt werden; für eine weitere Stelle ist eine neue Einwilligung "
                "zu erfassen."
            )
            continue
        released = {c.value for c in before.categories}
        added = [CATEGORIES_DE.get(c, c) for c in item["categories"] if c not in released]
        if added:
            state.errors[f"scopes[{r}].categories"] = (
                f"Bisher nicht freigegeben: {', '.join(added)}. Eine Einwilligung kann nur eingeschränkt werden; "
                "für eine Erweiterung ist eine neue Einwilligung mit eigenem Formular zu erfassen."
            )
        if item["secrecy_release"] and not before.secrecy_release:
            state.errors[f"scopes[{r}].secrecy_release"] = (
                "Für diese Stelle liegt keine Schweigepflichtentbindung vor; sie kann nicht nachträglich "
                "hinzugefügt werden (neue Einwilligung erfassen)."
            )
    if state.errors:
        return
    same = {i["recipient"]: (set(i["categories"]), bool(i["secrecy_release"])) for i in items}
    if same == {p: ({c.value for c in s.categories}, s.secrecy_release) for p, s in scopes.items()}:
        state.errors["scopes"] = "Der Umfang ist unverändert. Bitte mindestens ein Häkchen entfernen."


def _check_revocation(state: FormState, body: dict[str, Any]) -> None:
    if state.values.get("confirmed") != "ja":
        state.errors["confirmed"] = "Bitte bestätigen Sie, dass der Widerruf der Person vorliegt."


def _after_record(
    request: Request, principal: Principal, web: WebContext, access: RequestAccess, case_id: UUID, message: str
) -> AfterSave:
    """After narrowing or revoking: the panel anew, with the message, in place of the consent's form."""
    values = read_consents(request, principal, access, case_id, message)
    return AfterSave(main=PanelView(PANEL, values)) if values is not None else AfterSave()


def _after_grant(
    request: Request, principal: Principal, web: WebContext, access: RequestAccess, case_id: UUID, message: str
) -> AfterSave:
    """After capturing a consent: the forms section (as every form), and the panel anew out of band."""
    values = read_consents(request, principal, access, case_id)
    return AfterSave(oob=[PanelView(PANEL, values | {"oob": True})] if values is not None else [])


# --- a revocation taken by whoever may not read the consents -----------------------------------


def revoke_all_state(case_id: UUID, key: str | None = None) -> FormState:
    """The front desk's form: a revocation of every live consent of the case (the date, the confirmation)."""
    hint = HINTS_DE["revoke_consent.effective_on"]
    day_field = FormField("effective_on", FIELDS_DE["effective_on"], hint, "date", True, web_only=True)
    form = CommandForm(
        REVOKE_ALL,
        REVOKE_ALL_TITLE,
        (day_field, web_only_field("confirmed")),
        names_case=False,
        new=False,
        action=f"/cases/{case_id}/consents/revocation",
    )
    state = FormState(form, case_id, key or uuid4().hex, target=SECTION)
    state.values = {"effective_on": today().isoformat()}
    return state


def _revoke_all(
    request: Request, caller: PageCaller, web: WebContext, case_id: UUID, state: FormState, effective_on: str
) -> Response:
    """Revoke every live consent of the case, each by the command (its own idempotency key and log entry)."""
    command = _command(request, REVOKE)
    container = request.app.state.container
    access = request_access(request, caller.principal)
    if command is None:
        return web.renderer.error(request, web, 404, caller=caller)
    access.write(caller.principal, FieldGroup.CONSENT, container.reach, case_id)  # 403/404 as the command
    consents: dict[str, dict[str, Any]] = container.app.get_case(case_id).consents
    live = sorted(i for i, c in consents.items() if c["revoked_on"] is None)
    if not live:
        state.conflict = "Zu diesem Fall ist keine Einwilligung erfasst, die noch widerrufen werden könnte."
        return form_answer(request, web, caller, state, 409)
    for consent_id in live:
        body: BaseModel = body_model(command.model).model_validate(
            {"consent_id": consent_id, "effective_on": effective_on}
        )
        key = f"{state.key}-{consent_id}"  # one key per consent: the form sent again revokes each once
        form_command(request, web, caller, access, command, key, case_id, body)()
    if not request.headers.get("HX-Request"):
        return RedirectResponse(web.url(f"/cases/{case_id}") + SECTION, status_code=303)
    message = "Der Widerruf ist erfasst. Er gilt für alle Einwilligungen des Falls, die noch nicht widerrufen waren."
    values = read_consents(request, caller.principal, access, case_id, message) or {}
    access.flush()
    response = web.renderer.page(request, web, PANEL, {"panel": PanelView(PANEL, values), "case_id": case_id}, caller)
    response.headers["HX-Retarget"] = SECTION
    response.headers["HX-Reswap"] = "outerHTML"
    return response


HOOKS: dict[str, FormHook] = {
    NARROW: FormHook(prepare=_prepare_narrowing, check=_check_narrowing, after=_after_record),
    REVOKE: FormHook(prepare=_prepare_revocation, check=_check_revocation, after=_after_record),
    GRANT: FormHook(after=_after_grant),
}


# --- the form texts ---------------------------------------------------------------------------


def consent_texts_router(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix=ctx.prefix, include_in_schema=False)

    @router.get("/consent-forms/text")
    async def text(request: Request, caller: CallerDep, web: WebDep, form_version: str = "") -> Response:
        """A version's text: the capture form's text region (htmx), or a page of its own (to read or print)."""
        found = consent_form(form_version)
        fragment = bool(request.headers.get("HX-Request"))
        if found is None and not fragment:
            detail = "Diese Formularversion gibt es im Formularkatalog nicht."
            return web.renderer.error(request, web, 404, detail=detail, caller=caller)
        paras = await run_in_threadpool(lambda: paragraphs(form_text(found)) if found else [])
        values = {"form": found, "paras": paras, "languages": LANGUAGES_DE, "title": found.title if found else ""}
        template = "consents/_form_text.html" if fragment else "consents/form_text_page.html"
        return web.renderer.page(request, web, template, values, caller)

    return router


def revocation_router(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix=ctx.prefix, include_in_schema=False)

    @router.post("/cases/{case_id}/consents/revocation")
    async def revoke_all(request: Request, case_id: UUID, caller: CsrfDep, web: WebDep) -> Response:
        """Every live consent of the case revoked at once, by whoever may take a revocation."""
        data = await request.form()
        state = revoke_all_state(case_id, posted_key(data))
        parsed = parse_form(state.form, data)
        state.values, state.errors = parsed.entered, parsed.errors
        _check_revocation(state, {})
        effective_on = str(state.values.get("effective_on", ""))
        command = _command(request, REVOKE)
        if command is None:
            return web.renderer.error(request, web, 404, caller=caller)
        try:  # the date as the command takes it
            on = {"effective_on": effective_on} if effective_on else {}
            body_model(command.model).model_validate({"consent_id": str(uuid4())} | on)
        except ValidationError as exc:
            errors, general = validation_errors(state.form, exc)
            state.errors = errors | state.errors
            state.general += general
        if state.errors or state.general:
            return form_answer(request, web, caller, state, 422)
        outcome = await submitted(
            state,
            lambda: _revoke_all(request, caller, web, case_id, state, effective_on),
            conflict="Die Einwilligungen wurden gerade geändert. Bitte den Fall neu laden und erneut senden.",
        )
        if isinstance(outcome, Refused):
            return outcome.answer(request, web, caller, lambda status: form_answer(request, web, caller, state, status))
        return outcome

    return router


def install_consents(api: FastAPI, ctx: WebContext) -> None:
    """Intake's consents on its case page: the panel, the hooks of its forms, the form texts (intake only)."""
    if ctx.service is not Service.INTAKE:
        return
    ctx.case_panels.append(consents_panel)
    api.state.form_hooks = {**getattr(api.state, "form_hooks", {}), **HOOKS}
    api.include_router(consent_texts_router(ctx))
    api.include_router(revocation_router(ctx))
