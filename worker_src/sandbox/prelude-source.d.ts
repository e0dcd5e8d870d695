// The guest prelude's source text (bundled by esbuild's text loader).
declare const preludeSource: string;
export default preludeSource;
