/**
 * Trends panel speed in real Chromium: first paint of the overview (200 series × 500
 * runs, and 500 series), search filtering, and zoom/pan frames of a 10,000-run detail
 * chart (programmatic zoom/pan, then real wheel, brush-drag and Shift+drag input, with
 * frame intervals from requestAnimationFrame while the input streams). Also checks that the page renders under the production CSP with no violation,
 * and saves screenshots of the harness page.
 *
 *   npx tsx scripts/bench/trends-paint.ts [--quick]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { generateTrendsData } from './trends/sample-data';
import { downsampleForSparkline } from '../../src/extension/trends/shaping';
import type { HostMessage, SeriesDetail } from '../../src/protocol/trends';
import { packDetail } from '../../src/protocol/trends-packing';
import { buildWebviewBundle, startHarness } from './trends/harness';
import { markTypedArrays, REVIVE_TYPED_ARRAYS } from './trends/typed-args';

// The functions passed to page.evaluate run in the browser; the project's Node type
// settings have no DOM, so these names are declared loosely for this file only.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
declare const requestAnimationFrame: (callback: (time: number) => void) => number;


const quick = process.argv.includes('--quick');
const LOADS = quick ? 3 : 7;
const root = join(__dirname, '../..');
const workDir = join(root, 'bench/.work');
const resultsDir = join(root, 'bench/results');

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}
function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}
const ms = (v: number) => Math.round(v * 10) / 10;
const started = Date.now();
const load = () => loadavg().map((v) => v.toFixed(2)).join(' / ');
const progress = (what: string) => process.stderr.write(`[trends-paint ${((Date.now() - started) / 1000).toFixed(1)} s] ${what}\n`);

/**
 * Posts a host message at t0 and resolves with the time to the webview's next `rendered`
 * of that view. Typed arrays in the message (marked by `markTypedArrays`) are rebuilt in
 * the page before t0, so the page posts what VS Code would hand it.
 */
async function timeToRendered(page: Page, message: HostMessage, view: string): Promise<number> {
  return page.evaluate(
    async ({ message, view }) => {
      const w = window as unknown as { __messages: { at: number; message: { type: string; view?: string } }[]; __reviveTypedArrays?: (m: unknown) => HostMessage };
      message = w.__reviveTypedArrays ? w.__reviveTypedArrays(message) : message;
      const t0 = performance.now();
      window.postMessage(message, '*');
      for (;;) {
        const hit = w.__messages.find((m) => m.at > t0 && m.message.type === 'rendered' && m.message.view === view);
        if (hit) return hit.at - t0;
        await new Promise((r) => setTimeout(r, 2));
      }
    },
    { message: markTypedArrays(message) as HostMessage, view },
  );
}

/** 30 zoom-ins, 40 pans, 30 zoom-outs, one per frame; the script time of each and the frame intervals. */
function zoomPanLoop(page: Page): Promise<{ script: number[]; intervals: number[] }> {
  return page.evaluate(async () => {
    const chart = (window as unknown as { perfPulseTrends: { chart: { zoomBy(f: number): void; panBy(f: number): void; flush(): void; resetZoom(): void } } }).perfPulseTrends.chart;
    const script: number[] = [];
    const intervals: number[] = [];
    const nextFrame = () => new Promise<number>((r) => requestAnimationFrame((t) => r(t)));
    let last = await nextFrame();
    const ops: (() => void)[] = [];
    for (let i = 0; i < 30; i++) ops.push(() => chart.zoomBy(1.12));
    for (let i = 0; i < 40; i++) ops.push(() => chart.panBy(i < 20 ? -0.05 : 0.05));
    for (let i = 0; i < 30; i++) ops.push(() => chart.zoomBy(1 / 1.12));
    for (const op of ops) {
      const t0 = performance.now();
      op();
      chart.flush();
      script.push(performance.now() - t0);
      const t = await nextFrame();
      intervals.push(t - last);
      last = t;
    }
    return { script, intervals };
  });
}

