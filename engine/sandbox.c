// The engine's host interface: one QuickJS runtime and context, set up once, then driven
// one run at a time through length-delimited UTF-8 buffers (a NUL in code is a
// character). The Worker (worker_src/sandbox/engine-host.js) takes an image of linear memory
// after sandbox_setup and restores it before every run, so every run starts from the
// same bytes and nothing of an earlier run survives, whatever the program did to the heap.
//
// Everything a run is judged by is observed here, never read from text the program
// controls: interrupt polls (fuel), refused allocations (memory), hits of the stack limit.
// All of it lives in linear memory, so restoring the image resets it.
//
// One translation unit with quickjs.c (the build includes it below) so that the host can
// reseed the context's Math.random state, which is private to quickjs.c.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

static void sandbox_note_stack_overflow(void);
static void sandbox_note_refused_allocation(void);
static void sandbox_note_heap_size(size_t size);

// The build adds calls to these to quickjs.c (infra/build/engine_build.py, SOURCE_HOOKS):
// in JS_ThrowStackOverflow, where a string would grow past the longest QuickJS makes,
// and wherever QuickJS adds to its count of the bytes the program holds.
#include "quickjs.c"

#define EXPORT(name) __attribute__((export_name(#name)))
#define WASM_PAGE 65536u

enum { SANDBOX_OK = 0, SANDBOX_ESCAPED = 1, SANDBOX_SETUP_FAILED = 2 };

static JSRuntime *sandbox_runtime;
static JSContext *sandbox_context;
static JSValue sandbox_step;

// Heap the runtime takes from the allocator (small objects in 4 KiB arenas), and the
// run's cap on it, in bytes.
static size_t heap_live;
static size_t heap_cap = SIZE_MAX;
// QuickJS's own count of the bytes the program holds, at the run's start and peak.
static size_t held_base;
static size_t held_peak;
static uint32_t allocation_failures;
static uint32_t stack_overflows;
static uint32_t polls;
static uint32_t poll_budget = UINT32_MAX;

// The program break: the top of what sbrk has handed out, below the memory's size.
static uintptr_t break_top;

static const char *run_output;
static size_t run_output_length;

// The log lines the prelude recorded (after its caps), copied here as they are written,
// outside the JS heap: a run the meter stopped mid-call still has them. Entries are
// [level length: 1 byte][level][message length: 4 bytes, little-endian][UTF-8 message];
// an empty level counts a line the caps dropped. Bounded by the prelude's log caps.
static uint8_t *log_sink;
static size_t log_sink_length;
static size_t log_sink_capacity;

static void sandbox_note_stack_overflow(void) { stack_overflows += 1; }
static void sandbox_note_refused_allocation(void) { allocation_failures += 1; }

// dlmalloc grows its heap through sbrk. This one keeps the break in linear memory (so an
// image restore moves it back) instead of deriving it from memory.size, which never shrinks.
void *sbrk(intptr_t increment) {
    if (break_top == 0) break_top = (uintptr_t)__builtin_wasm_memory_size(0) * WASM_PAGE;
    if (increment == 0) return (void *)break_top;
    if (increment < 0) {
        errno = EINVAL;
        return (void *)-1;
    }
    uintptr_t old_top = break_top;
    uintptr_t memory_top = (uintptr_t)__builtin_wasm_memory_size(0) * WASM_PAGE;
    if ((uintptr_t)increment > UINTPTR_MAX - old_top) {
        errno = ENOMEM;
        return (void *)-1;
    }
    uintptr_t new_top = old_top + (uintptr_t)increment;
    if (new_top > memory_top) {
        uintptr_t pages = (new_top - memory_top + WASM_PAGE - 1) / WASM_PAGE;
        if (__builtin_wasm_memory_grow(0, pages) == SIZE_MAX) {
            errno = ENOMEM;
            return (void *)-1;
        }
    }
    break_top = new_top;
    return (void *)old_top;
}

