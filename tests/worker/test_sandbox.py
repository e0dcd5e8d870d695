"""The sandbox on workerd: results, errors, isolation, and every limit, each followed by
a request that must still succeed."""

from __future__ import annotations

import pytest

from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e


def assert_still_serving(worker: WorkerClient) -> None:
    reply = worker.execute("return [1, 2, 3].map((n) => n * 2);")
    assert reply.status == 200
    assert reply.body["status"] == "ok", reply.body
    assert reply.body["result"] == [2, 4, 6]


def test_async_code_and_input(worker: WorkerClient) -> None:
    code = (
        "const twice = async (n) => n * 2; await null; return { sum: await twice(input.a) + input.b.length };"
    )
    reply = worker.execute(code, input={"a": 20, "b": [1, 2]})
    assert reply.body["status"] == "ok"
    assert reply.body["result"] == {"sum": 42}


def test_result_serialization_rules(worker: WorkerClient) -> None:
    code = """
      const cycle = { name: "c" }; cycle.self = cycle;
      return {
        nothing: undefined, nan: NaN, inf: -Infinity, negZero: -0, big: 2n ** 70n,
        date: new Date(0), map: new Map([["k", 1]]), set: new Set([1, 2]), fn: function named() {},
        sym: Symbol("s"), cycle, arr: [undefined, 1],
      };
    """
    reply = worker.execute(code)
    assert reply.body["status"] == "ok"
    assert reply.body["result"] == {
        "nan": "NaN",
        "inf": "-Infinity",
        "negZero": 0,
        "big": str(2**70),
        "date": "1970-01-01T00:00:00.000Z",
        "map": [["k", 1]],
        "set": [1, 2],
        "cycle": {"name": "c", "self": "[Circular]"},
        "arr": [None, 1],
    }


def test_undefined_result_is_null(worker: WorkerClient) -> None:
    reply = worker.execute("const x = 1;")
    assert (reply.body["status"], reply.body["result"]) == ("ok", None)


def test_thrown_error_has_guest_frames_with_the_users_line_numbers(worker: WorkerClient) -> None:
    code = "function inner() {\n  throw new TypeError('bad thing');\n}\ninner();"
    reply = worker.execute(code)
    error = reply.body["error"]
    assert reply.body["status"] == "error"
    assert (error["name"], error["message"]) == ("TypeError", "bad thing")
    assert error["stack"].splitlines()[0].strip().startswith("at inner (main.js:2:")
    assert error["stack"].splitlines()[1].strip().startswith("at <anonymous> (main.js:4:")
    assert "<input>" not in error["stack"]
    assert "sandbox_" not in error["stack"]


def test_syntax_error_names_the_line(worker: WorkerClient) -> None:
    reply = worker.execute("const a = 1;\nconst = 2;")
    assert reply.body["status"] == "error"
    assert reply.body["error"]["name"] == "SyntaxError"
    assert "main.js:2" in reply.body["error"]["stack"]


@pytest.mark.parametrize(
    ("code", "message"), [("throw 'boom'", "Uncaught boom"), ("throw null", "Uncaught null")]
)
def test_thrown_non_errors(worker: WorkerClient, code: str, message: str) -> None:
    reply = worker.execute(code)
    assert (reply.body["status"], reply.body["error"]["message"]) == ("error", message)


def test_a_promise_that_never_settles_is_an_error(worker: WorkerClient) -> None:
    reply = worker.execute("return new Promise(() => {});")
    assert (reply.body["status"], reply.body["error"]["name"]) == ("error", "PendingError")


def test_no_host_capability_exists_inside(worker: WorkerClient) -> None:
    names = [
        "fetch",
        "WebAssembly",
        "crypto",
        "setTimeout",
        "setInterval",
        "process",
        "require",
        "performance",
    ]
    code = f"return {names!r}.filter((name) => typeof globalThis[name] !== 'undefined');"
    reply = worker.execute(code)
    assert (reply.body["status"], reply.body["result"]) == ("ok", [])


def test_globals_and_prototype_pollution_do_not_survive_a_run(worker: WorkerClient) -> None:
    polluted = worker.execute(
        "globalThis.leak = 1; Object.prototype.polluted = 'yes'; Array.prototype.push = null; return 1;"
    )
    assert polluted.body["status"] == "ok"
    reply = worker.execute("return [typeof leak, ({}).polluted ?? 'clean', typeof [].push];")
    assert reply.body["result"] == ["undefined", "clean", "function"]


def test_console_is_captured_with_levels(worker: WorkerClient) -> None:
    reply = worker.execute("console.log('a', 1, {b: 2}); console.error('oops'); return 'done';")
    assert reply.body["logs"] == [
        {"level": "log", "message": 'a 1 {"b":2}'},
        {"level": "error", "message": "oops"},
    ]


