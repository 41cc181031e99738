// OTLP/HTTP JSON export, checked by a local receiver that validates every
// request against a JSON Schema of ExportMetricsServiceRequest.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { command as exportCommand } from '../../src/cli/commands/export';
import { CliError, type CliIO } from '../../src/cli/cli-types';
import { otlpMetricsUrl, toOtlpRequest, unixNanos, type OtlpKeyValue } from '../../src/core/export/otlp';
import { HistoryStore } from '../../src/core/store/history-store';
import type { RunRecord } from '../../src/core/model';
import { record } from './share-fixture';

const schema = JSON.parse(readFileSync(join(__dirname, '../fixtures/otlp/export-metrics-service-request.schema.json'), 'utf8'));
const validator = new Ajv({ allErrors: true }).compile(schema);
const validate = Object.assign((data: unknown): boolean => validator(data), { get errors() { return validator.errors; } });

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  schemaErrors: string[];
}

/** A minimal OTLP/HTTP receiver: records requests, validates them, answers as told. */
class Receiver {
  readonly received: Received[] = [];
  answer: { status: number; body: string } = { status: 200, body: '{}' };
  private server: Server | undefined;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body: unknown;
        let schemaErrors: string[] = [];
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          if (!validate(body)) schemaErrors = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
        } catch (err) {
          schemaErrors = [`not JSON: ${(err as Error).message}`];
        }
        this.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, schemaErrors });
        res.writeHead(this.answer.status, { 'Content-Type': 'application/json' });
        res.end(this.answer.body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: process.cwd(), env: {}, signal: new AbortController().signal };
  // The command module in-process (fast); the spawned CLI binary is exercised in export-prometheus.test.ts.
  let code: number;
  try {
    code = await exportCommand.run(args.slice(1), io);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    stderr += `perf-pulse export: ${err.message}\n`;
    code = err.exitCode;
  }
  return { code, stdout, stderr };
}

function attr(list: OtlpKeyValue[], key: string): string | undefined {
  return list.find((a) => a.key === key)?.value.stringValue;
}