// The runtime's allocator: dlmalloc, with every live byte counted so that a run's cap is
// exact on the heap the program holds (not per allocation) and its peak is known.
static bool heap_admits(size_t old_size, size_t new_size) {
    if (new_size <= old_size) return true;
    size_t growth = new_size - old_size;
    if (growth <= heap_cap && heap_live + growth <= heap_cap) return true;
    allocation_failures += 1;
    return false;
}

static void heap_account(size_t old_size, size_t new_size) { heap_live = heap_live - old_size + new_size; }

static void sandbox_note_heap_size(size_t size) {
    if (size > held_peak) held_peak = size;
}

static void *heap_malloc(void *opaque, size_t size) {
    (void)opaque;
    if (!heap_admits(0, size)) return NULL;
    void *block = malloc(size);
    if (!block) {
        allocation_failures += 1;
        return NULL;
    }
    heap_account(0, malloc_usable_size(block));
    return block;
}

static void *heap_calloc(void *opaque, size_t count, size_t size) {
    (void)opaque;
    if (size != 0 && count > SIZE_MAX / size) {
        allocation_failures += 1;
        return NULL;
    }
    if (!heap_admits(0, count * size)) return NULL;
    void *block = calloc(count, size);
    if (!block) {
        allocation_failures += 1;
        return NULL;
    }
    heap_account(0, malloc_usable_size(block));
    return block;
}

static void heap_free(void *opaque, void *block) {
    (void)opaque;
    if (!block) return;
    heap_account(malloc_usable_size(block), 0);
    free(block);
}

static void *heap_realloc(void *opaque, void *block, size_t size) {
    (void)opaque;
    size_t old_size = block ? malloc_usable_size(block) : 0;
    if (!heap_admits(old_size, size)) return NULL;
    void *moved = realloc(block, size);
    if (!moved && size != 0) {
        allocation_failures += 1;
        return NULL;
    }
    heap_account(old_size, moved ? malloc_usable_size(moved) : 0);
    return moved;
}

static size_t heap_usable_size(const void *block) { return malloc_usable_size((void *)block); }

static const JSMallocFunctions heap_functions = {
    heap_calloc, heap_malloc, heap_free, heap_realloc, heap_usable_size,
};

static int sandbox_interrupt(JSRuntime *runtime, void *opaque) {
    (void)runtime;
    (void)opaque;
    polls += 1;
    return polls > poll_budget;
}

static bool log_sink_reserve(size_t more) {
    if (log_sink_length + more <= log_sink_capacity) return true;
    size_t capacity = log_sink_capacity ? log_sink_capacity : 4096;
    while (capacity < log_sink_length + more) capacity *= 2;
    uint8_t *grown = realloc(log_sink, capacity);
    if (!grown) return false;
    log_sink = grown;
    log_sink_capacity = capacity;
    return true;
}

// The prelude's emitLog(level, message), given to it at setup and hidden from the program;
// emitLog("") counts a dropped line.
static JSValue sandbox_emit_log(JSContext *ctx, JSValueConst this_value, int argc, JSValueConst *argv) {
    (void)this_value;
    size_t level_length = 0, length = 0;
    const char *level = argc > 0 ? JS_ToCStringLen(ctx, &level_length, argv[0]) : NULL;
    if (!level) return JS_EXCEPTION;
    const char *message = level_length > 0 && argc > 1 ? JS_ToCStringLen(ctx, &length, argv[1]) : NULL;
    if (level_length > 0 && argc > 1 && !message) {
        JS_FreeCString(ctx, level);
        return JS_EXCEPTION;
    }
    if (level_length <= 255 && log_sink_reserve(5 + level_length + length)) {
        uint8_t *at = log_sink + log_sink_length;
        *at++ = (uint8_t)level_length;
        memcpy(at, level, level_length);
        at += level_length;
        for (int i = 0; i < 4; i++) *at++ = (uint8_t)(length >> (8 * i));
        if (length) memcpy(at, message, length);
        log_sink_length += 5 + level_length + length;
    }
    JS_FreeCString(ctx, level);
    if (message) JS_FreeCString(ctx, message);
    return JS_UNDEFINED;
}

