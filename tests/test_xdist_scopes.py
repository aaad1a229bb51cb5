"""The suite's spread over the cores (xdist_scopes.py): a file's tests stay together, and
the browser files and the files with a real Celery worker each share one scope."""

from __future__ import annotations

from xdist_scopes import celery_files, commits, in_order, scope_of


def test_a_files_tests_share_its_scope() -> None:
    assert scope_of("tests/demo/test_demo_today.py::test_nothing_in_the_demo_happens_after_today") == (
        "tests/demo/test_demo_today.py"
    )
    assert scope_of("tests/registry/test_no_raw_codes.py::test_no_admin_page_shows_a_raw_code[auditor]") == (
        "tests/registry/test_no_raw_codes.py"
    )


def test_browser_files_share_one_scope() -> None:
    concern, lists = "tests/e2e/test_concern_browser.py::t[zh-360]", "tests/e2e/test_lists_at_1280.py::t"
    assert {scope_of(concern), scope_of(lists)} == {"browser"}


def test_the_files_marked_celery_share_one_scope() -> None:
    assert "tests/inspections/test_celery_integration.py" in celery_files()
    assert "tests/subsidies/test_worker_killed.py" in celery_files()
    assert all(scope_of(f"{path}::test") == "celery" for path in celery_files())
    assert "tests/demo/test_demo_today.py" not in celery_files()


def test_files_that_commit_come_after_the_others_each_file_together() -> None:
    collection = [
        "tests/inspections/test_planning.py::test_a",  # has a test that commits
        "tests/registry/test_audit.py::test_a",
        "tests/e2e/test_lists_at_1280.py::test_a",
        "tests/registry/test_audit.py::test_b",
        "tests/inspections/test_planning.py::test_b",
    ]
    assert commits("tests/inspections/test_planning.py") and not commits("tests/registry/test_audit.py")

    assert in_order(collection) == [
        "tests/registry/test_audit.py::test_a",
        "tests/registry/test_audit.py::test_b",
        "tests/inspections/test_planning.py::test_a",
        "tests/inspections/test_planning.py::test_b",
        "tests/e2e/test_lists_at_1280.py::test_a",
    ]
