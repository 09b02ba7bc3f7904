/**
 * Where memory-pinning reports what it tolerates (a role it could not set, an unmap that failed): structured
 * warnings, like Starnix's `log_warn!(key:% ...; "message")`.
 * @public
 */
export interface PinLogger {
  warn(message: string, fields: Readonly<Record<string, unknown>>): void;
}

/**
 * The default logger: `console.warn` with the fields.
 * @public
 */
export const consoleLogger: PinLogger = Object.freeze({
  warn(message: string, fields: Readonly<Record<string, unknown>>): void {
    console.warn(`[memory-pinning] ${message}`, fields);
  },
});
