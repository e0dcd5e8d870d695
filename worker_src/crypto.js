// Hashing and comparison of secrets, in time that depends on neither secret.

const encoder = new TextEncoder();

/** @param {string} text */
export async function sha256Hex(text) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Compares two secrets of any length: both are hashed first, so the comparison is
 * always of 32 bytes and neither content nor length leaks through timing.
 * @param {string} given
 * @param {string} expected
 */
export async function secretsEqual(given, expected) {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  // timingSafeEqual is a Workers extension of SubtleCrypto.
  return /** @type {any} */ (crypto.subtle).timingSafeEqual(a, b);
}
