import type { BuildAnatomy } from './timeline';

/**
 * The timeline as Chrome trace event JSON (the "JSON Object Format" that Perfetto and
 * chrome://tracing open): one row (thread) per process, a complete event ('X') for its
 * life, a row for the critical path, and counters ('C') for CPU, memory and the number
 * of steps running. Times are microseconds from the start of the traced command.
 */

export interface ChromeTraceEvent {
  name: string;
  ph: 'X' | 'C' | 'M' | 'i';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  cat?: string;
  s?: 'g' | 'p' | 't';
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, unknown>;
}

/** The row of the critical path, above the process rows. */
const CRITICAL_ROW = 0;
/** Rows of the "short processes" entries, after every real pid. */
const UNSEEN_ROWS = 10_000_000;

const micros = (seconds: number) => Math.round(seconds * 1e6);

function label(command: string, max = 80): string {
  return command.length > max ? command.slice(0, max - 1) + '…' : command;
}

export function toChromeTrace(anatomy: BuildAnatomy, rootPid: number, title: string): ChromeTrace {
  const pid = rootPid;
  const events: ChromeTraceEvent[] = [
    { name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name: `perf-pulse trace: ${label(title)}` } },
    { name: 'thread_name', ph: 'M', ts: 0, pid, tid: CRITICAL_ROW, args: { name: 'critical path' } },
    { name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid: CRITICAL_ROW, args: { sort_index: -1 } },
  ];
  const critical = new Set(anatomy.criticalPath.map((c) => c.pid));
  let unseenRow = UNSEEN_ROWS;
  for (const p of anatomy.processes) {
    const tid = p.unseen ? unseenRow++ : p.pid;
    events.push({ name: 'thread_name', ph: 'M', ts: 0, pid, tid, args: { name: p.unseen ? label(p.command, 60) : `${p.pid} ${label(p.command, 60)}` } });
    events.push({
      name: p.phase ?? label(p.command),
      cat: p.unseen ? 'unseen' : 'process',
      ph: 'X',
      ts: micros(p.start),
      dur: Math.max(0, micros(p.end) - micros(p.start)),
      pid,
      tid,
      args: {
        command: p.command,
        pid: p.pid,
        ppid: p.ppid,
        cpuSeconds: p.cpuSeconds,
        peakRssBytes: p.peakRssBytes,
        ...(critical.has(p.pid) && !p.unseen ? { criticalPath: true } : {}),
        ...(p.outlived ? { outlived: true } : {}),
      },
    });
  }
  for (const c of anatomy.criticalPath) {
    events.push({ name: c.phase ?? label(c.command), cat: 'critical', ph: 'X', ts: micros(c.start), dur: Math.max(0, micros(c.end) - micros(c.start)), pid, tid: CRITICAL_ROW, args: { command: c.command, pid: c.pid } });
  }
  for (const s of anatomy.samples) {
    events.push({ name: 'CPU (cores)', ph: 'C', ts: micros(s.t), pid, tid: 0, args: { cores: Math.round(s.cpuCores * 1000) / 1000 } });
    events.push({ name: 'memory (MB)', ph: 'C', ts: micros(s.t), pid, tid: 0, args: { rss: Math.round(s.rssBytes / 1e4) / 100 } });
  }
  for (const c of anatomy.concurrency) events.push({ name: 'steps running', ph: 'C', ts: micros(c.t), pid, tid: 0, args: { steps: c.running } });
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: {
      tool: 'perf-pulse trace',
      command: title,
      wallSeconds: anatomy.wallSeconds,
      cpuSeconds: anatomy.cpuSeconds,
      cores: anatomy.cores,
      parallelEfficiency: anatomy.parallelEfficiency,
      peakRssBytes: anatomy.peakRssBytes,
      intervalSeconds: anatomy.intervalSeconds,
    },
  };
}
