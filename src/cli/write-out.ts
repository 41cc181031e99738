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
