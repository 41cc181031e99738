/**
 * Validation of every value that reaches git's command line from data: a history
 * record, a report, a notes tree, a config file or the user. A value that fails is
 * refused with `UnsafeGitArgumentError` before any process starts, so a commit string
 * like `--output=/some/file` can never become an option of git.
 */

/** A hexadecimal object name (full or abbreviated), validated; the only form revisions from data take. */
export type ObjectName = string & { readonly __gitObjectName: unique symbol };

/** A value refused before git was started. */
export class UnsafeGitArgumentError extends Error {
  constructor(readonly what: string, readonly value: unknown, reason: string) {
    super(`refused ${what} ${shown(value)}: ${reason}`);
    this.name = 'UnsafeGitArgumentError';
  }
}

/** The value quoted for a one-line message: control characters escaped, long values cut. */
function shown(value: unknown): string {
  if (typeof value !== 'string') return `(${value === null ? 'null' : typeof value})`;
  const quoted = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return quoted;
}

/** Git abbreviates to at least 4 hex digits; SHA-256 names have 64. */
const OBJECT_NAME = /^[0-9a-fA-F]{4,64}$/;

export function isObjectName(value: unknown): value is ObjectName {
  return typeof value === 'string' && OBJECT_NAME.test(value);
}

/** `value` as an object name, or an `UnsafeGitArgumentError` naming `what` it was meant to be. */
export function objectName(value: unknown, what = 'commit'): ObjectName {
  if (!isObjectName(value)) throw new UnsafeGitArgumentError(what, value, 'not a git object name (4 to 64 hexadecimal digits)');
  return value;
}

/**
 * A revision a user typed (`HEAD`, `main~3`, `v1.2^`, `origin/main`, `HEAD@{1}`), before it
 * is resolved to an object name with `rev-parse --verify --end-of-options`. Only the
 * characters of ref names and of these suffixes pass: no leading dash, no spaces, no
 * quotes, no shell syntax, no ranges (`..`), no `:path` lookups.
 */
const REVISION = /^[A-Za-z0-9_][A-Za-z0-9._/~^@{}+-]*$/;

export function revisionName(value: unknown, what = 'revision'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new UnsafeGitArgumentError(what, value, 'a revision is a branch, tag or commit name of 1 to 256 characters');
  }
  if (!REVISION.test(value) || value.includes('..') || value.includes('@{-')) {
    throw new UnsafeGitArgumentError(what, value, 'not a plain revision name (letters, digits and . _ / ~ ^ @ { } + -, not starting with a dash)');
  }
  return value;
}

/** A full ref name such as `refs/notes/perf-pulse`. */
const REF = /^refs\/[A-Za-z0-9._/-]+$/;

export function refName(value: unknown, what = 'ref'): string {
  if (typeof value !== 'string' || !REF.test(value) || value.includes('..') || value.includes('//')) {
    throw new UnsafeGitArgumentError(what, value, 'not a full ref name (refs/…)');
  }
  return value;
}

/**
 * A remote's name as read from the repository's config or given by the user. Git allows
 * more, but a name that starts with a dash or holds spaces or control characters is
 * refused rather than handed to `git fetch`/`git push`.
 */
const REMOTE = /^[A-Za-z0-9_][A-Za-z0-9._/-]*$/;

export function remoteName(value: unknown, what = 'remote'): string {
  if (typeof value !== 'string' || value.length > 256 || !REMOTE.test(value) || value.includes('..')) {
    throw new UnsafeGitArgumentError(what, value, 'not a plain remote name (letters, digits and . _ / -, not starting with a dash)');
  }
  return value;
}
