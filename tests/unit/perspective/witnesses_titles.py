"""Witnesses for the titles of long stay: § 104c (Abs. 1, 2), §§ 25a, 25b, 26 Abs. 4, § 10 StAG."""

from __future__ import annotations

from shared.perspective import (
    CivicTest,
    Livelihood,
    PensionRecord,
    Relation,
    Schooling,
)
from tests.unit.perspective.factories import (
    D,
    applied,
    cert,
    duldung,
    fine,
    gestattung,
    granted,
    job,
    member,
    no,
    permit,
    spouse_holding_104c,
    yes,
)
from tests.unit.perspective.witness_kit import (
    A1,
    A2,
    B1,
    KNOWLEDGE,
    MET,
    NOT_MET,
    TOLERATED,
    UNKNOWN,
    Case,
    Env,
    Witness,
    age_limit_25a,
    ago,
    convictions,
    exemptable,
    flag,
    livelihood_full,
    no_deception,
    repeated,
    statuses,
    years_with_child_25b,
)


def family_104c(e: Env) -> list[Case]:
    return [
        ({"household_members": [spouse_holding_104c()]}, MET),
        ({"household_members": []}, NOT_MET),
        (
            {
                "household_members": [member(Relation.PARENT, granted("AufenthG_104c", D(2023, 3, 1)))],
                "birth_date": ago(e.on, 10),
                "unmarried": yes(),
            },
            MET,
        ),
        (
            {
                "household_members": [member(Relation.PARENT, granted("AufenthG_104c", D(2023, 3, 1)))],
                "birth_date": ago(e.on, 20),
                "unmarried": yes(),
                "entry_on": ago(e.on, 5),
            },
            MET,
        ),
    ]


