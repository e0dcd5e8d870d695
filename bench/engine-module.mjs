// What "./quickjs.wasm" is for worker_src/sandbox/engine-host.js when bench/restore.mjs bundles
// it for Node: the committed engine compiled to a module, as workerd hands it over.
import bytes from "../engine/quickjs-ng.wasm";

export default new WebAssembly.Module(bytes);
