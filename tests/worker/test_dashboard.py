"""The usage dashboard (GET /dashboard) in a real headless browser against the built
Worker on workerd: sign-in, the admin's statement, months, CSV, a client's own view,
empty states and errors. Each view is saved as a screenshot under screenshots/dashboard/
(git-ignored)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from infra.build.manifest import Manifest
from infra.build.stack_build import build_stack
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig
from tests.conftest import running_worker
from tests.worker import browser as browser_support
from tests.worker.browser import PageLog, chromium, open_page, require_chromium
from tests.worker.client import WorkerClient
from tests.worker.usage_support import current_period, usage_stack, wait_for_events

pytestmark = pytest.mark.e2e

RUNS = {"acme": 5, "capped": 2, "beta": 1}  # programs run per client; "idle" runs none
LOOP = "let s = 0; for (let i = 0; i < 150000; i++) s += i; return s;"
KEY_STORAGE = "codeexec.dashboard.apiKey"  # worker_src/dashboard/page/main.js
CONTENT_SECURITY_POLICY = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


@pytest.fixture(scope="module")
def screenshots(paths: ProjectPaths) -> Path:
    folder = paths.root / "screenshots" / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def dashboard_build(paths: ProjectPaths, staging_config: StackConfig) -> Manifest:
    """The usage tests' prices (EUR, a small allowance) and caps ("capped": 3 requests)."""
    return build_stack(usage_stack(staging_config, "dashboard-e2e"), paths)


@pytest.fixture(scope="module")
def seeded(
    paths: ProjectPaths, dashboard_build: Manifest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[WorkerClient, dict[str, str]]]:
    """A server with its own KV: four clients (one idle), their programs run; the keys."""
    with running_worker(paths, dashboard_build.stack, tmp_path_factory.mktemp("dashboard-state")) as worker:
        keys = {client: create_client(worker, client) for client in (*RUNS, "idle")}
        for client, runs in RUNS.items():
            for _ in range(runs):
                reply = worker.post_json(
                    "/v1/execute", {"code": LOOP, "language": "javascript"}, keys[client]
                )
                assert reply.status == 200, reply.body
        for client, runs in RUNS.items():
            assert wait_for_events(worker, client, runs)["totals"]["requests"] == runs
        yield worker, keys


@pytest.fixture(scope="module")
def empty(
    paths: ProjectPaths, dashboard_build: Manifest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerClient]:
    """A server with no clients at all."""
    with running_worker(paths, dashboard_build.stack, tmp_path_factory.mktemp("dashboard-empty")) as worker:
        yield worker


def create_client(worker: WorkerClient, client_id: str) -> str:
    reply = worker.post_json("/v1/admin/clients", {"clientId": client_id})
    assert reply.status == 201, reply.body
    key: str = reply.body["key"]["key"]
    return key


def sign_in(page: Page, worker: WorkerClient, key: str) -> None:
    page.goto(worker.base_url + "/dashboard")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Open dashboard").click()


def statement(worker: WorkerClient, period: str) -> dict[str, Any]:
    reply = worker.get(f"/v1/usage/statement?period={period}")
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


def wait_for_rows(page: Page, count: int) -> None:
    expect(page.locator("#statement-rows tr")).to_have_count(count)
    expect(page.locator("#loading")).to_be_empty()


def table_rows(page: Page) -> list[dict[str, Any]]:
    """The statement table as the page shows it: client id and each exact figure."""
    rows = []
    for row in page.locator("#statement-rows tr").all():
        values = [int(cell.get_attribute("data-value") or "") for cell in row.locator("td[data-value]").all()]
        rows.append({"clientId": row.get_attribute("data-client-id"), "figures": values})
    return rows


def footer_figures(page: Page) -> list[int]:
    return [
        int(cell.get_attribute("data-value") or "")
        for cell in page.locator("#statement-total td[data-value]").all()
    ]


def figures_of(client: dict[str, Any]) -> list[int]:
    totals, cost = client["totals"], client["cost"]
    return [
        totals["requests"],
        totals["fuel"],
        cost["grossMicros"],
        cost["freeAllowanceMicros"],
        cost["dueMicros"],
    ]


