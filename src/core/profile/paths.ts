import { isAbsolute, relative, sep } from 'node:path';

/** A profiler's output that cannot be read. */
export class ProfileFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileFormatError';
  }
}

/**
 * No profiler fits the command, or the one that fits is not installed, or the profiled run
 * failed: one line a user can act on (with the install command where one helps).
 */
export class ProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileError';
  }
}

/**
 * A file as the workspace knows it: relative (with `/`) when inside the workspace, so that
 * the same function has the same file in a worktree of another revision; absolute otherwise.
 */
export function workspaceRelative(file: string, workspace: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(workspace, file);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return file;
  return rel.split(sep).join('/');
}
