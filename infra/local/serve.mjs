// Serves one built stack (build/<stack>/) on workerd through Miniflare, with a local KV
// persisted on disk. Started by `codeexec dev` and by the end-to-end tests.
//
//   node infra/local/serve.mjs --build-dir build/staging --host H --port N --persist .state/staging
//
// Secrets come from the environment (the launcher reads .dev.vars): API_KEY.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { Log, LogLevel, Miniflare } from "miniflare";

const { values: options } = parseArgs({
  options: {
    "build-dir": { type: "string" },
    host: { type: "string" },
    port: { type: "string" },
    persist: { type: "string" },
  },
});
// The launcher (infra/local/devserver.py) passes every option: the defaults live there.
if (!options["build-dir"] || !options.persist || !options.host || !options.port) {
  console.error("usage: serve.mjs --build-dir DIR --host H --port N --persist DIR");
  process.exit(2);
}
const buildDir = path.resolve(options["build-dir"]);
const manifest = JSON.parse(await readFile(path.join(buildDir, "manifest.json"), "utf8"));

const miniflare = new Miniflare({
  host: options.host,
  port: Number(options.port),
  modulesRoot: buildDir,
  modules: manifest.modules.map((/** @type {{type: string, path: string}} */ module) => ({
    type: module.type,
    path: path.join(buildDir, module.path),
  })),
  compatibilityDate: manifest.compatibilityDate,
  kvNamespaces: manifest.kvNamespaces,
  // Lets tests and `codeexec dev` run the cron handler (the usage roll-up) on demand:
  // GET /cdn-cgi/handler/scheduled?cron=...&time=<epoch ms>.
  unsafeTriggerHandlers: true,
  ratelimits: Object.fromEntries(
    manifest.rateLimits.map((/** @type {{name: string, limit: number, periodSeconds: number}} */ binding) => [
      binding.name,
      { simple: { limit: binding.limit, period: binding.periodSeconds } },
    ]),
  ),
  kvPersist: path.resolve(options.persist, "kv"),
  // Each secret the build declares, valued from this process's environment (the launcher's).
  bindings: Object.fromEntries(manifest.secrets.map((/** @type {string} */ name) => [name, process.env[name] ?? ""])),
  // No network here: use Miniflare's placeholder request.cf instead of fetching one.
  cf: false,
  log: new Log(LogLevel.INFO),
});

const url = await miniflare.ready;
console.log(`ready: ${url.href} (stack ${manifest.stack})`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await miniflare.dispose();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
