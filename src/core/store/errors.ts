/** A failure of the history store that a user must read: it names the file and what went wrong. */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** A damaged record found while loading or verifying; everything else still loads. */
export interface StoreProblem {
  /** Path of the segment file. */
  file: string;
  /** Byte offset of the damaged line in that file. */
  offset: number;
  /** 1-based line number, when the whole file was scanned up to it. */
  line?: number;
  /** Length in bytes of the damaged region. */
  length?: number;
  message: string;
}

export function describeProblem(p: StoreProblem): string {
  const where = p.line !== undefined ? `line ${p.line}, byte ${p.offset}` : `byte ${p.offset}`;
  return `${p.file} (${where}): ${p.message}`;
}

/** Wraps a Node I/O error into a message a user can act on. */
export function ioError(action: string, file: string, err: unknown): StoreError {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code;
  const hint =
    code === 'ENOSPC' ? ' (the disk is full)'
    : code === 'EACCES' || code === 'EPERM' ? ' (permission denied)'
    : code === 'EROFS' ? ' (read-only file system)'
    : code === 'EDQUOT' ? ' (disk quota exceeded)'
    : '';
  const detail = e?.message ?? String(err);
  return new StoreError(`Could not ${action} ${file}${hint}: ${detail}`, file, code);
}
