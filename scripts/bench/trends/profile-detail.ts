/**
 * Where the 10,000-run detail chart spends its frames: drives the same zoom/pan loop as
 * trends-paint.ts under a Chromium trace and prints the time per trace event name
 * (style, layout, paint, raster, script...), the slowest frames and long animation frames.
 *
 *   npx tsx scripts/bench/trends/profile-detail.ts [--runs 10000]
 *
 * Environment: NO_TRACE=1 (intervals only), PROFILE=1 (script self time of the first
 * paint), PARENT=<event name> (what runs inside that trace event), FIRST_PAINT=1 (thread CPU
 * of the first paint only, by trace event), PLAIN=1 (post unpacked runs), CLONE=1 (time the
 * message's clone/JSON/postMessage costs), SHOT=<path prefix> (screenshots, all runs and 700; with SHOT_VIEWS=1 also percentiles, log y, x by time).
 */
import { chromium } from 'playwright-core';
import { join } from 'node:path';
import { generateTrendsData } from './sample-data';
import type { SeriesDetail } from '../../../src/protocol/trends';
import { packDetail } from '../../../src/protocol/trends-packing';
import { buildWebviewBundle, startHarness } from './harness';
import { markTypedArrays, REVIVE_TYPED_ARRAYS } from './typed-args';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
declare const requestAnimationFrame: (callback: (time: number) => void) => number;

interface TraceEvent { name: string; ph: string; dur?: number; tdur?: number; ts: number; tid: number; pid: number; cat: string }

