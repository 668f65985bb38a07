"""`kim import` under the real service account: a client-credentials token from Keycloak, verified like
every API token, rows authorised and written to the access log of a real PostgreSQL service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from services.bootstrap import build_container, build_importer
from services.importer import IMPORT_CALLER, ServiceAccount
from shared.access.log import AccessQuery, Outcome
from shared.application.idempotency import IdempotencyScope
from shared.identity import TokenVerifier
from shared.service import Service
from tests.identity.keycloak import KeycloakEnv
from tests.support.walk import sample

pytestmark = [pytest.mark.keycloak, pytest.mark.postgres, pytest.mark.timeout(900)]


def test_an_import_with_a_real_service_account_token_is_authorised_and_logged(
    keycloak: KeycloakEnv, verifier: TokenVerifier, infra_env: dict[str, str], tmp_path: Path
) -> None:
    ref = f"alt-{uuid4().hex[:8]}"
    rows = [
        {"ref": ref, "command": "register_person", "data": sample("register_person", registered_on="2019-03-04")},
        {
            "ref": f"{ref}-z",
            "command": "receive_referral",
            "case_ref": ref,
            "data": {"received_on": "2019-03-04", "source": "school", "reason_codes": ["perspective"]},
        },
        {
            "ref": f"{ref}-o",
            "command": "open_case",
            "case_ref": ref,
            "data": {"opened_on": "2019-03-05", "case_manager_id": "st-cmalt03"},
        },
        # An unknown case: refused as out of reach (the HTTP API's 404), logged, nothing stored.
        {"ref": f"{ref}-x", "command": "receive_referral", "case_id": str(uuid4()), "data": sample("receive_referral")},
    ]
    path = tmp_path / "intake.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    account = ServiceAccount.for_import(Service.INTAKE, verifier, verifier.settings)  # the production path
    principal = account()
    assert (principal.actor, principal.is_service_account, principal.staff_id) == (
        "client:kim-import-intake",
        True,
        None,
    )
    assert principal.roles >= {"intake_clerk", "kim_case_manager"} and principal.departments == {"intake"}

    container = build_container(Service.INTAKE)
    try:
        report = build_importer(container, account).import_file(path)
        assert (report.imported, report.failed) == (3, 1), report.errors
        assert report.errors[0]["line"] == 4 and report.errors[0]["error"].startswith("CaseNotFoundError")
        found = container.idempotency.store.find(IdempotencyScope(IMPORT_CALLER, "intake.register_person", ref))
        assert found is not None
        case_id = found.saved.case_id
        case: Any = container.app.repository.get(case_id)
        assert (case.status, case.case_manager_id) == ("open", "st-cmalt03")

        logged = container.access_log.query(AccessQuery(actor="client:kim-import-intake", limit=1000))
        ours = [e.entry for e in logged if e.entry.accessor.correlation_id.startswith(f"import:{report.run_id}:")]
        assert [(e.route, e.outcome, e.accessor.correlation_id) for e in ours] == [
            ("IMPORT register_person", Outcome.ALLOWED, f"import:{report.run_id}:1"),
            ("IMPORT receive_referral", Outcome.ALLOWED, f"import:{report.run_id}:2"),
            ("IMPORT open_case", Outcome.ALLOWED, f"import:{report.run_id}:3"),
            ("IMPORT receive_referral", Outcome.DENIED, f"import:{report.run_id}:4"),
        ]
        assert all(e.subject_id == case_id and e.case_id == case_id for e in ours[:3])
        assert {e.accessor.client_id for e in ours} == {"kim-import-intake"}

        again = build_importer(container, account).import_file(path)
        assert (again.skipped, again.failed) == (3, 1)
        relogged = container.access_log.query(AccessQuery(actor="client:kim-import-intake", limit=1000))
        mine = [e for e in relogged if e.entry.accessor.correlation_id.startswith(f"import:{again.run_id}:")]
        assert [e.entry.outcome for e in mine] == [Outcome.DENIED], "rows imported before write nothing"
    finally:
        container.close()
