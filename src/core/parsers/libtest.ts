import type { Measurement } from '../model';
import { normaliseUnit, scaled } from './units';
import { type FormatModule, type ParseInput, detectionHead, textLines, requireSome } from './shared';

/**
 * Rust `cargo bench` (libtest) text and criterion's `--output-format bencher`, which share the line
 * `test <name> ... bench: <value> <unit>/iter (+/- <range>)`. The `+/-` figure is libtest's
 * max-min range of the per-iteration times, kept as spread kind `range`. `ns/iter` becomes seconds;
 * other units (`cycles/iter`, `MS/s`) keep their name.
 * The two formats are told apart by their origin: criterion prints names with spaces, never
 * groups digits with commas and announces itself; libtest groups digits (`18,149`) and names are paths.
 */
interface BenchLine {
  name: string;
  value: number;
  unit: string;
  range: number;
  /** The number was written with thousands separators (libtest does this, criterion does not). */
  grouped: boolean;
}

const MARK = ' ... bench:';
const REST = /^\s*(\d[\d,]*(?:\.\d+)?)\s+(\S+)\s+\(\+\/-\s*(\d[\d,]*(?:\.\d+)?)\)/;

function benchLines(text: string): BenchLine[] {
  const out: BenchLine[] = [];
  for (const line of textLines(text)) {
    if (!line.startsWith('test ')) continue;
    const at = line.indexOf(MARK);
    if (at < 0) continue;
    const match = REST.exec(line.slice(at + MARK.length));
    if (!match) continue;
    const name = line.slice(5, at).trim();
    const value = Number(match[1].replace(/,/g, ''));
    const range = Number(match[3].replace(/,/g, ''));
    if (!name || !Number.isFinite(value) || !Number.isFinite(range)) continue;
    out.push({ name, value, unit: match[2], range, grouped: match[1].includes(',') });
  }
  return out;
}

function looksLikeCriterion(text: string, lines: BenchLine[]): boolean {
  // Criterion's own banners; a bench merely named after criterion does not count.
  if (/Criterion\.rs|cargo-criterion|Gnuplot not found|plotters backend/.test(text.slice(0, 5000))) return true;
  if (lines.some((l) => l.grouped)) return false;
  if (lines.some((l) => /\s/.test(l.name))) return true;
  // libtest would have grouped a value this large with commas.
  return lines.some((l) => l.unit === 'ns/iter' && l.value >= 1000);
}

function toMeasurements(lines: BenchLine[]): Measurement[] {
  return lines.map((l) => {
    const unit = normaliseUnit(l.unit);
    const m: Measurement = {
      series: l.name,
      metric: unit.kind === 'time' ? 'time' : l.unit,
      unit: unit.unit,
      direction: unit.direction,
      value: scaled(l.value, unit.scale),
      spread: { kind: 'range', value: scaled(l.range, unit.scale) },
    };
    return m;
  });
}

function module(name: 'cargo-libtest' | 'criterion-bencher'): FormatModule {
  const wantCriterion = name === 'criterion-bencher';
  return {
    name,
    description: wantCriterion ? 'criterion.rs --output-format bencher text' : 'cargo bench (libtest) text',
    detect(input: ParseInput) {
      const head = detectionHead(input.text);
      const lines = benchLines(head);
      return lines.length > 0 && looksLikeCriterion(head, lines) === wantCriterion;
    },
    parse(input: ParseInput) {
      return requireSome(toMeasurements(benchLines(input.text)), 'lines like "test NAME ... bench: N ns/iter (+/- M)"');
    },
  };
}

export const cargoLibtest = module('cargo-libtest');
export const criterionBencher = module('criterion-bencher');