static void sandbox_drop_exception(void) { JS_FreeValue(sandbox_context, JS_GetException(sandbox_context)); }

// Buffers the host fills (code, input, prelude) or reads; outside the run's heap account.
EXPORT(sandbox_alloc) void *sandbox_alloc(size_t size) { return malloc(size ? size : 1); }
EXPORT(sandbox_free) void sandbox_free(void *block) { free(block); }

// Once per instance, before the image: runtime, context, the prelude and its prepare().
EXPORT(sandbox_setup)
int sandbox_setup(const char *prelude, size_t prelude_length, const char *settings, size_t settings_length) {
    sandbox_runtime = JS_NewRuntime2(&heap_functions, NULL);
    if (!sandbox_runtime) return SANDBOX_SETUP_FAILED;
    JS_SetInterruptHandler(sandbox_runtime, sandbox_interrupt, NULL);
    sandbox_context = JS_NewContext(sandbox_runtime);
    if (!sandbox_context) return SANDBOX_SETUP_FAILED;
    // The prelude takes it and deletes the global before any program runs.
    JSValue global = JS_GetGlobalObject(sandbox_context);
    JS_SetPropertyStr(sandbox_context, global, "sandboxEmitLog",
                      JS_NewCFunction(sandbox_context, sandbox_emit_log, "sandboxEmitLog", 2));
    JS_FreeValue(sandbox_context, global);
    JSValue prepare = JS_Eval(sandbox_context, prelude, prelude_length, "<input>", JS_EVAL_TYPE_GLOBAL);
    if (JS_IsException(prepare)) {
        sandbox_drop_exception();
        return SANDBOX_SETUP_FAILED;
    }
    JSValue settings_text = JS_NewStringLen(sandbox_context, settings, settings_length);
    sandbox_step = JS_Call(sandbox_context, prepare, JS_UNDEFINED, 1, &settings_text);
    JS_FreeValue(sandbox_context, settings_text);
    JS_FreeValue(sandbox_context, prepare);
    if (JS_IsException(sandbox_step) || !JS_IsFunction(sandbox_context, sandbox_step)) {
        sandbox_drop_exception();
        return SANDBOX_SETUP_FAILED;
    }
    // Settle whatever setup queued, so that the image holds no pending job.
    JSContext *job_context;
    while (JS_ExecutePendingJob(sandbox_runtime, &job_context) > 0) {
    }
    JS_RunGC(sandbox_runtime);
    return SANDBOX_OK;
}

// Before a run (right after a restore): its limits, a fresh Math.random seed, zero counters.
EXPORT(sandbox_begin)
void sandbox_begin(uint32_t heap_limit, uint32_t stack_limit, uint32_t fuel_polls, uint32_t seed) {
    heap_cap = heap_live + heap_limit;
    held_base = held_peak = sandbox_runtime->malloc_state.malloc_size;
    allocation_failures = 0;
    stack_overflows = 0;
    polls = 0;
    poll_budget = fuel_polls;
    log_sink_length = 0;
    JS_SetMaxStackSize(sandbox_runtime, stack_limit);
    // xorshift64* must not start at zero.
    sandbox_context->random_state = ((uint64_t)seed << 32 | 0x9e3779b9u) ^ 0x2545f4914f6cdd1dull;
}

// More polls or heap for the host's own bookkeeping after a limit stopped the run.
EXPORT(sandbox_extend) void sandbox_extend(uint32_t extra_polls, uint32_t extra_heap) {
    poll_budget = polls + extra_polls;
    heap_cap = heap_live + extra_heap;
}

static int sandbox_call_step(int argc, JSValue *argv) {
    JSValue returned = JS_Call(sandbox_context, sandbox_step, JS_UNDEFINED, argc, argv);
    for (int i = 0; i < argc; i++) JS_FreeValue(sandbox_context, argv[i]);
    if (JS_IsException(returned)) {
        sandbox_drop_exception();
        return SANDBOX_ESCAPED;
    }
    if (JS_IsString(returned)) {
        run_output = JS_ToCStringLen(sandbox_context, &run_output_length, returned);
        if (!run_output) {
            JS_FreeValue(sandbox_context, returned);
            sandbox_drop_exception();
            return SANDBOX_ESCAPED;
        }
    }
    JS_FreeValue(sandbox_context, returned);
    return SANDBOX_OK;
}

