// The flame graph in the trends panel, in a real VS Code (code-server in headless Chromium):
// "Perf Pulse: Profile Benchmark" profiles the node fixture's benchmark for real and opens the
// panel on its profile; the test finds frames by name, searches, zooms with the keyboard,
// switches to the table, then opens a differential profile (base vs the fixture's slowed
// checksum, both captured with V8 and stored beside the history) and takes screenshots.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Frame } from 'playwright-core';
import { captureProfile, type CapturedProfile } from '../../src/core/profile/capture';
import { saveProfile } from '../../src/core/profile/store';
import { machineFingerprintSync } from '../../src/core/env/machine';
import type { RunRecord } from '../../src/core/model';
import { seriesIdOf } from '../../src/core/series-id';
import { HistoryStore } from '../../src/core/store/history-store';
import { makeTempDir } from '../../scripts/vscode-test/host';
import { copyFixture, openVSCode, runCommandFromPalette, screenshot, screenshotPath, webviewFrame, type VSCodeSession } from './vscode';

declare const document: { activeElement: { getAttribute(name: string): string | null } | null };

const BASE_COMMIT = 'a'.repeat(40);
const HEAD_COMMIT = 'b'.repeat(40);

/** The node profile fixture with a recorded history of its `work` benchmark and a stored differential profile. */
async function workspace(base: CapturedProfile, head: CapturedProfile): Promise<string> {
  const folder = copyFixture('profile/node', path.join(makeTempDir('flame-ws'), 'node'));
  const machine = machineFingerprintSync();
  const records: RunRecord[] = Array.from({ length: 12 }, (_, i) => ({
    v: 1,
    id: `work-${i}`,
    seriesId: seriesIdOf('work', 'time', machine.id),
    name: 'work',
    metric: 'time',
    unit: 's',
    direction: 'smaller',
    value: 0.5 + (i >= 8 ? 0.1 : 0),
    timestamp: Date.UTC(2026, 0, 1) + i * 3_600_000,
    vcs: { commit: (i >= 8 ? HEAD_COMMIT : BASE_COMMIT), branch: 'main' },
    machine,
    source: 'benchmark',
  }));
  const historyDir = path.join(folder, '.perfpulse', 'history');
  const store = await HistoryStore.open(historyDir);
  await store.append(records);
  await store.close();
  const retention = { keepSamplesRuns: 50, maxAgeDays: 0 };
  const at = Date.now() - 60_000;
  await saveProfile(historyDir, { benchmark: 'work', profiler: base.profile.profiler, timestamp: at, per: base.per, commit: BASE_COMMIT }, base.profile, retention);
  await saveProfile(historyDir, { benchmark: 'work', profiler: head.profile.profiler, timestamp: at + 1, per: head.per, commit: HEAD_COMMIT, baseCommit: BASE_COMMIT }, head.profile, retention);
  return folder;
}

const frameNamed = (frame: Frame, name: string) => frame.locator(`svg.flame g.frame[data-name="${name}"]`).first();

async function activeName(frame: Frame): Promise<string | null> {
  return frame.evaluate(() => document.activeElement?.getAttribute('data-name') ?? null);
}

