// The one error type on the wire: a stable snake_case code, an HTTP status and a public
// message. `detail` is for the logs only and never leaves the Worker.

export class ServiceError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message public, safe to send
   * @param {{field?: string, detail?: string, details?: Record<string, unknown>, headers?: Record<string, string>}} [extra]
   *   `details` are public and structured (sent as error.details); `detail` is for the logs
   */
  constructor(status, code, message, extra = {}) {
    super(message);
    this.name = "ServiceError";
    this.status = status;
    this.code = code;
    this.field = extra.field;
    this.detail = extra.detail;
    this.details = extra.details;
    this.headers = extra.headers ?? {};
  }
}

/** @param {string} message @param {string} field */
export const invalidField = (message, field) => new ServiceError(422, "invalid_field", message, { field });

/** @param {string} field */
export const missingField = (field) => new ServiceError(422, "missing_field", `"${field}" is required`, { field });
