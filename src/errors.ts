/** A mistake the user can fix: printed as one line on stderr, exit code 2, no stack trace. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly value?: unknown,
    readonly allowed?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** "what: got VALUE; allowed: ALLOWED" — every user error names the bad value and what is allowed. */
export function usage(what: string, value: unknown, allowed: string): UsageError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return new UsageError(`${what}: got ${shown}; allowed: ${allowed}`, value, allowed);
}