def previous_period(period: str) -> str:
    first = dt.date.fromisoformat(period + "-01")
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def assert_clean(log: PageLog) -> None:
    """No script error or CSP violation, and not one request to another origin."""
    assert log.errors == []
    assert log.foreign == []
    assert log.requests  # the log did watch the page


def test_the_page_and_its_parts_are_served_with_a_strict_policy(
    seeded: tuple[WorkerClient, dict[str, str]],
) -> None:
    worker, _ = seeded
    for path, kind in (
        ("/dashboard", "text/html"),
        ("/dashboard/app.js", "text/javascript"),
        ("/dashboard/app.css", "text/css"),
        ("/dashboard/icon.svg", "image/svg+xml"),
    ):
        status, headers, body = worker.get_text(path)
        lowered = {name.lower(): value for name, value in headers.items()}
        assert status == 200, path
        assert lowered["content-type"].startswith(kind)
        assert lowered["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert body
    _, _, html = worker.get_text("/dashboard")
    assert "<script>" not in html  # no inline script
    assert "<style" not in html  # no inline style sheet
    assert " style=" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing from another origin
    assert worker.request("GET", "/dashboard/nothing.js").error_code == "not_found"


def test_a_wrong_key_shows_the_error_and_keeps_nothing(
    browser: Browser, seeded: tuple[WorkerClient, dict[str, str]], screenshots: Path
) -> None:
    worker, _ = seeded
    with open_page(browser, worker.base_url) as (page, log):
        sign_in(page, worker, "cek_0000000000000000_not-a-real-key")
        error = page.get_by_role("alert").filter(has_text="not accepted")
        expect(error).to_be_visible()
        expect(error).to_contain_text("invalid_api_key")
        expect(page.get_by_label("API key")).to_have_attribute("aria-invalid", "true")
        assert page.evaluate(f"sessionStorage.getItem('{KEY_STORAGE}')") is None
        page.screenshot(path=screenshots / "wrong-key.png")
        # The refused key answers 401 and the page says so: no console error of its own.
        log.errors = [text for text in log.errors if "401" not in text]
        assert_clean(log)


def test_the_admin_sees_every_client_with_the_statements_figures(
    browser: Browser, seeded: tuple[WorkerClient, dict[str, str]], screenshots: Path
) -> None:
    worker, _ = seeded
    period = current_period()
    expected = statement(worker, period)
    with open_page(browser, worker.base_url) as (page, log):
        sign_in(page, worker, worker.api_key)
        wait_for_rows(page, len(RUNS))
        shown = table_rows(page)
        assert [row["clientId"] for row in shown] == sorted(RUNS)  # by client id at first
        assert shown == [{"clientId": c["clientId"], "figures": figures_of(c)} for c in expected["clients"]]
        total = expected["total"]
        fuel = sum(client["totals"]["fuel"] for client in expected["clients"])
        assert footer_figures(page) == [
            total["requests"],
            fuel,
            total["grossMicros"],
            total["freeAllowanceMicros"],
            total["dueMicros"],
        ]
        expect(page.locator("#statement-total th")).to_have_text(f"Total ({total['clients']} clients)")
        expect(page.locator("#sum-requests")).to_have_text(str(total["requests"]))
        expect(page.get_by_text("Admin key: every client")).to_be_visible()

        # The client with the largest bill is opened first: its days and its caps.
        expect(page.locator("#detail-title")).to_contain_text("acme")
        expect(page.locator("#chart canvas").first).to_be_visible()
        page.get_by_role("button", name="capped: show its days").click()
        expect(page.locator("#detail-title")).to_contain_text("capped")
        requests_gauge = page.get_by_role("meter", name="Requests this month")
        expect(requests_gauge).to_have_attribute("aria-valuetext", "2 of 3 (67%)")
        page.get_by_text("The days as a table").click()
        day_counts = [
            int(text.replace(",", ""))
            for text in page.locator("#days-rows td:nth-child(2)").all_inner_texts()
        ]
        assert sum(day_counts) == RUNS["capped"]
        page.get_by_text("The days as a table").click()
        page.get_by_role("button", name="acme: show its days").click()
        expect(page.locator("#detail-title")).to_contain_text("acme")
        expect(page.locator("#detail-loading")).to_be_empty()

        # The key lives in this tab only: not in the address, not in a cookie.
        assert page.evaluate(f"sessionStorage.getItem('{KEY_STORAGE}')") == worker.api_key
        assert worker.api_key not in page.url
        assert page.context.cookies() == []
        assert all(worker.api_key not in url for url in log.requests)
        page.screenshot(path=screenshots / "admin.png", full_page=True)
        assert_clean(log)


def test_the_table_sorts_by_any_figure_from_the_keyboard(
    browser: Browser, seeded: tuple[WorkerClient, dict[str, str]]
) -> None:
    worker, _ = seeded
    with open_page(browser, worker.base_url) as (page, log):
        sign_in(page, worker, worker.api_key)
        wait_for_rows(page, len(RUNS))
        header = page.locator("#statement th[data-key=requests]")
        header.get_by_role("button").focus()
        page.keyboard.press("Enter")
        expect(header).to_have_attribute("aria-sort", "descending")
        expect(page.locator("#statement th[data-key=clientId]")).not_to_have_attribute(
            "aria-sort", re.compile(".*")
        )
        assert [row["clientId"] for row in table_rows(page)] == sorted(RUNS, key=lambda c: -RUNS[c])
        page.keyboard.press("Enter")
        expect(header).to_have_attribute("aria-sort", "ascending")
        assert [row["clientId"] for row in table_rows(page)] == sorted(RUNS, key=lambda c: RUNS[c])
        assert_clean(log)


def test_switching_month_shows_its_statement_or_that_it_had_no_usage(
    browser: Browser, seeded: tuple[WorkerClient, dict[str, str]], screenshots: Path
) -> None:
    worker, _ = seeded
    period = current_period()
    earlier = previous_period(period)
    assert statement(worker, earlier)["clients"] == []
    with open_page(browser, worker.base_url) as (page, log):
        sign_in(page, worker, worker.api_key)
        wait_for_rows(page, len(RUNS))
        page.get_by_role("button", name="Previous month").click()
        expect(page.get_by_label("Month", exact=True)).to_have_value(earlier)
        expect(page.locator("#empty-title")).to_have_text(re.compile(r"^No usage in "))
        expect(page.locator("#empty-text")).to_contain_text(f"None of the {len(RUNS) + 1} clients")
        expect(page.locator("#statement-wrap")).to_be_hidden()
        expect(page.get_by_role("button", name="Download CSV")).to_be_disabled()
        expect(page.locator("#sum-requests")).to_have_text("0")
        page.screenshot(path=screenshots / "empty-month.png", full_page=True)
        page.get_by_label("Month", exact=True).fill(period)
        wait_for_rows(page, len(RUNS))
        expect(page.locator("#sum-requests")).to_have_text(
            str(statement(worker, period)["total"]["requests"])
        )
        assert_clean(log)


def test_the_csv_download_is_the_statements_csv(
    browser: Browser, seeded: tuple[WorkerClient, dict[str, str]], tmp_path: Path
) -> None:
    worker, _ = seeded
    period = current_period()
    _, _, expected = worker.get_text(
        f"/v1/usage/statement?period={period}&format=csv", {"Authorization": f"Bearer {worker.api_key}"}
    )
    with open_page(browser, worker.base_url) as (page, log):
        sign_in(page, worker, worker.api_key)
        wait_for_rows(page, len(RUNS))
        with page.expect_download() as download:
            page.get_by_role("button", name="Download CSV").click()
        assert download.value.suggested_filename == f"usage-{period}.csv"
        saved = tmp_path / "statement.csv"
        download.value.save_as(saved)
        assert saved.read_bytes().decode() == expected
        assert {row["clientId"] for row in csv.DictReader(io.StringIO(expected))} == set(RUNS)
        assert_clean(log)


def test_a_client_key_sees_only_its_own_client(
    browser: Browser, seeded: tuple[WorkerClient, dict[str, str]], screenshots: Path, tmp_path: Path
) -> None:
    worker, keys = seeded
    period = current_period()
    own = next(c for c in statement(worker, period)["clients"] if c["clientId"] == "acme")
    with open_page(browser, worker.base_url) as (page, log):
        sign_in(page, worker, keys["acme"])
        wait_for_rows(page, 1)
        assert table_rows(page) == [{"clientId": "acme", "figures": figures_of(own)}]
        expect(page.get_by_text("Client key: acme")).to_be_visible()
        expect(page.locator("#detail-title")).to_contain_text("acme")
        expect(page.locator("#chart canvas").first).to_be_visible()
        for other in ("beta", "capped", "idle"):
            expect(page.locator("main")).not_to_contain_text(other)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download CSV").click()
        saved = tmp_path / "own.csv"
        download.value.save_as(saved)
        [row] = list(csv.DictReader(io.StringIO(saved.read_bytes().decode())))
        _, _, admin_csv = worker.get_text(
            f"/v1/usage/statement?period={period}&format=csv", {"Authorization": f"Bearer {worker.api_key}"}
        )
        assert row == next(r for r in csv.DictReader(io.StringIO(admin_csv)) if r["clientId"] == "acme")
        page.screenshot(path=screenshots / "client.png", full_page=True)
        # The page asked for the statement once to learn the key's role (403 admin_only).
        log.errors = [text for text in log.errors if "403" not in text]
        assert_clean(log)


def test_with_no_clients_and_with_an_idle_client_the_page_says_so(
    browser: Browser, empty: WorkerClient, screenshots: Path
) -> None:
    with open_page(browser, empty.base_url) as (page, log):
        sign_in(page, empty, empty.api_key)
        expect(page.locator("#empty-title")).to_have_text("No clients yet")
        expect(page.locator("#empty-text")).to_contain_text("codeexec keys create")
        expect(page.locator("#statement-wrap")).to_be_hidden()
        page.screenshot(path=screenshots / "empty-no-clients.png", full_page=True)
        assert_clean(log)
    idle_key = create_client(empty, "idle-client")
    with open_page(browser, empty.base_url) as (page, log):
        sign_in(page, empty, idle_key)
        expect(page.locator("#empty-title")).to_have_text(re.compile(r"^No usage in "))
        expect(page.get_by_text("Client key: idle-client")).to_be_visible()
        expect(page.locator("#detail")).to_be_hidden()
        log.errors = [text for text in log.errors if "403" not in text]
        assert_clean(log)


def test_a_service_that_does_not_answer_is_said_and_retried(
    browser: Browser, seeded: tuple[WorkerClient, dict[str, str]], screenshots: Path
) -> None:
    worker, _ = seeded
    with open_page(browser, worker.base_url) as (page, log):
        sign_in(page, worker, worker.api_key)
        wait_for_rows(page, len(RUNS))
        # The network to the API fails from here on (the browser's own request routing).
        page.route("**/v1/**", lambda route: route.abort("connectionrefused"))
        page.get_by_role("button", name="Previous month").click()
        failure = page.locator("#failure")
        expect(failure).to_be_visible()
        expect(failure).to_contain_text("did not answer")
        expect(page.locator("#statement-wrap")).to_be_hidden()  # not last month's figures
        expect(page.locator("#sum-requests")).to_have_text("\u2013")  # an en dash: no figure
        page.screenshot(path=screenshots / "api-down.png", full_page=True)
        page.unroute("**/v1/**")
        page.get_by_label("Month", exact=True).fill(current_period())
        wait_for_rows(page, len(RUNS))
        expect(failure).to_be_hidden()
        log.errors = [text for text in log.errors if "ERR_CONNECTION_REFUSED" not in text]
        assert_clean(log)


def test_signing_out_forgets_the_key(browser: Browser, seeded: tuple[WorkerClient, dict[str, str]]) -> None:
    worker, _ = seeded
    with open_page(browser, worker.base_url) as (page, log):
        sign_in(page, worker, worker.api_key)
        wait_for_rows(page, len(RUNS))
        page.reload()  # the key is kept for the tab
        wait_for_rows(page, len(RUNS))
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_label("API key")).to_be_visible()
        assert page.evaluate(f"sessionStorage.getItem('{KEY_STORAGE}')") is None
        assert json.dumps(page.evaluate("Object.keys(sessionStorage)")) == "[]"
        assert_clean(log)


def test_without_the_browser_these_tests_skip_with_the_reason_but_fail_in_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(browser_support, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium is not installed"):
        require_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="in CI it must be there"):
        require_chromium()
