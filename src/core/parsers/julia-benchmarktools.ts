import type { Measurement } from '../model';
import { ParseError } from './errors';
import { type FormatModule, isObject, asNumber, numericArray, medianOf, requireJson, requireSome, scaleAll } from './shared';
import { scaled } from './units';

/**
 * Julia BenchmarkTools `BenchmarkTools.save` JSON: `[{ Julia, BenchmarkTools }, [[ "BenchmarkGroup", { data: {...} } ]]]`,
 * groups nest; leaves are `["TrialEstimate", { time, memory, allocs }]` (times in ns) or
 * `["Trial", { times: [ns...], memory, allocs }]` whose times become samples.
 * Series are the group path joined by `/` (e.g. `fib/20`); memory (B) and allocs are extra metrics.
 */
const NS = 1e-9;

function walk(node: unknown, path: string[], out: Measurement[]): void {
  if (!Array.isArray(node) || node.length < 2 || typeof node[0] !== 'string' || !isObject(node[1])) return;
  const [kind, body] = node as [string, Record<string, unknown>];
  if (kind === 'BenchmarkGroup') {
    if (!isObject(body.data)) return;
    for (const [key, child] of Object.entries(body.data)) walk(child, [...path, key], out);
    return;
  }
  if (kind !== 'TrialEstimate' && kind !== 'Trial') return;
  const series = path.join('/') || '(root)';
  const group = path.length > 1 ? path.slice(0, -1).join('/') : undefined;
  const times = kind === 'Trial' ? numericArray(body.times) : undefined;
  const samples = times ? scaleAll(times, NS) : undefined;
  const time = asNumber(body.time);
  const value = samples ? medianOf(samples) : time !== undefined ? scaled(time, NS) : undefined;
  const withGroup = (m: Measurement) => (group ? { ...m, group } : m);
  if (value !== undefined) {
    const m: Measurement = { series, metric: 'time', unit: 's', direction: 'smaller', value };
    if (samples) m.samples = samples;
    out.push(withGroup(m));
  }
  const memory = asNumber(body.memory);
  if (memory !== undefined) out.push(withGroup({ series: `${series} (memory)`, metric: 'memory', unit: 'B', direction: 'smaller', value: memory }));
  const allocs = asNumber(body.allocs);
  if (allocs !== undefined) out.push(withGroup({ series: `${series} (allocs)`, metric: 'allocs', unit: 'count', direction: 'smaller', value: allocs }));
}

export const juliaBenchmarkTools: FormatModule = {
  name: 'julia-benchmarktools',
  description: 'Julia BenchmarkTools saved JSON',
  detect(input) {
    const j = input.json();
    return Array.isArray(j) && j.length >= 2 && isObject(j[0]) && 'BenchmarkTools' in j[0];
  },
  parse(input) {
    const j = requireJson(input, 'Julia BenchmarkTools');
    if (!Array.isArray(j) || j.length < 2 || !Array.isArray(j[1])) throw new ParseError('BenchmarkTools JSON must be [header, [groups...]]');
    const out: Measurement[] = [];
    for (const top of j[1]) walk(top, [], out);
    return requireSome(out, 'BenchmarkTools trial estimates');
  },
};