describe('flame graph in the trends panel (real VS Code)', function () {
  let base: CapturedProfile;
  let head: CapturedProfile;

  before(async function () {
    // Real V8 profiles of the fixture before and after the commit that slows `checksum`.
    const bench = { name: 'work', command: 'node bench.js' } as Parameters<typeof captureProfile>[0];
    const fast = copyFixture('profile/node', path.join(makeTempDir('flame-base'), 'node'));
    base = await captureProfile(bench, { workspace: fast });
    const slow = copyFixture('profile/node', path.join(makeTempDir('flame-head'), 'node'));
    fs.copyFileSync(path.join(slow, 'slow', 'work.js'), path.join(slow, 'work.js'));
    head = await captureProfile(bench, { workspace: slow });
  });

  for (const theme of ['dark', 'light'] as const) {
    describe(`${theme} theme`, function () {
      let session: VSCodeSession;
      let frame: Frame;
      const shot = (name: string) => screenshotPath(theme === 'dark' ? `${name}.png` : `${name}-light.png`);

      before(async function () {
        session = await openVSCode(await workspace(base, head), { theme: theme === 'light' ? 'Default Light Modern' : 'Default Dark Modern', viewport: { width: 1400, height: 900 } });
      });

      after(async () => {
        await session?.close();
      });

      it('profiles the benchmark and opens the panel on its flame graph, frames named', async () => {
        await runCommandFromPalette(session.page, 'Perf Pulse: Profile Benchmark');
        const pick = session.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'work' }).first();
        await pick.waitFor({ state: 'visible', timeout: 30_000 });
        await pick.click();
        frame = await webviewFrame(session.page, { timeout: 120_000 });
        await frameNamed(frame, 'checksum').waitFor({ state: 'attached', timeout: 120_000 });
        for (const name of ['checksum', 'parseRecords', 'sortNumbers']) assert.equal(await frameNamed(frame, name).count(), 1, `a frame named ${name}`);
        assert.match((await frame.locator('.profile-summary').textContent()) ?? '', /^v8 profile of work/);
        assert.match((await frameNamed(frame, 'checksum').getAttribute('aria-label')) ?? '', /^checksum \(work\.js:\d+\): total .*of the time/);
      });

      it('highlights the frames a search matches', async () => {
        await frame.locator('input[aria-label="Search functions in the profile"]').fill('sortnum');
        await frame.locator('svg.flame g.frame.match').first().waitFor({ state: 'attached', timeout: 10_000 });
        assert.deepEqual([...new Set(await frame.locator('svg.flame g.frame.match').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-name'))))], ['sortNumbers']);
        assert.ok((await frame.locator('svg.flame g.frame.dim[data-name="checksum"]').count()) === 1, 'frames that do not match are dimmed');
        assert.match((await frame.locator('.search-note').textContent()) ?? '', /^1 frames? match · \d+\.\d% of the time shown$/);
        await frame.locator('input[aria-label="Search functions in the profile"]').fill('');
        assert.equal(await frame.locator('svg.flame g.frame.match').count(), 0);
      });

      it('zooms into a frame with Enter, moves with the arrows and zooms out with Escape', async () => {
        const checksum = frameNamed(frame, 'checksum');
        const fullWidth = Number(await frame.locator('svg.flame').getAttribute('width'));
        const before = Number(await checksum.locator('rect').getAttribute('width'));
        assert.ok(before < fullWidth * 0.9, `checksum is a part of the graph before zooming (${before} of ${fullWidth})`);
        await checksum.focus();
        await checksum.press('Enter');
        await frame.locator('svg.flame g.frame.focus[data-name="checksum"]').waitFor({ state: 'attached', timeout: 10_000 });
        const after = Number(await frameNamed(frame, 'checksum').locator('rect').getAttribute('width'));
        assert.ok(after >= fullWidth - 2, `zoomed, checksum spans the width (${after} of ${fullWidth})`);
        assert.equal(await frame.locator('svg.flame g.frame[data-name="sortNumbers"]').count(), 0, 'siblings are out of view when zoomed');
        assert.equal(await activeName(frame), 'checksum', 'the zoomed frame keeps the keyboard focus');
        await session.page.keyboard.press('ArrowUp');
        const caller = await activeName(frame);
        assert.ok(caller && caller !== 'checksum', 'ArrowUp moves to the caller');
        await session.page.keyboard.press('ArrowDown');
        assert.equal(await activeName(frame), 'checksum', 'ArrowDown comes back to the callee');
        await session.page.keyboard.press('Escape');
        await frame.locator('svg.flame g.frame[data-name="sortNumbers"]').waitFor({ state: 'attached', timeout: 10_000 });
        assert.equal(await frame.locator('svg.flame g.frame.focus[data-name="checksum"]').count(), 0, 'Escape zoomed out');
        await frame.locator('button', { hasText: 'Reset zoom' }).last().click();
        // The profile's and the regression's notifications would cover the graph.
        await runCommandFromPalette(session.page, 'Notifications: Clear All Notifications');
        await screenshot(session.page, shot('flame-graph'));
      });

      it('shows the functions as a sortable table with focusable rows', async () => {
        await frame.locator('button[data-value="table"]').click();
        await frame.locator('table.profile-table tr.fn').first().waitFor({ state: 'attached', timeout: 10_000 });
        const names = await frame.locator('table.profile-table tr.fn').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
        for (const name of ['checksum', 'parseRecords', 'sortNumbers']) assert.ok(names.includes(name), `the table lists ${name}`);
        await frame.locator('table.profile-table button[data-sort="name"]').click();
        assert.equal(await frame.locator('table.profile-table th[aria-sort="ascending"] button[data-sort="name"]').count(), 1);
        const sorted = await frame.locator('table.profile-table tr.fn').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name') ?? ''));
        assert.deepEqual(sorted, [...sorted].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()) || a.localeCompare(b)));
        await frame.locator('table.profile-table tr.fn').first().focus();
        await session.page.keyboard.press('ArrowDown');
        assert.equal(await activeName(frame), sorted[1], 'ArrowDown moves to the next row');
        await frame.locator('button[data-value="flame"]').click();
      });

      it('draws the differential profile: checksum, which the commit slowed, the reddest', async () => {
        await frame.locator('button[data-value="diff"]').click();
        await frame.locator('svg.flame g.frame.diff-slower[data-name="checksum"]').waitFor({ state: 'attached', timeout: 10_000 });
        const opacities = await frame.locator('svg.flame g.frame.diff-slower').evaluateAll((gs) =>
          gs.map((g) => ({ name: g.getAttribute('data-name'), opacity: Number(g.querySelector('rect')?.getAttribute('fill-opacity')) })),
        );
        const reddest = opacities.reduce((m, x) => (x.opacity > m.opacity ? x : m));
        assert.equal(reddest.name, 'checksum', JSON.stringify(opacities));
        assert.match((await frame.locator('.profile-summary').textContent()) ?? '', /^Differential profile of work: .* at aaaaaaa → .* now/);
        await runCommandFromPalette(session.page, 'Notifications: Clear All Notifications');
        await screenshot(session.page, shot('flame-graph-diff'));
      });
    });
  }
});
