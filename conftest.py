"""pytest set-up for Odoo 18 tests run with pytest-odoo.

pytest-odoo 2.3.0 only switches Odoo into test mode for Odoo 19+: do it here, as
Odoo's own runner does, so mail is not really sent and test-only paths are taken.
And a skipped test is a failure here: a tour that did not run proves nothing.
"""

import threading

import pytest

import odoo.modules.module


@pytest.fixture(scope="session", autouse=True)
def odoo_test_mode():
    odoo.modules.module.current_test = True
    threading.current_thread().testing = True
    yield
    threading.current_thread().testing = False
    odoo.modules.module.current_test = False


_skipped = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(f"{report.nodeid}: {report.longrepr}")


def pytest_sessionfinish(session, exitstatus):
    if _skipped and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.section("skipped tests fail this suite")
        for line in _skipped:
            terminalreporter.write_line(line)
