import { formatSeconds, formatSpread } from '../core/format';
import type { RunPolicy, RunProgress } from '../core/runner';
import { median, scaledMad } from '../core/stats/summary';
import type { Paint } from './colour';
import { visibleLength } from './colour';
import { printable } from './problems';

/**
 * The live line of `perf-pulse run` on a terminal, as hyperfine draws its bar: runs done of the
 * expected total, the current median ± MAD and the time left, redrawn in place on stderr and
 * erased when the benchmark ends, so only the permanent lines and the results table remain.
 * Only for a terminal: a pipe, a file or a CI log gets none of it (see `run`).
 */

const ERASE_LINE = '\r\u001b[2K';
/** How often the line is redrawn between runs (the time left counts down meanwhile). */
const TICK_MS = 250;
/** Runs often come in fast batches: the line is drawn at most this often. */
const MIN_REDRAW_MS = 50;

export interface LiveLineOptions {
  write: (text: string) => void;
  columns: () => number;
  paint: Paint;
  /** Milliseconds of a monotonic clock (injectable for tests). */
  now?: () => number;
}

interface Current {
  name: string;
  policy?: RunPolicy;
  phase: RunProgress['phase'];
  runs: number;
  samples?: readonly number[];
  /** When measuring began (the first measure event). */
  measureStart?: number;
  /** Seconds per run, from the runs so far (prepare commands included). */
  perRun?: number;
}

export class LiveLine {
  private current: Current | undefined;
  private shown = false;
  private lastDraw = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: LiveLineOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** A benchmark begins: its runs are counted against its policy's expected total. */
  begin(name: string, policy: RunPolicy | undefined): void {
    this.current = { name, ...(policy ? { policy } : {}), phase: 'calibrate', runs: 0 };
    this.timer ??= setInterval(() => this.draw(true), TICK_MS).unref();
  }

  update(p: RunProgress): void {
    const c = this.current;
    if (!c || c.name !== p.benchmark) return;
    c.phase = p.phase;
    c.runs = p.run;
    if (p.phase === 'measure') {
      const at = this.now();
      c.measureStart ??= at;
      if (p.samples) c.samples = p.samples;
      if (p.run > 0) c.perRun = (at - c.measureStart) / 1000 / p.run;
    }
    this.draw(false);
  }

  /** Erases the line (before any other output, and when a benchmark ends). */
  clear(): void {
    if (this.shown) this.options.write(ERASE_LINE);
    this.shown = false;
  }

  /** The benchmark is over: the line goes. */
  end(): void {
    this.clear();
    this.current = undefined;
  }

  /** Stops redrawing for good. */
  dispose(): void {
    this.end();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Writes other output above the live line: erased first, redrawn after. */
  around(write: (text: string) => void): (text: string) => void {
    return (text) => {
      const had = this.shown;
      this.clear();
      write(text);
      if (had) this.draw(true);
    };
  }

  /** The line's text now (no escape for erasing; colour when enabled). */
  text(): string | undefined {
    const c = this.current;
    if (!c) return undefined;
    const { paint } = this.options;
    // The name comes from perfpulse.json or the command line: never raw control characters on the terminal.
    const name = paint.bold(printable(c.name));
    if (c.phase === 'calibrate') return `${name}  ${paint.dim('measuring the shell start-up…')}`;
    if (c.phase === 'warmup' || (c.phase === 'prepare' && c.measureStart === undefined)) return `${name}  ${paint.dim(`warm-up${c.policy ? ` ${Math.min(c.runs + 1, c.policy.warmup)}/${c.policy.warmup}` : ''}`)}`;
    // A harness (a `format` benchmark) runs once and reports its own numbers: nothing to count.
    if (!c.policy) return `${name}  ${paint.dim('running…')}`;
    const parts = [name];
    const expected = this.expectedRuns();
    parts.push(`${c.runs}/${expected === undefined ? '?' : expected.exact ? expected.runs : `~${expected.runs}`} runs`);
    const samples = c.samples;
    if (samples && samples.length) {
      const m = median(samples);
      parts.push(`median ${paint.cyan(samples.length > 1 ? formatSpread(m, scaledMad(samples, m)) : formatSeconds(m))}`);
    }
    const left = this.secondsLeft(expected?.runs);
    if (left !== undefined) parts.push(paint.dim(`ETA ${formatSeconds(Math.ceil(left))}`));
    return parts.join('  ');
  }

  /** The runs the stopping rule will most likely make: exact for a fixed count, else from the minimum runs and time. */
  private expectedRuns(): { runs: number; exact: boolean } | undefined {
    const c = this.current;
    const policy = c?.policy;
    if (!c || !policy) return undefined;
    if (policy.minRuns === policy.maxRuns) return { runs: policy.maxRuns, exact: true };
    let runs = policy.minRuns;
    if (c.perRun && c.perRun > 0) {
      runs = Math.max(runs, Math.ceil(policy.minTime / c.perRun));
      if (Number.isFinite(policy.maxTime)) runs = Math.min(runs, Math.max(1, Math.ceil(policy.maxTime / c.perRun)));
    }
    return { runs: Math.max(c.runs, Math.min(runs, policy.maxRuns)), exact: false };
  }

  private secondsLeft(expected: number | undefined): number | undefined {
    const c = this.current;
    if (!c || expected === undefined || c.measureStart === undefined || !c.perRun) return undefined;
    const elapsed = (this.now() - c.measureStart) / 1000;
    return Math.max(0, expected * c.perRun - elapsed);
  }

  private draw(force: boolean): void {
    const at = this.now();
    if (!force && this.shown && at - this.lastDraw < MIN_REDRAW_MS) return;
    const text = this.text();
    if (text === undefined) return;
    this.lastDraw = at;
    this.options.write(ERASE_LINE + fit(text, this.options.columns() - 1));
    this.shown = true;
  }
}

/** Cuts a line to the terminal's width, so it never wraps (a wrapped line cannot be redrawn in place). */
function fit(text: string, width: number): string {
  if (visibleLength(text) <= width) return text;
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  return plain.slice(0, Math.max(0, width - 1)) + '…';
}