async function main(): Promise<void> {
  const root = join(__dirname, '../../..');
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10_000;
  const built = await buildWebviewBundle(root, { minify: false });
  const big: SeriesDetail = generateTrendsData({ series: 6, runs, seed: 3, percentiles: true })[5];
  big.series = { ...big.series, id: 'big' };
  const harness = await startHarness({ script: built.script, style: built.style });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(harness.url('light'));
    for (let i = 0; i < 500 && !(await page.evaluate(() => window.__messages?.some((m: any) => m.message.type === 'ready'))); i++) await new Promise((r) => setTimeout(r, 20));
    await page.evaluate((s) => window.postMessage({ type: 'overview', series: [s], generatedAt: 0 }, '*'), big.series);
    await page.waitForTimeout(300);
    await page.evaluate(() => document.querySelector('tr.row[data-id="big"]').click());
    await page.evaluate(REVIVE_TYPED_ARRAYS);
    const client = await page.context().newCDPSession(page);
    const events: TraceEvent[] = [];
    client.on('Tracing.dataCollected', (e) => {
      events.push(...(e.value as unknown as TraceEvent[]));
    });
    const done = new Promise<void>((resolve) => client.once('Tracing.tracingComplete', () => resolve()));
    if (!process.env.NO_TRACE) await client.send('Tracing.start', {
      categories: 'devtools.timeline,disabled-by-default-devtools.timeline,disabled-by-default-devtools.timeline.frame,blink,cc,viz,v8',
      transferMode: 'ReportEvents',
    });
    const profiling = Boolean(process.env.PROFILE);
    if (profiling) {
      await client.send('Profiler.enable');
      await client.send('Profiler.setSamplingInterval', { interval: 200 });
      await client.send('Profiler.start');
    }
    if (process.env.CLONE) {
      console.log(await page.evaluate(async (arg) => {
        const detail = window.__reviveTypedArrays(arg);
        const t0 = performance.now();
        structuredClone(detail);
        const t1 = performance.now();
        const json = JSON.stringify(detail);
        const t2 = performance.now();
        JSON.parse(json);
        const t3 = performance.now();
        const got = new Promise<number>((r) => window.addEventListener('message', function once(e: any) { if (e.data?.probe) { window.removeEventListener('message', once); r(performance.now()); } }));
        const t4 = performance.now();
        window.postMessage({ probe: true, detail }, '*');
        const t5 = await got;
        return `packed value is ${detail.packedRuns?.value?.constructor?.name}; structuredClone ${(t1 - t0).toFixed(1)} ms, JSON.stringify ${(t2 - t1).toFixed(1)} ms (${json.length} chars), JSON.parse ${(t3 - t2).toFixed(1)} ms, postMessage→listener ${(t5 - t4).toFixed(1)} ms`;
      }, process.env.PLAIN ? big : markTypedArrays(packDetail(big))));
    }
    if (process.env.WHO_DRAWS) {
      await page.evaluate(() => {
        const chart = window.perfPulseTrends.chart;
        const original = chart.drawNow.bind(chart);
        window.__drawStacks = [];
        chart.drawNow = () => {
          window.__drawStacks.push(String(new Error().stack).split('\n').slice(2, 7).map((l: string) => l.trim().split(' (')[0]).join(' < '));
          original();
        };
      });
    }
    if (process.env.TIME_METHODS) {
      await page.evaluate(() => {
        const chart = window.perfPulseTrends.chart;
        window.__methodMs = {};
        for (const name of ['setData', 'drawNow', 'drawCanvas', 'drawColumns', 'drawAxes', 'positionAnnotations', 'computeY', 'buildAnnotations', 'summary', 'resize', 'applyDomain']) {
          const original = chart[name].bind(chart);
          chart[name] = (...args: unknown[]) => {
            const t0 = performance.now();
            try {
              return original(...args);
            } finally {
              window.__methodMs[name] = (window.__methodMs[name] ?? 0) + performance.now() - t0;
            }
          };
        }
      });
    }
    const paint = await page.evaluate(async (arg) => {
      const detail = window.__reviveTypedArrays(arg);
      const t0 = performance.now();
      window.postMessage({ type: 'detail', detail }, '*');
      const posted = performance.now();
      for (;;) {
        const hit = window.__messages.find((m: any) => m.at > t0 && m.message.type === 'rendered' && m.message.view === 'detail');
        const mark = (name: string) => (performance.getEntriesByName(name).pop()?.startTime ?? NaN) - t0;
        if (hit) return { total: hit.at - t0, posted: posted - t0, received: mark('pp-detail-received'), handled: mark('pp-detail-handled') };
        await new Promise((r) => setTimeout(r, 2));
      }
    }, process.env.PLAIN ? big : markTypedArrays(packDetail(big)));
    if (process.env.FIRST_PAINT && !process.env.NO_TRACE) {
      // Trace of the first paint alone: thread CPU by event name.
      await client.send('Tracing.end');
      await done;
      const byName = new Map<string, number>();
      for (const e of events) if (e.ph === 'X' && e.tdur) byName.set(e.name, (byName.get(e.name) ?? 0) + e.tdur / 1000);
      for (const [name, t] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${t.toFixed(1).padStart(8)} ms thread CPU  ${name}`);
      return;
    }
    if (process.env.WHO_DRAWS) console.log((await page.evaluate(() => window.__drawStacks)).join('\n'));
    if (process.env.TIME_METHODS) console.log('chart methods (inclusive ms):', JSON.stringify(await page.evaluate(() => window.__methodMs), (_, v) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v)));
    console.log(`chart frames drawn by the first paint: ${await page.evaluate(() => window.perfPulseTrends.chart.drawCount)}`);
    console.log(`detail first paint ${paint.total.toFixed(1)} ms: postMessage returned ${paint.posted.toFixed(1)}, handler started ${paint.received.toFixed(1)}, handler done ${paint.handled.toFixed(1)}`);
    if (profiling) {
    const { profile } = (await client.send('Profiler.stop')) as { profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[]; samples: number[]; timeDeltas: number[] } };
    const self = new Map<number, number>();
    profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
    const byName = new Map<string, number>();
    for (const node of profile.nodes) {
      const key = `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber}`;
      byName.set(key, (byName.get(key) ?? 0) + (self.get(node.id) ?? 0));
    }
    console.log('first paint, script self time:');
    for (const [name, t] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${t.toFixed(1).padStart(8)} ms  ${name}`);
    }
    await page.waitForTimeout(300);
    if (process.env.SHOT) {
      await page.screenshot({ path: `${process.env.SHOT}-all.png` });
      await page.evaluate(() => window.perfPulseTrends.chart.zoomTo([6000, 6700]));
      await page.waitForTimeout(200);
      await page.screenshot({ path: `${process.env.SHOT}-700.png` });
      await page.evaluate(() => window.perfPulseTrends.chart.resetZoom());
      if (process.env.SHOT_VIEWS) {
        for (const selector of ['button[role="tab"][data-value="percentiles"]', 'button[data-value="log"]', 'button[data-value="time"]']) await page.locator(selector).click();
        await page.waitForTimeout(300);
        await page.screenshot({ path: `${process.env.SHOT}-percentiles-log-time.png` });
        for (const selector of ['button[role="tab"][data-value="runs"]', 'button[data-value="linear"]', 'button[data-value="run"]']) await page.locator(selector).click();
      }
    }
    const frames = await page.evaluate(async () => {
      const chart = window.perfPulseTrends.chart;
      const intervals: number[] = [];
      const laf: { duration: number; blocking: number; render: number; style: number }[] = [];
      const observer = new (window as any).PerformanceObserver((list: any) => {
        for (const e of list.getEntries()) laf.push({ duration: e.duration, blocking: e.blockingDuration, render: e.renderStart ? e.startTime + e.duration - e.renderStart : 0, style: e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0 });
      });
      try { observer.observe({ type: 'long-animation-frame', buffered: false }); } catch { /* unsupported */ }
      const nextFrame = () => new Promise<number>((r) => requestAnimationFrame((t) => r(t)));
      let last = await nextFrame();
      const ops: (() => void)[] = [];
      for (let i = 0; i < 30; i++) ops.push(() => chart.zoomBy(1.12));
      for (let i = 0; i < 40; i++) ops.push(() => chart.panBy(i < 20 ? -0.05 : 0.05));
      for (let i = 0; i < 30; i++) ops.push(() => chart.zoomBy(1 / 1.12));
      for (const op of ops) {
        op();
        chart.flush();
        const t = await nextFrame();
        intervals.push(t - last);
        last = t;
      }
      await new Promise((r) => setTimeout(r, 100));
      observer.disconnect();
      return { intervals, laf };
    });
    if (!process.env.NO_TRACE) {
      await client.send('Tracing.end');
      await done;
    }
    const sorted = [...frames.intervals].sort((a, b) => a - b);
    console.log(`frame intervals: median ${sorted[50].toFixed(1)} p95 ${sorted[94].toFixed(1)} max ${sorted[99].toFixed(1)}`);
    console.log('slow frames (index: ms):', frames.intervals.map((v, i) => [i, v]).filter(([, v]) => v > 34).map(([i, v]) => `${i}:${v.toFixed(0)}`).join(' '));
    console.log(`long animation frames: ${frames.laf.length}`, frames.laf.slice(0, 12).map((l) => `${l.duration.toFixed(0)}(render ${l.render.toFixed(0)}, style+layout ${l.style.toFixed(0)})`).join(' '));
    // Thread CPU time (tdur) of the stages of a frame: unlike wall time, it does not grow
    // when other processes compete for the cores.
    const stages = ['FireAnimationFrame', 'UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'LayerTreeHost::DoUpdateLayers', 'RasterTask', 'Display::DrawAndSwap', 'MinorGC', 'MajorGC'];
    const cpu = stages.map((name) => {
      const list = events.filter((e) => e.ph === 'X' && e.name === name);
      return `${name} ${(list.reduce((sum, e) => sum + (e.tdur ?? 0), 0) / 1000).toFixed(0)}`;
    });
    console.log(`thread CPU ms over the 100 frames: ${cpu.join(' · ')}`);
    // Long stages: wall time far above thread time means the thread waited for a core.
    const long = events.filter((e) => e.ph === 'X' && stages.includes(e.name) && (e.dur ?? 0) > 20_000).sort((a, b) => b.dur! - a.dur!).slice(0, 12);
    console.log(`longest stages (wall / thread ms): ${long.map((e) => `${e.name} ${(e.dur! / 1000).toFixed(0)}/${((e.tdur ?? 0) / 1000).toFixed(0)}`).join(', ')}`);
    const totals = new Map<string, { total: number; count: number; max: number }>();
    for (const e of events) {
      if (e.ph !== 'X' || !e.dur) continue;
      const t = totals.get(e.name) ?? { total: 0, count: 0, max: 0 };
      t.total += e.dur / 1000;
      t.count++;
      t.max = Math.max(t.max, e.dur / 1000);
      totals.set(e.name, t);
    }
    const parentName = process.env.PARENT;
    if (parentName) {
      const parents = events.filter((e) => e.ph === 'X' && e.name === parentName && e.dur);
      const kids = new Map<string, number>();
      for (const e of events) {
        if (e.ph !== 'X' || !e.dur || e.name === parentName) continue;
        if (parents.some((p) => p.tid === e.tid && p.pid === e.pid && e.ts >= p.ts && e.ts + e.dur! <= p.ts + p.dur!)) kids.set(e.name, (kids.get(e.name) ?? 0) + e.dur / 1000);
      }
      console.log(`inside ${parentName}:`);
      for (const [name, t] of [...kids].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${t.toFixed(1).padStart(9)} ms  ${name}`);
    }
    const top = [...totals].sort((a, b) => b[1].total - a[1].total).slice(0, 40);
    for (const [name, t] of top) console.log(`${t.total.toFixed(1).padStart(9)} ms  ${String(t.count).padStart(6)}×  max ${t.max.toFixed(1).padStart(7)}  ${name}`);
  } finally {
    await browser.close();
    await harness.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
