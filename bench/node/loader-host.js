// Peer for the bench: Cloudflare's Worker Loader. Every POST {"code"} loads the snippet
// as a brand-new Worker (a fresh dynamic isolate: load() never reuses one, get() with a
// new id does not either) and answers {"status": "ok", "result"} like the service does.
// Served by bench/servers.py on `workerd serve --experimental`.

/** @param {string} code */
function moduleFor(code) {
  return (
    "export default { async fetch(request) {\n" +
    "  const input = null;\n" +
    "  try {\n" +
    `    const result = await (async function (input) {\n${code}\n})(input);\n` +
    '    return Response.json({ status: "ok", result: result === undefined ? null : result });\n' +
    "  } catch (error) {\n" +
    '    return Response.json({ status: "error", error: { name: error?.name, message: String(error?.message ?? error) } });\n' +
    "  }\n" +
    "} };\n"
  );
}

export default {
  /**
   * @param {Request} request
   * @param {{LOADER: any, COMPATIBILITY_DATE: string}} env
   */
  async fetch(request, env) {
    if (request.method === "GET") return Response.json({ status: "ok", peer: "worker-loader", api: typeof env.LOADER.load === "function" ? "load" : "get" });
    const { code } = await request.json();
    const worker = {
      compatibilityDate: env.COMPATIBILITY_DATE,
      mainModule: "main.js",
      modules: { "main.js": moduleFor(code) },
      // No network from the loaded Worker, as in a sandbox.
      globalOutbound: null,
    };
    const stub = typeof env.LOADER.load === "function" ? env.LOADER.load(worker) : env.LOADER.get(crypto.randomUUID(), async () => worker);
    return stub.getEntrypoint().fetch("http://sandbox/");
  },
};
