// The restore's cost against how much the previous run allocated, in Node (the V8 the
// Worker runs on locally). Bundles bench/restore-runs.mjs with the product's engine-host.js
// (esbuild: "./quickjs.wasm" becomes bench/engine-module.mjs, "guest-prelude" the built
// prelude), imports the bundle and prints what it measured as JSON. Called by
// bench/comparisons/restore.py, which passes {prelude, outDir, limits, plan} on stdin.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { prelude, outDir, limits, plan } = JSON.parse(fs.readFileSync(0, "utf8"));

/** @type {esbuild.Plugin} */
const engineModule = {
  name: "engine-module",
  setup(build) {
    // esbuild's `alias` takes package names only, so the relative import is mapped here.
    build.onResolve({ filter: /^\.\/quickjs\.wasm$/ }, () => ({ path: path.join(ROOT, "bench", "engine-module.mjs") }));
  },
};

const bundle = path.join(outDir, "restore-runs.bundle.mjs");
await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: [path.join(ROOT, "bench", "restore-runs.mjs")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  outfile: bundle,
  alias: { "guest-prelude": `./${path.relative(ROOT, prelude)}` },
  loader: { ".wasm": "binary", ".guest.js": "text" },
  plugins: [engineModule],
  logLevel: "warning",
});
const { measure } = await import(pathToFileURL(bundle).href);
process.stdout.write(JSON.stringify(measure(limits, plan)));
