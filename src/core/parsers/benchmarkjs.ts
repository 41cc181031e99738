import type { Measurement } from '../model';
import { type FormatModule, detectionHead, textLines, requireSome } from './shared';

/**
 * benchmark.js console text: `<name> x 1,431,759 ops/sec ±0.74% (93 runs sampled)`.
 * Throughput, bigger-is-better, in ops/s. The `±` figure is benchmark.js's relative margin of
 * error at 95% confidence, kept as an absolute `margin95` spread in ops/s.
 */
const REST = /^(\d[\d,]*(?:\.\d+)?) ops\/sec (?:±|\+\/-|\xb1)\s?(\d+(?:\.\d+)?)% \((\d+) runs? sampled\)/;
const SEPARATOR = ' x ';

function parseLine(line: string): Measurement | undefined {
  const at = line.lastIndexOf(SEPARATOR);
  if (at <= 0) return undefined;
  const match = REST.exec(line.slice(at + SEPARATOR.length));
  if (!match) return undefined;
  const value = Number(match[1].replace(/,/g, ''));
  const relative = Number(match[2]);
  if (!Number.isFinite(value) || !Number.isFinite(relative)) return undefined;
  return {
    series: line.slice(0, at).trim(),
    metric: 'throughput',
    unit: 'ops/s',
    direction: 'bigger',
    value,
    spread: { kind: 'margin95', value: (value * relative) / 100 },
  };
}

function measurements(text: string): Measurement[] {
  return textLines(text).map(parseLine).filter((m): m is Measurement => m !== undefined && m.series !== '');
}

export const benchmarkJs: FormatModule = {
  name: 'benchmarkjs',
  description: 'benchmark.js console text',
  detect: (input) => measurements(detectionHead(input.text)).length > 0,
  parse: (input) => requireSome(measurements(input.text), 'lines like "name x 1,234 ops/sec ±0.50% (90 runs sampled)"'),
};
