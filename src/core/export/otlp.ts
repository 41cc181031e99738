import type { MachineFingerprint, RunRecord, Unit } from '../model';
import { lookupTable, ownValue } from '../own-keys';

/**
 * Perf Pulse series as OpenTelemetry metrics: an OTLP/HTTP JSON
 * `ExportMetricsServiceRequest` (opentelemetry-proto, metrics/v1 and
 * collector/metrics/v1; JSON mapping per the OTLP specification: lowerCamelCase
 * field names, 64-bit integers as decimal strings, enums as numbers).
 *
 * One resource per machine (`service.name=perf-pulse`, `host.name`, `host.arch`,
 * `os.type`, `perfpulse.machine.id`), one scope `perf-pulse`, one gauge per unit
 * with OpenTelemetry-style dotted names and UCUM units
 * (`perfpulse.benchmark.duration` in `s`, `perfpulse.benchmark.size` in `By`, ...).
 * Each run is a data point with its own time and the attributes
 * `perfpulse.benchmark`, `perfpulse.metric`, `perfpulse.source`, and the VCS
 * semantic conventions `vcs.ref.head.name` (branch) and `vcs.ref.head.revision` (commit).
 */

export interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string;
  doubleValue?: number;
  boolValue?: boolean;
}
export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}
export interface OtlpNumberDataPoint {
  attributes: OtlpKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano: string;
  asDouble: number;
}
export interface OtlpMetric {
  name: string;
  description: string;
  unit: string;
  gauge: { dataPoints: OtlpNumberDataPoint[] };
}
export interface OtlpExportMetricsServiceRequest {
  resourceMetrics: {
    resource: { attributes: OtlpKeyValue[] };
    scopeMetrics: { scope: { name: string; version: string }; metrics: OtlpMetric[] }[];
  }[];
}

interface OtelNaming {
  name: string;
  unit: string;
  what: string;
}

