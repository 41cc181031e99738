import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { CliError, type CliIO } from './cli-types';

/** Writes a report file (relative to `cwd`), making its folder; a failure is the one-line CLI error that names it. */
export async function writeOut(file: string, text: string, cwd: string): Promise<void> {
  const full = path.resolve(cwd, file);
  try {
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, text);
  } catch (err) {
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

/**
 * Checks, before a long command runs, that `writeOut` will be able to write `file`: it is not a
 * folder, and its nearest existing folder is a folder we may write in. A build that ran for
 * minutes must not end in "cannot write" with its trace or results lost.
 */
export async function assertCanWriteOut(file: string, cwd: string): Promise<void> {
  const full = path.resolve(cwd, file);
  const fail = (why: string) => new CliError(`cannot write ${file}: ${why}`);
  const existing = await fs.stat(full).catch(() => undefined);
  if (existing?.isDirectory()) throw fail('it is a folder');
  let folder = path.dirname(full);
  for (;;) {
    const info = await fs.stat(folder).catch(() => undefined);
    if (info) {
      if (!info.isDirectory()) throw fail(`${folder} is not a folder`);
      break;
    }
    const parent = path.dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  try {
    await fs.access(existing ? full : folder, fs.constants.W_OK);
  } catch (err) {
    throw fail(`${(err as NodeJS.ErrnoException).code === 'EACCES' || (err as NodeJS.ErrnoException).code === 'EROFS' ? 'not writable' : (err as Error).message}`);
  }
}

/** On GitHub Actions, the report is appended to the job summary; a failure there is a warning, not a failed check. */
export async function appendStepSummary(markdown: string, io: CliIO): Promise<void> {
  const stepSummary = io.env.GITHUB_STEP_SUMMARY;
  if (!stepSummary) return;
  try {
    await fs.appendFile(stepSummary, markdown + '\n');
  } catch (err) {
    io.stderr(`perf-pulse check: cannot append to GITHUB_STEP_SUMMARY (${stepSummary}): ${(err as Error).message}\n`);
  }
}
