// The guest prelude's source text, bundled as a string (see infra/bundle.py).
import preludeSource from "../guest/prelude.guest.js";

export default preludeSource;
