import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { CliError } from './cli-types';

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
