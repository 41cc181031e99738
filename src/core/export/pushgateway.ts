import type { RunRecord } from '../model';
import { PROMETHEUS_CONTENT_TYPE, renderMetricsText } from './openmetrics';
import { ExportError, sendHttp, type SendOptions } from './otlp';

/**
 * Pushes series to a Prometheus Pushgateway, one group per machine:
 * `PUT /metrics/job/<job>/machine/<machine id>`. A PUT replaces its whole
 * group, so grouping by machine lets a laptop and each CI runner push to the
 * same job without erasing one another's series. The body is the Prometheus
 * text format 0.0.4, which every Pushgateway version accepts (OpenMetrics text
 * is not among the formats the Pushgateway documents for pushes).
 */

export const DEFAULT_JOB = 'perf-pulse';

/** A grouping-key path segment: plain when safe, else the Pushgateway's `@base64` (URL-safe) form. */
export function groupingSegment(label: string, value: string): string {
  if (/^[A-Za-z0-9_.~-]+$/.test(value)) return `${label}/${value}`;
  return `${label}@base64/${Buffer.from(value, 'utf8').toString('base64url') || '='}`;
}

export function pushgatewayGroupUrl(base: string, job: string, machineId: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new ExportError(`'${base}' is not a URL (expected e.g. http://localhost:9091)`);
  }
  const prefix = url.pathname.replace(/\/+$/, '');
  url.pathname = `${prefix}/metrics/${groupingSegment('job', job)}/${groupingSegment('machine', machineId)}`;
  return url;
}

export interface PushResult {
  groups: { machine: string; url: string; series: number }[];
}

export async function pushToPushgateway(base: string, job: string, records: RunRecord[], options: SendOptions = {}): Promise<PushResult> {
  if (!job) throw new ExportError('the Pushgateway job name must not be empty');
  const byMachine = new Map<string, RunRecord[]>();
  for (const r of records) {
    const list = byMachine.get(r.machine.id);
    if (list) list.push(r);
    else byMachine.set(r.machine.id, [r]);
  }
  const groups: PushResult['groups'] = [];
  for (const [machine, list] of [...byMachine].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const url = pushgatewayGroupUrl(base, job, machine);
    await sendHttp('PUT', url, renderMetricsText(list, 'prometheus'), PROMETHEUS_CONTENT_TYPE, options);
    groups.push({ machine, url: url.href, series: list.length });
  }
  return { groups };
}