describe('export: OTLP/HTTP JSON to a validating receiver', function () {
  this.timeout(30_000);
  const receiver = new Receiver();
  let dir: string;
  let historyDir: string;
  const records: RunRecord[] = [
    record('1', 'a'.repeat(40), 'laptop', 0.125),
    record('2', 'b'.repeat(40), 'laptop', 0.25),
    record('3', 'c'.repeat(40), 'ci', 0.5),
    record('4', 'c'.repeat(40), 'ci', 1048576, { name: 'heap', metric: 'peak-rss', unit: 'B' }),
  ];

  before(async () => {
    await receiver.start();
    dir = mkdtempSync(join(tmpdir(), 'perf-pulse-otlp-'));
    historyDir = join(dir, 'history');
    const store = await HistoryStore.open(historyDir);
    await store.append(records);
    await store.close();
  });
  after(async () => {
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.answer = { status: 200, body: '{}' };
  });

  it('POSTs a schema-valid ExportMetricsServiceRequest to /v1/metrics with the latest value of each series', async () => {
    const result = await cli(['export', '--history', historyDir, '--otlp', receiver.base]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(receiver.received.length, 1);
    const got = receiver.received[0];
    assert.equal(got.method, 'POST');
    assert.equal(got.url, '/v1/metrics');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.deepEqual(got.schemaErrors, []);

    const body = got.body as ReturnType<typeof toOtlpRequest>;
    assert.equal(body.resourceMetrics.length, 2, 'one resource per machine');
    const byMachine = new Map(body.resourceMetrics.map((rm) => [attr(rm.resource.attributes, 'perfpulse.machine.id'), rm]));
    const laptop = byMachine.get('laptop')!;
    assert.equal(attr(laptop.resource.attributes, 'service.name'), 'perf-pulse');
    assert.equal(attr(laptop.resource.attributes, 'host.name'), 'laptop', 'the machine by its fingerprint id; the hostname only with --include-hostname');
    assert.equal(attr(laptop.resource.attributes, 'host.arch'), 'amd64');
    assert.equal(laptop.scopeMetrics[0].scope.name, 'perf-pulse');
    const duration = laptop.scopeMetrics[0].metrics.find((m) => m.name === 'perfpulse.benchmark.duration')!;
    assert.equal(duration.unit, 's');
    assert.equal(duration.gauge.dataPoints.length, 1, 'only the latest run of the series');
    const point = duration.gauge.dataPoints[0];
    assert.equal(point.asDouble, 0.25);
    assert.equal(point.timeUnixNano, `${records[1].timestamp}000000`);
    assert.equal(attr(point.attributes, 'perfpulse.benchmark'), 'sort-10k');
    assert.equal(attr(point.attributes, 'vcs.ref.head.revision'), 'b'.repeat(40));
    assert.equal(attr(point.attributes, 'vcs.ref.head.name'), 'main');

    const ci = byMachine.get('ci')!;
    const size = ci.scopeMetrics[0].metrics.find((m) => m.name === 'perfpulse.benchmark.size')!;
    assert.equal(size.unit, 'By');
    assert.equal(size.gauge.dataPoints[0].asDouble, 1048576);
  });

  it('sends every run with --all-runs, and keeps a URL that has a path', async () => {
    const result = await cli(['export', '--history', historyDir, '--otlp', `${receiver.base}/otlp/v1/metrics`, '--all-runs']);
    assert.equal(result.code, 0, result.stderr);
    const got = receiver.received[0];
    assert.equal(got.url, '/otlp/v1/metrics');
    assert.deepEqual(got.schemaErrors, []);
    const points = (got.body as ReturnType<typeof toOtlpRequest>).resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((s) => s.metrics.flatMap((m) => m.gauge.dataPoints)));
    assert.equal(points.length, records.length);
  });

  it('fails with exit 2, the status and the body when the receiver refuses', async () => {
    receiver.answer = { status: 400, body: '{"code":3,"message":"bad metric"}' };
    const refused = await cli(['export', '--history', historyDir, '--otlp', receiver.base]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /answered 400 Bad Request: \{"code":3,"message":"bad metric"\}/);

    receiver.answer = { status: 200, body: '{"partialSuccess":{"rejectedDataPoints":"2","errorMessage":"too old"}}' };
    const partial = await cli(['export', '--history', historyDir, '--otlp', receiver.base]);
    assert.equal(partial.code, 2);
    assert.match(partial.stderr, /rejected 2 data point\(s\): too old/);

    const nowhere = join(dir, 'no-such-history');
    const missing = await cli(['export', '--history', nowhere, '--otlp', receiver.base]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /there is no history at .*no-such-history/);
    assert.equal(existsSync(nowhere), false, 'a wrong folder is not turned into an empty history');
    assert.equal(receiver.received.length, 2, 'nothing was sent for the missing history');

    const bad = await cli(['export', '--history', historyDir, '--otlp', 'not a url']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /'not a url' is not a URL/);
  });

  it('the schema rejects the mistakes it is there to catch', () => {
    const good = toOtlpRequest(records, '1.0.0');
    assert.ok(validate(good), JSON.stringify(validate.errors));
    const numberTime = structuredClone(good) as unknown as { resourceMetrics: { scopeMetrics: { metrics: { gauge: { dataPoints: Record<string, unknown>[] } }[] }[] }[] };
    numberTime.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano = 1700000000000000000;
    assert.ok(!validate(numberTime));
    const snake = { resource_metrics: good.resourceMetrics };
    assert.ok(!validate(snake));
    const noValue = structuredClone(good) as unknown as typeof numberTime;
    delete noValue.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asDouble;
    assert.ok(!validate(noValue));
  });

  it('converts times and URLs exactly', () => {
    assert.equal(unixNanos(1_700_000_000_123), '1700000000123000000');
    assert.equal(unixNanos(1_700_000_000_123.5), '1700000000123500000');
    assert.equal(otlpMetricsUrl('http://collector:4318').href, 'http://collector:4318/v1/metrics');
    assert.equal(otlpMetricsUrl('https://otlp.example.com/api/v1/metrics').pathname, '/api/v1/metrics');
    assert.throws(() => otlpMetricsUrl('ftp://x'), /only http and https/);
  });
});
