"""Registry: divisions, staff users, providers and everything the rules read about them.

Business rules (lifecycle, scoping, fire exemption, holds) live in modules named for
them (``lifecycle.py``, ``scoping.py``, ``fire_safety.py``, ``holds.py``); the models
hold data, choices and the database constraints that keep it consistent. One module per
part of the domain; every model is importable from ``registry.models``.
"""

from .childcare import (
    AgeBand,
    Attendance,
    CareMode,
    ChildcarePlaces,
    ChildcareSetting,
    DemonstrationLevel,
    VacancyReport,
)
from .credit import CreditDisclosure, CreditObjection
from .divisions import Division, name_in_language
from .grades import DEFAULT_GRADE_STANDARD, ProviderGrade
from .insurance import AccidentPolicy
from .people import (
    Caregiver,
    CareLevel,
    CertificateLevel,
    OverlapDecision,
    OverlappingStay,
    PersonalDataMixin,
    Resident,
    ResidentCategory,
    validate_resident_categories,
)
from .providers import (
    AnnualReport,
    CreditRecord,
    FeeItem,
    FilingAuthority,
    FireExemptionRule,
    LegalForm,
    Licence,
    OperationMode,
    PremisesBasis,
    Provider,
    ProviderHold,
    ProviderKind,
    ProviderStatus,
    ProviderStatusChange,
    RegistrationAuthority,
    StatusReason,
    money_field,
)
from .records import DataExport, RosterImport
from .staff import RoleGrant, StaffDepartment, User

__all__ = [
    "DEFAULT_GRADE_STANDARD",
    "AccidentPolicy",
    "AgeBand",
    "AnnualReport",
    "Attendance",
    "CareLevel",
    "CareMode",
    "Caregiver",
    "CertificateLevel",
    "ChildcarePlaces",
    "ChildcareSetting",
    "CreditDisclosure",
    "CreditObjection",
    "CreditRecord",
    "DataExport",
    "DemonstrationLevel",
    "Division",
    "FeeItem",
    "FilingAuthority",
    "FireExemptionRule",
    "LegalForm",
    "Licence",
    "OperationMode",
    "OverlapDecision",
    "OverlappingStay",
    "PersonalDataMixin",
    "PremisesBasis",
    "Provider",
    "ProviderGrade",
    "ProviderHold",
    "ProviderKind",
    "ProviderStatus",
    "ProviderStatusChange",
    "RegistrationAuthority",
    "Resident",
    "ResidentCategory",
    "RoleGrant",
    "RosterImport",
    "StaffDepartment",
    "StatusReason",
    "User",
    "VacancyReport",
    "money_field",
    "name_in_language",
    "validate_resident_categories",
]
