// The Worker's bindings: the one type of `env` every handler receives. The names are
// the stack's binding table, infra/stack/bindings.py (tests/worker/test_env.py holds them equal); an optional
// binding is one the Worker answers without (a clear error, or no rate limit).
import type { KvNamespace } from "./kv.js";

export interface Env {
  /** usage events, roll-ups and idempotent answers (worker_src/usage/) */
  USAGE_TRACKING: KvNamespace;
  /** clients and their API keys (worker_src/clients/keys.js) */
  API_KEYS?: KvNamespace;
  /** per-client request rate (worker_src/ratelimit.js) */
  CLIENT_RATE_LIMIT?: { limit(options: { key: string }): Promise<{ success: boolean }> };
  /** the admin key (a secret) */
  API_KEY?: string;
}
