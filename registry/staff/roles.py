"""Staff roles (Django groups). The groups and their permissions are created by
migrations (registry 0002 and each later app's own); these are their names."""

from __future__ import annotations

DISTRICT_CLERK = "区级经办"
CITY_REVIEWER = "市级审核"
FINANCE = "财务"
INSPECTOR = "检查员"
SYSTEM_ADMIN = "系统管理员"
SECURITY_ADMIN = "安全管理员"
AUDIT_ADMIN = "审计管理员"

ALL_ROLES = (DISTRICT_CLERK, CITY_REVIEWER, FINANCE, INSPECTOR, SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN)

# 三员分立: nobody may hold two of these (enforced in the security issue).
SEPARATED_ADMIN_ROLES = (SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN)
