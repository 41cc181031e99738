import type { RunRecord, Unit } from '../model';

/**
 * Perf Pulse series as Prometheus metrics, in the OpenMetrics 1.0 text format
 * (for a node_exporter textfile collector or anything that scrapes a file) or
 * the Prometheus text format 0.0.4 (what a Pushgateway accepts).
 *
 * Naming follows Prometheus conventions: a `perfpulse_` prefix, snake case,
 * base units with the unit as the name's suffix (`perfpulse_benchmark_seconds`,
 * `..._bytes`), one gauge family per unit. Each series is one sample labelled
 * `benchmark`, `metric`, `machine`, `branch`, `commit`, `source`; its value is
 * the run's centre (the median of the samples when the run has samples).
 * When a run has a summary, its p90 and p99 are separate gauges
 * (`perfpulse_benchmark_p90_seconds`, ...); when each run happened is
 * `perfpulse_benchmark_run_timestamp_seconds`. No sample carries a timestamp:
 * both the Pushgateway and the textfile collector refuse them.
 */

export type TextFormat = 'openmetrics' | 'prometheus';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface UnitNaming {
  /** Name suffix and OpenMetrics UNIT, or '' for unitless. */
  suffix: string;
  words: string;
}

/** The Prometheus base-unit name of a Perf Pulse unit. */
export function prometheusUnit(unit: Unit): UnitNaming {
  switch (unit) {
    case 's':
      return { suffix: 'seconds', words: 'seconds' };
    case 'B':
      return { suffix: 'bytes', words: 'bytes' };
    case 'ops/s':
      return { suffix: 'operations_per_second', words: 'operations per second' };
    case 'B/s':
      return { suffix: 'bytes_per_second', words: 'bytes per second' };
    case 'count':
    case '':
      return { suffix: '', words: 'a count' };
    default: {
      const suffix = unit
        .toLowerCase()
        .replace(/\//g, '_per_')
        .replace(/%/g, 'percent')
        .replace(/[^a-z0-9_]+/g, '_')
        .replace(/_+/g, '_')
        .replace(/^_|_$/g, '');
      return { suffix, words: unit };
    }
  }
}

function familyName(stat: string, unit: UnitNaming): string {
  return ['perfpulse', 'benchmark', stat, unit.suffix].filter(Boolean).join('_');
}

/** Label values may hold anything; these three characters need escaping in both formats. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string, format: TextFormat): string {
  const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped;
}

export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The labels of a series, in a fixed order; absent facts are left out rather than empty. */
export function seriesLabels(r: RunRecord): [string, string][] {
  const labels: [string, string | undefined][] = [
    ['benchmark', r.name],
    ['metric', r.metric],
    ['machine', r.machine?.id],
    ['branch', r.vcs?.branch],
    ['commit', r.vcs?.commit],
    ['source', r.source],
  ];
  return labels.filter((l): l is [string, string] => typeof l[1] === 'string' && l[1] !== '');
}

function labelText(labels: [string, string][]): string {
  return labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}` : '';
}

interface Family {
  name: string;
  help: string;
  unit: string;
  samples: string[];
}

/**
 * Renders the records (one per series, see `selectForExport`) as text. Records
 * of one series must not repeat: a scrape must not see one label set twice.
 */
export function renderMetricsText(records: RunRecord[], format: TextFormat = 'openmetrics'): string {
  const families = new Map<string, Family>();
  const add = (name: string, help: string, unit: string, labels: [string, string][], value: number) => {
    let family = families.get(name);
    if (!family) families.set(name, (family = { name, help, unit, samples: [] }));
    family.samples.push(`${name}${labelText(labels)} ${formatNumber(value)}`);
  };
  for (const r of records) {
    const unit = prometheusUnit(r.unit);
    const labels = seriesLabels(r);
    add(familyName('', unit), `Latest value of each Perf Pulse series (the run's median when it has samples), in ${unit.words}.`, unit.suffix, labels, r.value);
    if (r.summary) {
      add(familyName('p90', unit), `90th percentile of the latest run's samples, in ${unit.words}.`, unit.suffix, labels, r.summary.p90);
      add(familyName('p99', unit), `99th percentile of the latest run's samples, in ${unit.words}.`, unit.suffix, labels, r.summary.p99);
    }
    add('perfpulse_benchmark_run_timestamp_seconds', 'When the latest run of each Perf Pulse series happened, in seconds since the Unix epoch.', 'seconds', labels, r.timestamp / 1000);
  }
  const out: string[] = [];
  for (const family of [...families.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    out.push(`# HELP ${family.name} ${escapeHelp(family.help, format)}`);
    out.push(`# TYPE ${family.name} gauge`);
    if (format === 'openmetrics' && family.unit) out.push(`# UNIT ${family.name} ${family.unit}`);
    out.push(...family.samples);
  }
  if (format === 'openmetrics') out.push('# EOF');
  return out.length ? out.join('\n') + '\n' : '';
}