// The program is the body of an async function, and `input` a parameter of an outer one,
// so that a declaration in the body shadows it. The head is line 0: the program's lines
// and columns are its own, in the file main.js, and no host frame is below its own.
static const char BODY_HEAD[] = "(function (input) { return async function () {\n";
static const char BODY_TAIL[] = "\n}; })";
static const char INNER_HEAD[] = "async function () {\n";
#define LITERAL_LENGTH(text) (sizeof(text) - 1)

static JSFunctionBytecode *sandbox_only_function(JSValueConst bytecode_value) {
    JSFunctionBytecode *bytecode = JS_VALUE_GET_PTR(bytecode_value);
    if (bytecode->cpool_count != 1 || JS_VALUE_GET_TAG(bytecode->cpool[0]) != JS_TAG_FUNCTION_BYTECODE) return NULL;
    return JS_VALUE_GET_PTR(bytecode->cpool[0]);
}

// Whether the compiled wrapper is exactly one outer function holding exactly one inner
// function whose source is the whole program: code that closes its own body (and opens a
// new one after it) makes one of them shorter, or adds a function beside it.
static bool sandbox_body_is_whole(JSValueConst script, size_t code_length) {
    JSFunctionBytecode *outer = sandbox_only_function(script);
    if (!outer || (size_t)outer->source_len != LITERAL_LENGTH(BODY_HEAD) - 1 + code_length + LITERAL_LENGTH(BODY_TAIL) - 1)
        return false;
    JSFunctionBytecode *inner = sandbox_only_function(JS_MKPTR(JS_TAG_FUNCTION_BYTECODE, outer));
    return inner && (size_t)inner->source_len == LITERAL_LENGTH(INNER_HEAD) + code_length + 2;
}

static JSValue sandbox_compile(const char *code, size_t code_length) {
    size_t length = LITERAL_LENGTH(BODY_HEAD) + code_length + LITERAL_LENGTH(BODY_TAIL);
    char *source = malloc(length + 1);
    if (!source) return JS_ThrowOutOfMemory(sandbox_context);
    memcpy(source, BODY_HEAD, LITERAL_LENGTH(BODY_HEAD));
    memcpy(source + LITERAL_LENGTH(BODY_HEAD), code, code_length);
    memcpy(source + LITERAL_LENGTH(BODY_HEAD) + code_length, BODY_TAIL, LITERAL_LENGTH(BODY_TAIL) + 1);
    // A leading "#!" line is a comment in a function body (same length, same columns).
    if (code_length >= 2 && code[0] == '#' && code[1] == '!') memcpy(source + LITERAL_LENGTH(BODY_HEAD), "//", 2);
    // JS_Eval2 takes line 0 to mean "the default, 1": the internal entry takes it as is.
    JSValue script = JS_EvalInternal(sandbox_context, sandbox_context->global_obj, source, length, "main.js", 0,
                                     JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_COMPILE_ONLY, -1);
    free(source);
    return script;
}

static int sandbox_step_action(const char *action) {
    JSValue argv[1] = { JS_NewString(sandbox_context, action) };
    if (JS_IsException(argv[0])) {
        sandbox_drop_exception();
        return SANDBOX_ESCAPED;
    }
    return sandbox_call_step(1, argv);
}

// Hands the pending exception to the prelude, as step(action, thrown, detail), unless it
// is the interrupt (fuel) or another uncatchable one: that escapes to the host.
static int sandbox_hand_over_exception(const char *action, const char *detail) {
    JSValue thrown = JS_GetException(sandbox_context);
    if (JS_IsUncatchableError(thrown)) {
        JS_FreeValue(sandbox_context, thrown);
        return SANDBOX_ESCAPED;
    }
    JSValue argv[3] = { JS_NewString(sandbox_context, action), thrown, JS_UNDEFINED };
    if (detail) argv[2] = JS_NewString(sandbox_context, detail);
    if (JS_IsException(argv[0]) || JS_IsException(argv[2])) {
        for (int i = 0; i < 3; i++) JS_FreeValue(sandbox_context, argv[i]);
        sandbox_drop_exception();
        return SANDBOX_ESCAPED;
    }
    return sandbox_call_step(detail ? 3 : 2, argv);
}

