// Wasm module parts are imported as compiled modules on Workers.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
declare module "*.guest.js" {
  const source: string;
  export default source;
}
