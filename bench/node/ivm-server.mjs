// Peer for the bench: isolated-vm in Node. Every POST {"code"} runs the snippet in a
// fresh V8 isolate (64 MiB heap cap, 5 s timeout), disposed afterwards, and answers
// {"status": "ok", "result"} like the service does.
//
//   node bench/node/ivm-server.mjs --port N --modules bench/.work
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";

const { values: options } = parseArgs({ options: { port: { type: "string" }, modules: { type: "string" } } });
if (!options.port || !options.modules) {
  console.error("usage: ivm-server.mjs --port N --modules DIR (where isolated-vm is installed)");
  process.exit(2);
}
const ivm = createRequire(path.resolve(options.modules, "package.json"))("isolated-vm");

/** @param {string} code */
async function run(code) {
  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  try {
    const context = await isolate.createContext();
    const source = `(async function (input) {\n${code}\n})(null).then((r) => JSON.stringify(r === undefined ? null : r))`;
    const json = await context.eval(source, { promise: true, timeout: 5000 });
    return { status: "ok", result: JSON.parse(json) };
  } catch (error) {
    return { status: "error", error: { name: error?.name, message: String(error?.message ?? error) } };
  } finally {
    isolate.dispose();
  }
}

const server = http.createServer((request, response) => {
  if (request.method === "GET") {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ status: "ok", peer: "isolated-vm", version: ivm.Isolate ? "loaded" : "missing" }));
    return;
  }
  /** @type {Buffer[]} */
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", async () => {
    const { code } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const body = JSON.stringify(await run(code));
    response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    response.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(options.port), "127.0.0.1", () => console.log(`ready: http://127.0.0.1:${options.port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
