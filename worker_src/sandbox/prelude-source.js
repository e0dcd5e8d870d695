// The guest prelude's source text. `codeexec build` writes the prelude with its
// whitespace and comments stripped (they cost parse time on every run) to
// build/<stack>/prelude.guest.js and points "guest-prelude" at it; esbuild's text
// loader turns it into this string.
import preludeSource from "guest-prelude";

export default preludeSource;
