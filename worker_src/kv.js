// Workers KV as this Worker uses it: the one type of a namespace, and listing every key
// under a prefix (KV answers a list page by page, at most 1000 keys a page).

/**
 * @typedef {{name: string, metadata?: any}} KvKey
 * @typedef {{metadata?: unknown, expirationTtl?: number}} KvPutOptions
 * @typedef {{
 *   get(key: string, options: {type: "json", cacheTtl?: number}): Promise<any>,
 *   put(key: string, value: string, options?: KvPutOptions): Promise<void>,
 *   delete(key: string): Promise<void>,
 *   list(options: {prefix: string, cursor?: string, limit?: number}): Promise<{keys: KvKey[], list_complete: boolean, cursor?: string}>,
 * }} KvNamespace
 */

/**
 * Every key under a prefix with its metadata, page by page.
 * @param {Pick<KvNamespace, "list">} kv
 * @param {string} prefix
 * @param {number} [pageSize] keys per list() call (KV's maximum is 1000)
 * @returns {AsyncGenerator<KvKey>}
 */
export async function* listAll(kv, prefix, pageSize = 1000) {
  /** @type {string | undefined} */
  let cursor;
  for (;;) {
    const page = await kv.list({ prefix, cursor, limit: pageSize });
    yield* page.keys;
    if (page.list_complete || !page.cursor) return;
    cursor = page.cursor;
  }
}