const FRAME_STAGES = ['FireAnimationFrame', 'UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'LayerTreeHost::DoUpdateLayers', 'RasterTask', 'Display::DrawAndSwap'] as const;

/** Thread CPU milliseconds per frame stage (summed over the action), from a Chromium trace. */
async function traceThreadCpu(page: Page, action: () => Promise<unknown>): Promise<Record<(typeof FRAME_STAGES)[number], number>> {
  const client = await page.context().newCDPSession(page);
  const events: { name: string; ph: string; tdur?: number }[] = [];
  client.on('Tracing.dataCollected', (e) => {
    events.push(...(e.value as unknown as typeof events));
  });
  const complete = new Promise<void>((resolve) => client.once('Tracing.tracingComplete', () => resolve()));
  await client.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,cc,viz', transferMode: 'ReportEvents' });
  await action();
  await client.send('Tracing.end');
  await complete;
  await client.detach();
  const totals = Object.fromEntries(FRAME_STAGES.map((name) => [name, 0])) as Record<(typeof FRAME_STAGES)[number], number>;
  for (const e of events) if (e.ph === 'X' && e.name in totals) totals[e.name as (typeof FRAME_STAGES)[number]] += (e.tdur ?? 0) / 1000;
  return totals;
}

async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  // Polling with evaluate: waitForFunction would need eval, which the page's CSP forbids.
  for (let i = 0; i < 500; i++) {
    const ready = await page.evaluate(() => (window as unknown as { __messages?: { message: { type: string } }[] }).__messages?.some((m) => m.message.type === 'ready'));
    if (ready) {
      await page.evaluate(REVIVE_TYPED_ARRAYS);
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the harness page at ${url} never said it was ready`);
}

async function main(): Promise<void> {
  mkdirSync(workDir, { recursive: true });
  mkdirSync(resultsDir, { recursive: true });
  const built = await buildWebviewBundle(root);
  progress('bundle built');

  // Host side: 200 series × 500 runs, shaped into overview rows (sparklines of ≤ 64 points).
  const histories = generateTrendsData({ series: 200, runs: 500, seed: 1 });
  const shapeStart = performance.now();
  for (const h of histories) downsampleForSparkline(h.runs.map((r) => r.value));
  const shapeMs = performance.now() - shapeStart;
  const overview200 = histories.map((h) => h.series);
  const overview500 = generateTrendsData({ series: 500, runs: 100, seed: 2 }).map((h) => h.series);
  const big: SeriesDetail = generateTrendsData({ series: 6, runs: 10_000, seed: 3, percentiles: true })[5];
  big.series = { ...big.series, id: 'big' };

  const loadAtStart = load();
  const harness = await startHarness({ script: built.script, style: built.style });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  progress('browser started');
  const rows: Record<string, string | number>[] = [];
  const targets: { what: string; target: string; measured: string; met: boolean }[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const paints200: number[] = [];
    const paints500: number[] = [];
    const filters: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      await openPage(page, harness.url('light'));
      paints200.push(await timeToRendered(page, { type: 'overview', series: overview200, generatedAt: 0 }, 'overview'));
      await openPage(page, harness.url('light'));
      paints500.push(await timeToRendered(page, { type: 'overview', series: overview500, generatedAt: 0 }, 'overview'));
      filters.push(
        await page.evaluate(async () => {
          const w = window as unknown as { __messages: { at: number; message: { type: string } }[] };
          const input = document.querySelector('input[type="search"]')!;
          const t0 = performance.now();
          input.value = 'parser';
          input.dispatchEvent(new Event('input', { bubbles: true }));
          for (;;) {
            const hit = w.__messages.find((m) => m.at > t0 && m.message.type === 'rendered');
            if (hit) return hit.at - t0;
            await new Promise((r) => setTimeout(r, 2));
          }
        }),
      );
    }
    progress('overview loads done');
    const cspViolations = await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
    rows.push({ measurement: 'overview first paint, 200 series × 500 runs', median_ms: ms(median(paints200)), p95_ms: ms(percentile(paints200, 0.95)), loads: LOADS });
    rows.push({ measurement: 'overview first paint, 500 series', median_ms: ms(median(paints500)), p95_ms: ms(percentile(paints500, 0.95)), loads: LOADS });
    rows.push({ measurement: 'search filter over 500 series (input → painted)', median_ms: ms(median(filters)), p95_ms: ms(percentile(filters, 0.95)), loads: LOADS });
    rows.push({ measurement: 'host: shape 200 × 500 runs into sparklines (Node)', median_ms: ms(shapeMs), p95_ms: ms(shapeMs), loads: 1 });
    targets.push({ what: 'overview first paint, 200 series × 500 runs (median)', target: '< 300 ms', measured: `${ms(median(paints200))} ms`, met: median(paints200) < 300 });
    targets.push({ what: 'search filter, 500 series (median)', target: '< 100 ms', measured: `${ms(median(filters))} ms`, met: median(filters) < 100 });

    // Detail chart of 10,000 runs, posted packed as the extension posts it: open, then zoom and pan.
    const packedBig = packDetail(big);
    const openDetail = async () => {
      await openPage(page, harness.url('light'));
      await timeToRendered(page, { type: 'overview', series: [big.series, ...overview200.slice(0, 20)], generatedAt: 0 }, 'overview');
      await page.evaluate(() => document.querySelector('tr.row[data-id="big"]')!.click());
      return timeToRendered(page, { type: 'detail', detail: packedBig }, 'detail');
    };
    const detailPaints: number[] = [];
    for (let i = 0; i < LOADS; i++) detailPaints.push(await openDetail());
    rows.push({ measurement: 'detail first paint, 10,000 runs (message posted → painted)', median_ms: ms(median(detailPaints)), p95_ms: ms(percentile(detailPaints, 0.95)), loads: LOADS });
    targets.push({ what: 'detail first paint, 10,000 runs (median)', target: '< 300 ms', measured: `${ms(median(detailPaints))} ms`, met: median(detailPaints) < 300 });
    progress('detail loads done');
    const frames = await zoomPanLoop(page);
    // The same loop again under a Chromium trace: the thread CPU time of each stage of a
    // frame, which (unlike frame intervals) does not grow when other processes compete
    // for the cores.
    const cpu = await traceThreadCpu(page, () => zoomPanLoop(page));
    progress('programmatic frames done');
    // Real wheel and shift-drag input through the browser.
    const box = (await page.locator('.chart-wrap svg.overlay').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    const wheelStart = await page.evaluate(() => (window as unknown as { perfPulseTrends: { chart: { drawCount: number } } }).perfPulseTrends.chart.drawCount);
    // Record every frame while the input streams in: a requestAnimationFrame loop keeps
    // asking for frames, so a slow frame shows up as a long interval.
    await page.evaluate(() => {
      const w = window as unknown as { __frameIntervals: number[]; __recording: boolean };
      w.__frameIntervals = [];
      w.__recording = true;
      let last = 0;
      const tick = (t: number) => {
        if (last) w.__frameIntervals.push(t - last);
        last = t;
        if (w.__recording) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const t0 = Date.now();
    // Wheel zoom in, towards the later runs.
    for (let i = 0; i < 20; i++) await page.mouse.wheel(0, -120);
    // Shift+drag pans.
    await page.keyboard.down('Shift');
    await page.mouse.down();
    for (let i = 0; i < 20; i++) await page.mouse.move(cx - i * 15, cy);
    await page.mouse.up();
    await page.keyboard.up('Shift');
    // Wheel back out to all 10,000 runs, then brush (plain drag) a range to zoom into it.
    for (let i = 0; i < 25; i++) await page.mouse.wheel(0, 120);
    await page.mouse.move(box.x + box.width * 0.3, cy);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + box.width * (0.3 + i * 0.015), cy);
    await page.mouse.up();
    // Hover across the zoomed chart (tooltip follows the nearest run).
    for (let i = 0; i < 20; i++) await page.mouse.move(box.x + box.width * (0.2 + i * 0.03), cy);
    const wheelMs = Date.now() - t0;
    const inputFrames = await page.evaluate(() => {
      const w = window as unknown as { __frameIntervals: number[]; __recording: boolean };
      w.__recording = false;
      return w.__frameIntervals;
    });
    const wheelDraws = (await page.evaluate(() => (window as unknown as { perfPulseTrends: { chart: { drawCount: number } } }).perfPulseTrends.chart.drawCount)) - wheelStart;
    rows.push({ measurement: 'detail 10,000 runs: script per zoom/pan frame', median_ms: ms(median(frames.script)), p95_ms: ms(percentile(frames.script, 0.95)), loads: frames.script.length });
    const cpuPerFrame = (stage: (typeof FRAME_STAGES)[number]) => cpu[stage] / frames.intervals.length;
    const cpuTotal = FRAME_STAGES.reduce((sum, stage) => sum + cpuPerFrame(stage), 0);
    rows.push({
      measurement: `detail 10,000 runs: thread CPU per zoom/pan frame, all threads (traced; ${FRAME_STAGES.map((stage) => `${stage} ${ms(cpuPerFrame(stage))}`).join(', ')})`,
      median_ms: ms(cpuTotal),
      p95_ms: '',
      loads: frames.intervals.length,
    });
    rows.push({ measurement: 'detail 10,000 runs: frame interval while zooming/panning', median_ms: ms(median(frames.intervals)), p95_ms: ms(percentile(frames.intervals, 0.95)), loads: frames.intervals.length });
    rows.push({ measurement: 'detail 10,000 runs: frame interval during real input (45 wheel, 20 Shift+drag, 20 brush-drag, 20 hover events)', median_ms: ms(median(inputFrames)), p95_ms: ms(percentile(inputFrames, 0.95)), loads: inputFrames.length });
    rows.push({ measurement: 'detail 10,000 runs: that input sequence (wall ms; n = chart frames drawn)', median_ms: wheelMs, p95_ms: wheelMs, loads: wheelDraws });
    targets.push({ what: 'detail 10,000 runs: p95 frame interval while zooming/panning', target: '< 50 ms (interactive)', measured: `${ms(percentile(frames.intervals, 0.95))} ms`, met: percentile(frames.intervals, 0.95) < 50 });
    targets.push({ what: 'detail 10,000 runs: p95 frame interval during real wheel/drag/brush/hover input', target: '< 50 ms (interactive)', measured: `${ms(percentile(inputFrames, 0.95))} ms`, met: percentile(inputFrames, 0.95) < 50 });
    targets.push({ what: 'detail 10,000 runs: median script per frame', target: '< 16 ms', measured: `${ms(median(frames.script))} ms`, met: median(frames.script) < 16 });
    const violations = [...cspViolations, ...(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations))];
    targets.push({ what: 'renders under the production CSP', target: '0 violations', measured: `${violations.length}${violations.length ? `: ${violations.slice(0, 3).join('; ')}` : ''}`, met: violations.length === 0 });
    targets.push({ what: 'webview bundle size (minified)', target: '< 300 KB', measured: `${(built.bytes / 1024).toFixed(0)} KB (gzip ${(gzipSync(built.script).length / 1024).toFixed(0)} KB, d3 ${(built.d3Bytes / 1024).toFixed(0)} KB)`, met: built.bytes < 300 * 1024 });

    progress('input events done');
    // Screenshots of the harness page, light and dark.
    const detail = generateTrendsData({ series: 1, runs: 160, seed: 11, percentiles: true })[0];
    const forecastSeries = generateTrendsData({ series: 5, runs: 160, seed: 11 })[4];
    detail.budget = { statistic: 'median', max: detail.runs[0].value * 1.2, spent: 0.1 };
    detail.forecast = forecastSeries.forecast && { ...forecastSeries.forecast, values: forecastSeries.forecast.values.map((v) => (v / forecastSeries.runs[0].value) * detail.runs[159].value) , lo: forecastSeries.forecast.lo.map((v) => (v / forecastSeries.runs[0].value) * detail.runs[159].value), hi: forecastSeries.forecast.hi.map((v) => (v / forecastSeries.runs[0].value) * detail.runs[159].value) };
    for (const theme of ['light', 'dark'] as const) {
      await openPage(page, harness.url(theme));
      await timeToRendered(page, { type: 'overview', series: [detail.series, ...overview200.slice(1, 60)], generatedAt: 0 }, 'overview');
      await page.screenshot({ path: join(workDir, `trends-overview-${theme}.png`) });
      await page.evaluate((id) => document.querySelector(`tr.row[data-id="${id}"]`)!.click(), detail.series.id);
      await timeToRendered(page, { type: 'detail', detail: packDetail(detail) }, 'detail');
      const overlay = page.locator('.chart-wrap svg.overlay');
      const b = (await overlay.boundingBox())!;
      await page.mouse.move(b.x + b.width * 0.62, b.y + b.height / 2);
      await page.waitForTimeout(100);
      await page.screenshot({ path: join(workDir, `trends-detail-${theme}.png`) });
    }
    await page.close();
  } finally {
    await browser.close();
    await harness.close();
  }

  const loadAtEnd = load();
  rows.push({ measurement: `machine load average (1 / 5 / 15 min): ${loadAtStart} at start, ${loadAtEnd} at end`, median_ms: '', p95_ms: '', loads: '' });
  const title = 'Trends panel (real Chromium)';
  const table = [
    `### ${title}`,
    '',
    '| measurement | median ms | p95 ms | n |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.measurement} | ${r.median_ms} | ${r.p95_ms} | ${r.loads} |`),
    '',
    '| target | goal | measured | met |',
    '|---|---|---|---|',
    ...targets.map((t) => `| ${t.what} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : 'NO'} |`),
  ].join('\n');
  console.log(table);
  writeFileSync(join(resultsDir, 'trends-paint.json'), JSON.stringify({ title, loadAverage: { start: loadAtStart, end: loadAtEnd }, rows, targets }, null, 2) + '\n');
  // Results used to be written under the old name; one file per benchmark.
  rmSync(join(resultsDir, 'trends.json'), { force: true });
}

main().catch((error) => {
  console.error(`trends-paint: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(1);
});
