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

/** Longest value shown in a message: a 16 MB list in an error line helps nobody. */
const MAX_SHOWN = 120;

/** A value as a message shows it, cut in the middle when long. */
export function shown(value: unknown): string {
  const s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN - 30)}…(${s.length} chars)…${s.slice(-20)}` : s;
}

/** "what: got VALUE; allowed: ALLOWED" — every user error names the bad value and what is allowed. */
export function usage(what: string, value: unknown, allowed: string): UsageError {
  return new UsageError(`${what}: got ${shown(value)}; allowed: ${allowed}`, value, allowed);
}

/** What the machine said, in words, for the errno codes an environment (not a bug) causes. */
export const ENV_CODES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file system',
  EIO: 'input/output error',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (immutable or protected)',
  EROFS: 'read-only file system',
  ENAMETOOLONG: 'path too long',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  ELOOP: 'too many symbolic links (a loop)',
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists (a dangling symbolic link?)',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENOMEM: 'out of memory',
  EBUSY: 'busy',
  EXDEV: 'crosses file systems',
  ENOTEMPTY: 'folder not empty',
  EINVAL: 'invalid argument for this file system',
};

/** An errno error from the file system or the OS (not a bug in mmoe-sweep). */
export function isEnvError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).code! in ENV_CODES;
}

/** What a failed action needed: a read wants a file it can read, not room to write. */
function envAllowed(action: string): string {
  if (action === 'read') return 'a readable file (not a folder, with read permission)';
  if (action === 'scandir' || action === 'opendir') return 'a readable folder';
  return 'a writable folder with free space';
}

/** An environment failure as one line: which file, doing what, and why. */
export function envError(e: NodeJS.ErrnoException, action: string, file?: string): UsageError {
  const where = file ?? e.path ?? '';
  const code = e.code ?? 'error';
  return new UsageError(`cannot ${action} ${JSON.stringify(where)}: ${code} (${ENV_CODES[code] ?? e.message.split('\n')[0]}); allowed: ${envAllowed(action)}`, where);
}

/** Longest line printed for an error. */
export const MAX_MESSAGE = 300;

export function truncateMessage(text: string, max = MAX_MESSAGE): string {
  const line = text.replace(/\s*\n\s*/g, ' ');
  return line.length > max ? `${line.slice(0, max - 80)} … ${line.slice(-75)}` : line;
}