TITLES: dict[tuple[str, str], Witness] = {
    # § 104c Abs. 1 and Abs. 2
    ("AufenthG_104c", "tolerated"): TOLERATED,
    ("AufenthG_104c", "stay_on_cut_off"): statuses(
        lambda on: [duldung(D(2016, 1, 1))], lambda on: [duldung(D(2021, 1, 1))]
    ),
    ("AufenthG_104c", "fdgo_declaration"): flag("fdgo_declaration"),
    ("AufenthG_104c", "convictions"): convictions,
    ("AufenthG_104c", "no_repeated_deception"): repeated,
    ("AufenthG_104c_2", "tolerated"): TOLERATED,
    ("AufenthG_104c_2", "family_of_beneficiary"): family_104c,
    ("AufenthG_104c_2", "fdgo_declaration"): flag("fdgo_declaration"),
    ("AufenthG_104c_2", "convictions"): convictions,
    ("AufenthG_104c_2", "no_repeated_deception"): repeated,
    # § 25a
    ("AufenthG_25a", "status"): TOLERATED,
    ("AufenthG_25a", "stay"): statuses(lambda on: [duldung(ago(on, 5))], lambda on: [duldung(ago(on, 1))]),
    ("AufenthG_25a", "schooling"): exemptable(
        {"schooling": Schooling(as_of=D(2000, 1, 1), successful_years=5)},
        {
            "schooling": Schooling(as_of=D(2000, 1, 1), successful_years=1, german_qualification=False),
            "german_vocational_qualification": no(),
        },
    ),
    ("AufenthG_25a", "age_at_application"): lambda e: [
        ({"birth_date": ago(e.on, 20)}, MET),
        ({"birth_date": ago(e.on, 30)}, NOT_MET),
        ({"birth_date": ago(e.on, age_limit_25a(e) + 1), "applications": [applied(e.norm, ago(e.on, 3))]}, MET),
    ],
    ("AufenthG_25a", "integration_prognosis"): flag("integration_prognosis_positive"),
    ("AufenthG_25a", "no_extremism"): flag("extremism_indications", want=False),
    ("AufenthG_25a", "no_own_deception"): no_deception,
    ("AufenthG_25a", "passport"): flag("passport_present"),
    # § 25b
    ("AufenthG_25b", "status"): TOLERATED,
    ("AufenthG_25b", "stay"): lambda e: [
        ({"statuses": [duldung(ago(e.on, 9))]}, MET),
        ({"statuses": [duldung(ago(e.on, 1))], "minor_child_in_household": no()}, NOT_MET),
        ({"statuses": [duldung(ago(e.on, years_with_child_25b(e) + 1))], "minor_child_in_household": yes()}, MET),
    ],
    ("AufenthG_25b", "fdgo_declaration"): flag("fdgo_declaration"),
    ("AufenthG_25b", "basic_knowledge"): KNOWLEDGE,
    ("AufenthG_25b", "livelihood_predominant"): exemptable(
        {"livelihood": Livelihood(assessed_on=D(2000, 1, 1), coverage_ratio=0.6)},
        {"livelihood": Livelihood(assessed_on=D(2000, 1, 1), coverage_ratio=0.3, expected_to_be_secured=False)},
    ),
    ("AufenthG_25b", "german_a2"): exemptable({"language_certificates": A2}, {"language_certificates": A1}),
    ("AufenthG_25b", "children_attend_school"): flag("children_attend_school"),
    ("AufenthG_25b", "no_deception"): no_deception,
    ("AufenthG_25b", "no_serious_expulsion_interest"): flag("serious_expulsion_interest", want=False),
    # § 26 Abs. 4
    ("AufenthG_26_4", "humanitarian_title"): statuses(
        lambda on: [permit(ago(on, 9), norm="AufenthG_25_2")], lambda on: [permit(ago(on, 9), norm="AufenthG_16g")]
    ),
    ("AufenthG_26_4", "title_years"): statuses(
        lambda on: [permit(ago(on, 9), norm="AufenthG_25_2")], lambda on: [permit(ago(on, 2), norm="AufenthG_25_2")]
    ),
    ("AufenthG_26_4", "livelihood_secured"): livelihood_full,
    ("AufenthG_26_4", "pension_60_months"): lambda e: [
        ({"pension_contributions": PensionRecord(months=70, as_of=ago(e.on, 0, 1))}, MET),
        ({"pension_contributions": PensionRecord(months=10, as_of=ago(e.on, 0, 1)), "employment": []}, NOT_MET),
        (
            {
                "pension_contributions": PensionRecord(months=50, as_of=ago(e.on, 2)),
                "employment": [job(ago(e.on, 3))],
            },
            UNKNOWN,
        ),
    ],
    ("AufenthG_26_4", "public_safety"): lambda e: [
        ({"convictions": []}, MET),
        ({"convictions": [fine(10, on=ago(e.on, 1))]}, UNKNOWN),
    ],
    ("AufenthG_26_4", "german_b1"): exemptable({"language_certificates": B1}, {"language_certificates": A2}),
    ("AufenthG_26_4", "civic_knowledge"): KNOWLEDGE,
    ("AufenthG_26_4", "housing"): flag("housing_sufficient"),
    # § 10 StAG
    ("StAG_10", "lawful_stay"): lambda e: [
        ({"statuses": [permit(ago(e.on, 9), norm="AufenthG_25_2")]}, MET),
        ({"statuses": [permit(ago(e.on, 1), norm="AufenthG_25_2")]}, NOT_MET),
        (
            {
                "statuses": [gestattung(ago(e.on, 9), ago(e.on, 4)), permit(ago(e.on, 4), norm="AufenthG_25_2")],
                "asylum_granted": yes(),
            },
            MET,
        ),
    ],
    ("StAG_10@2007-08-28", "lawful_stay"): lambda e: [
        *TITLES[("StAG_10", "lawful_stay")](e),
        ({"statuses": [permit(ago(e.on, 7, 1))], "integration_course_completed": yes()}, MET),
        (
            {
                "statuses": [permit(ago(e.on, 6, 1))],
                "language_certificates": [cert("B2", D(2000, 1, 1))],
                "special_integration_achievements": no(),
            },
            MET,
        ),
        (
            {
                "statuses": [permit(ago(e.on, 6, 1))],
                "language_certificates": A1,
                "special_integration_achievements": yes(),
            },
            MET,
        ),
    ],
    ("StAG_10@2024-06-27", "lawful_stay"): lambda e: [
        *TITLES[("StAG_10", "lawful_stay")](e),
        (
            {
                "statuses": [permit(ago(e.on, 3, 1))],
                "language_certificates": [cert("C1", D(2000, 1, 1))],
                "special_integration_achievements": yes(),
            },
            MET,
        ),
    ],
    ("StAG_10", "identity_nationality"): lambda e: [
        ({"identity_clarified": yes(), "nationality_clarified": yes()}, MET),
        ({"identity_clarified": no(), "nationality_clarified": yes()}, NOT_MET),
    ],
    ("StAG_10@2007-08-28", "fdgo_declaration"): flag("fdgo_declaration"),
    ("StAG_10", "fdgo_declaration"): lambda e: [
        ({"fdgo_declaration": yes(), "historical_responsibility_commitment": yes()}, MET),
        ({"fdgo_declaration": no(), "historical_responsibility_commitment": yes()}, NOT_MET),
    ],
    ("StAG_10", "qualifying_title"): statuses(
        lambda on: [permit(ago(on, 1), norm="AufenthG_25_2")], lambda on: [permit(ago(on, 1), norm="AufenthG_104c")]
    ),
    ("StAG_10", "livelihood"): lambda e: [
        ({"livelihood": Livelihood(assessed_on=D(2000, 1, 1), receives_sgb2_or_12=False)}, MET),
        (
            {
                "livelihood": Livelihood(
                    assessed_on=D(2000, 1, 1),
                    receives_sgb2_or_12=True,
                    benefits_not_attributable=False,
                    guest_worker_generation=False,
                    fulltime_months_last_24=0,
                    spouse_fulltime_with_minor_child=False,
                )
            },
            NOT_MET,
        ),
    ],
    ("StAG_10", "convictions"): lambda e: [
        ({"convictions": []}, MET),
        ({"convictions": [fine(100, on=ago(e.on, 1))]}, NOT_MET),
    ],
    ("StAG_10", "german_b1"): exemptable({"language_certificates": B1}, {"language_certificates": A2}),
    ("StAG_10", "naturalisation_test"): exemptable(
        {"civic_tests": [CivicTest(kind="einbuergerungstest", passed_on=D(2000, 1, 1))]},
        {"civic_tests": [], "schooling": Schooling(as_of=D(2000, 1, 1), german_qualification=False)},
    ),
    ("StAG_10", "renunciation"): flag("nationality_renunciation_ensured"),
}