/** OpenTelemetry metric name and UCUM unit for a Perf Pulse unit. */
export function otelNaming(unit: Unit): OtelNaming {
  switch (unit) {
    case 's':
      return { name: 'perfpulse.benchmark.duration', unit: 's', what: 'duration' };
    case 'B':
      return { name: 'perfpulse.benchmark.size', unit: 'By', what: 'size' };
    case 'ops/s':
      return { name: 'perfpulse.benchmark.throughput', unit: '{operation}/s', what: 'throughput' };
    case 'B/s':
      return { name: 'perfpulse.benchmark.bandwidth', unit: 'By/s', what: 'bandwidth' };
    case 'count':
    case '':
      return { name: 'perfpulse.benchmark.count', unit: '1', what: 'count' };
    default: {
      const slug = unit.toLowerCase().replace(/\//g, '_per_').replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'value';
      return { name: `perfpulse.benchmark.${slug}`, unit: `{${unit.replace(/[{}]/g, '')}}`, what: unit };
    }
  }
}

const str = (key: string, value: string): OtlpKeyValue => ({ key, value: { stringValue: value } });

/** Node's architecture and platform names, as the OpenTelemetry `host.arch` and `os.type` values. */
const HOST_ARCH = lookupTable({ x64: 'amd64', arm64: 'arm64', arm: 'arm32', ia32: 'x86', ppc64: 'ppc64', s390x: 's390x' });
const OS_TYPE = lookupTable({ linux: 'linux', darwin: 'darwin', win32: 'windows', freebsd: 'freebsd', openbsd: 'openbsd', sunos: 'solaris', aix: 'aix' });

function resourceAttributes(machine: MachineFingerprint, serviceVersion: string): OtlpKeyValue[] {
  const attrs = [str('service.name', 'perf-pulse'), str('service.version', serviceVersion), str('host.name', machine.hostname || machine.id), str('perfpulse.machine.id', machine.id)];
  if (machine.arch) attrs.push(str('host.arch', ownValue(HOST_ARCH, machine.arch) ?? machine.arch));
  if (machine.os) attrs.push(str('os.type', ownValue(OS_TYPE, machine.os) ?? machine.os));
  if (machine.cpuModel) attrs.push(str('host.cpu.model.name', machine.cpuModel));
  return attrs;
}

function pointAttributes(r: RunRecord): OtlpKeyValue[] {
  const attrs = [str('perfpulse.benchmark', r.name), str('perfpulse.metric', r.metric), str('perfpulse.source', r.source)];
  if (r.vcs?.branch) attrs.push(str('vcs.ref.head.name', r.vcs.branch));
  if (r.vcs?.commit) attrs.push(str('vcs.ref.head.revision', r.vcs.commit));
  return attrs;
}

/** Milliseconds since the epoch as the decimal-string nanoseconds OTLP JSON wants (exact, beyond 2^53). */
export function unixNanos(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.round((ms - whole) * 1000);
  return (BigInt(whole) * 1_000_000n + BigInt(micros) * 1000n).toString();
}

/** Builds the request body: one resource per machine, one gauge per unit, one data point per record. */
export function toOtlpRequest(records: RunRecord[], serviceVersion: string): OtlpExportMetricsServiceRequest {
  const byMachine = new Map<string, { machine: MachineFingerprint; metrics: Map<string, OtlpMetric> }>();
  for (const r of records) {
    let entry = byMachine.get(r.machine.id);
    if (!entry) byMachine.set(r.machine.id, (entry = { machine: r.machine, metrics: new Map() }));
    const naming = otelNaming(r.unit);
    let metric = entry.metrics.get(naming.name);
    if (!metric) {
      metric = { name: naming.name, description: `Perf Pulse benchmark ${naming.what}: each run's centre (the median of its samples when it has samples).`, unit: naming.unit, gauge: { dataPoints: [] } };
      entry.metrics.set(naming.name, metric);
    }
    metric.gauge.dataPoints.push({ attributes: pointAttributes(r), timeUnixNano: unixNanos(r.timestamp), asDouble: r.value });
  }
  return {
    resourceMetrics: [...byMachine.values()].map(({ machine, metrics }) => ({
      resource: { attributes: resourceAttributes(machine, serviceVersion) },
      scopeMetrics: [{ scope: { name: 'perf-pulse', version: serviceVersion }, metrics: [...metrics.values()] }],
    })),
  };
}

/** The OTLP/HTTP metrics endpoint for a URL: `/v1/metrics` is added when the URL has no path. */
export function otlpMetricsUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ExportError(`'${url}' is not a URL (expected e.g. http://localhost:4318)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ExportError(`'${url}': only http and https OTLP endpoints are supported`);
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/v1/metrics';
  return parsed;
}

/** An export that a receiver refused or could not be reached. */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

export interface SendOptions {
  /** Extra headers (e.g. an API key a collector requires). */
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Reads at most this much of an error response into a message. */
const BODY_EXCERPT = 500;

/** Sends an HTTP request and turns network errors and non-2xx answers into ExportErrors that say what the server said. */
export async function sendHttp(method: 'POST' | 'PUT', url: URL, body: string, contentType: string, options: SendOptions = {}): Promise<{ status: number; body: string }> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, { method, body, headers: { 'Content-Type': contentType, ...options.headers }, signal });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new ExportError(`cannot reach ${url.href}: ${cause ?? (err as Error).message}`);
  }
  const text = await response.text();
  if (response.status < 200 || response.status > 299) {
    const excerpt = text.length > BODY_EXCERPT ? text.slice(0, BODY_EXCERPT) + '…' : text;
    throw new ExportError(`${url.href} answered ${response.status} ${response.statusText}${excerpt.trim() ? `: ${excerpt.trim()}` : ''}`);
  }
  return { status: response.status, body: text };
}

/** POSTs the request; a partial success (some points rejected) is an error too, with the receiver's reason. */
export async function sendOtlp(url: string, request: OtlpExportMetricsServiceRequest, options: SendOptions = {}): Promise<void> {
  const endpoint = otlpMetricsUrl(url);
  const answer = await sendHttp('POST', endpoint, JSON.stringify(request), 'application/json', options);
  if (!answer.body.trim()) return;
  let parsed: { partialSuccess?: { rejectedDataPoints?: string | number; errorMessage?: string } };
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return; // a 2xx with a body we don't understand is still an acceptance
  }
  const rejected = Number(parsed.partialSuccess?.rejectedDataPoints ?? 0);
  if (rejected > 0) throw new ExportError(`${endpoint.href} rejected ${rejected} data point(s): ${parsed.partialSuccess?.errorMessage || 'no reason given'}`);
}