// The program failed (to compile, or while running): the prelude records it.
static int sandbox_fail(const char *phase) { return sandbox_hand_over_exception("failed", phase); }

static int sandbox_drain_jobs(void) {
    while (polls <= poll_budget) {
        JSContext *job_context;
        int ran = JS_ExecutePendingJob(sandbox_runtime, &job_context);
        if (ran == 0) break;
        if (ran < 0) {
            // A job that throws (queueMicrotask, a FinalizationRegistry callback) does not
            // end the program: the prelude logs it. The interrupt does.
            int status = sandbox_hand_over_exception("jobFailed", NULL);
            if (status != SANDBOX_OK) return status;
        }
    }
    return SANDBOX_OK;
}

// Compiles the program, calls it with its input, hands its promise to the prelude
// (step("settle")), then runs the jobs it queued while the budget lasts.
EXPORT(sandbox_run)
int sandbox_run(const char *code, size_t code_length, const char *input, size_t input_length, int has_input) {
    JSValue script = sandbox_compile(code, code_length);
    if (JS_IsException(script)) return sandbox_fail("compile");
    if (!sandbox_body_is_whole(script, code_length)) {
        JS_FreeValue(sandbox_context, script);
        return sandbox_step_action("escapes");
    }
    JSValue outer = JS_EvalFunction(sandbox_context, script);
    if (JS_IsException(outer)) return sandbox_fail("runtime");
    JSValue input_value = has_input ? JS_ParseJSON(sandbox_context, input, input_length, "input") : JS_UNDEFINED;
    if (JS_IsException(input_value)) {
        JS_FreeValue(sandbox_context, outer);
        return sandbox_fail("runtime");
    }
    JSValue body = JS_Call(sandbox_context, outer, JS_UNDEFINED, 1, &input_value);
    JS_FreeValue(sandbox_context, input_value);
    JS_FreeValue(sandbox_context, outer);
    if (JS_IsException(body)) return sandbox_fail("runtime");
    JSValue promise = JS_Call(sandbox_context, body, JS_UNDEFINED, 0, NULL);
    JS_FreeValue(sandbox_context, body);
    if (JS_IsException(promise)) return sandbox_fail("runtime");
    JSValue argv[2] = { JS_NewString(sandbox_context, "settle"), promise };
    int status = sandbox_call_step(2, argv);
    if (status != SANDBOX_OK) return status;
    return sandbox_drain_jobs();
}

// step("finish"): the envelope, read through sandbox_output / sandbox_output_length.
EXPORT(sandbox_finish) int sandbox_finish(void) {
    run_output = NULL;
    int status = sandbox_step_action("finish");
    if (status == SANDBOX_OK && !run_output) return SANDBOX_ESCAPED;
    return status;
}

EXPORT(sandbox_output) const char *sandbox_output(void) { return run_output; }
EXPORT(sandbox_output_length) size_t sandbox_output_length(void) { return run_output_length; }
EXPORT(sandbox_polls) uint32_t sandbox_polls(void) { return polls; }
EXPORT(sandbox_log_sink) const uint8_t *sandbox_log_sink(void) { return log_sink; }
EXPORT(sandbox_log_sink_length) size_t sandbox_log_sink_length(void) { return log_sink_length; }
EXPORT(sandbox_allocation_failures) uint32_t sandbox_allocation_failures(void) { return allocation_failures; }
EXPORT(sandbox_stack_overflows) uint32_t sandbox_stack_overflows(void) { return stack_overflows; }
EXPORT(sandbox_heap_peak) size_t sandbox_heap_peak(void) { return held_peak - held_base; }
