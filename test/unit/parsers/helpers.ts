import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Measurement, ParseResult } from '../../../src/core/model';

/** Real harness outputs and test reports copied into the repository (sources and licences in its READMEs). */
export const SHARED = join(__dirname, '../../fixtures/reference');

export function sharedPath(relative: string): string {
  return join(SHARED, relative);
}

export function readShared(relative: string): string {
  return readFileSync(sharedPath(relative), 'utf8');
}

export function find(result: ParseResult, series: string): Measurement {
  const m = result.measurements.find((x) => x.series === series);
  assert.ok(m, `no series "${series}" in ${result.format}; have: ${result.measurements.map((x) => x.series).join(' | ')}`);
  return m;
}

/** Equal within a relative tolerance (unit conversions multiply by powers of ten). */
export function close(actual: number | undefined, expected: number, what = 'value'): void {
  assert.ok(actual !== undefined && Number.isFinite(actual), `${what}: expected ${expected}, got ${actual}`);
  const tolerance = Math.max(Math.abs(expected) * 1e-9, 1e-300);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected}, got ${actual}`);
}