def test_console_flood_is_capped(worker: WorkerClient, staging_config_limits: dict[str, int]) -> None:
    reply = worker.execute("for (let i = 0; i < 100000; i++) console.log('line', i); return 'survived';")
    assert reply.body["status"] == "ok"
    assert reply.body["result"] == "survived"
    assert len(reply.body["logs"]) == staging_config_limits["maxLogLines"]
    assert reply.body["logsDropped"] == 100000 - staging_config_limits["maxLogLines"]
    assert_still_serving(worker)


def test_big_log_lines_are_capped_by_bytes(
    worker: WorkerClient, staging_config_limits: dict[str, int]
) -> None:
    reply = worker.execute("for (let i = 0; i < 50; i++) console.log('x'.repeat(10000)); return 1;")
    total = sum(len(entry["message"].encode()) for entry in reply.body["logs"])
    assert total <= staging_config_limits["maxLogBytes"]
    assert reply.body["logsDropped"] > 0


def test_oversized_result_is_output_limit(
    worker: WorkerClient, staging_config_limits: dict[str, int]
) -> None:
    reply = worker.execute(f"return 'x'.repeat({staging_config_limits['maxResultBytes']});")
    assert reply.body["status"] == "output_limit"
    assert reply.body["result"] is None
    assert_still_serving(worker)


@pytest.mark.parametrize(
    "code",
    [
        "for (;;) {}",
        "while (true) { Math.sqrt(2); }",
        "const spin = () => queueMicrotask(spin); spin(); await new Promise(() => {});",
        "for (;;) await null;",
        "/(a+)+$/.test('a'.repeat(40) + 'b');",
        "let n = 0; for (;;) { try { for (;;) n++; } catch (e) {} }",
    ],
    ids=[
        "tight-loop",
        "busy-math",
        "microtask-storm",
        "await-loop",
        "regex-backtracking",
        "catching-the-interrupt",
    ],
)
def test_runaway_cpu_ends_with_timeout_within_the_budget(
    worker: WorkerClient, code: str, staging_config_limits: dict[str, int]
) -> None:
    reply = worker.execute(code)
    assert reply.status == 200
    assert reply.body["status"] == "timeout", reply.body
    assert reply.body["usage"]["fuel"] <= staging_config_limits["fuel"]
    assert_still_serving(worker)


@pytest.mark.parametrize(
    "code",
    [
        "const parts = []; for (;;) parts.push(new Array(100000).fill(1));",
        "const objects = []; for (;;) objects.push({ a: 1, b: [1, 2, 3] });",
        "let s = 'x'; for (;;) s += s;",
        "new ArrayBuffer(2 ** 30);",
        "const strings = []; for (;;) strings.push('y'.repeat(1 << 20) + strings.length);",
        "const m = new Map(); for (let i = 0; ; i++) m.set(i, 'v' + i);",
    ],
    ids=["arrays", "small-objects", "string-doubling", "one-huge-buffer", "big-strings", "map-growth"],
)
def test_memory_bombs_end_with_memory_limit(worker: WorkerClient, code: str) -> None:
    reply = worker.execute(code)
    assert reply.status == 200
    assert reply.body["status"] == "memory_limit", reply.body
    assert_still_serving(worker)


@pytest.mark.parametrize(
    "code",
    [
        "function down(n) { return down(n + 1) + 1; } return down(0);",
        "let o = {}; for (let i = 0; i < 200000; i++) o = { o }; return JSON.stringify(o).length;",
        "return JSON.parse('['.repeat(200000) + ']'.repeat(200000));",
        "return eval('('.repeat(100000) + '1' + ')'.repeat(100000));",
    ],
    ids=["recursion", "deep-stringify", "deep-json-parse", "deeply-nested-source"],
)
def test_runaway_recursion_ends_with_stack_overflow(worker: WorkerClient, code: str) -> None:
    reply = worker.execute(code)
    assert reply.status == 200
    assert reply.body["status"] == "stack_overflow", reply.body
    assert_still_serving(worker)


def test_same_program_same_answer(worker: WorkerClient) -> None:
    code = "let h = 7; for (let i = 0; i < 5000; i++) h = (h * 31 + i) % 1000003; return h;"
    first, second = worker.execute(code), worker.execute(code)
    assert first.body["result"] == second.body["result"]
    assert first.body["usage"]["fuel"] == second.body["usage"]["fuel"]


def test_logs_written_before_a_timeout_are_kept(worker: WorkerClient) -> None:
    reply = worker.execute("console.log('started'); for (;;) {}")
    assert reply.body["status"] == "timeout"
    assert reply.body["logs"] == [{"level": "log", "message": "started"}]
