// Workspace trust, in a real VS Code driven from outside: in an untrusted (restricted) folder
// Perf Pulse still shows the history and its findings, but runs nothing.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { machineFingerprintSync } from '../../src/core/env/machine';
import type { RunRecord } from '../../src/core/model';
import { seriesIdOf } from '../../src/core/series-id';
import { HistoryStore } from '../../src/core/store/history-store';
import { closeQuickInput, copyFixture, openVSCode, screenshot, screenshotPath, searchCommandPalette, type VSCodeSession } from './vscode';

/** The basic fixture with a history whose `sort` series got 30% slower at run 30. */
async function untrustedWorkspace(): Promise<{ folder: string; history: string }> {
  const folder = copyFixture('basic');
  const history = path.join(folder, '.perfpulse', 'history');
  const machine = machineFingerprintSync();
  const records: RunRecord[] = Array.from({ length: 42 }, (_, i) => {
    const level = i < 30 ? 0.01 : 0.013;
    const samples = Array.from({ length: 5 }, (_, k) => level * (1 + 0.005 * Math.sin(i * 5 + k)));
    return {
      v: 1,
      id: `sort-${i}`,
      seriesId: seriesIdOf('sort', 'time', machine.id),
      name: 'sort',
      metric: 'time',
      unit: 's',
      direction: 'smaller',
      value: [...samples].sort((a, b) => a - b)[2],
      samples,
      timestamp: Date.UTC(2026, 0, 1) + i * 3_600_000,
      vcs: { commit: (i + 1).toString(16).padStart(40, 'a'), branch: 'main' },
      machine,
      source: 'benchmark',
    };
  });
  const store = await HistoryStore.open(history);
  await store.append(records);
  await store.close();
  return { folder, history };
}

async function runCount(history: string): Promise<number> {
  const store = await HistoryStore.open(history);
  try {
    return store.listSeries().reduce((n, s) => n + s.runs, 0);
  } finally {
    await store.close();
  }
}

describe('an untrusted workspace (VS Code driven from outside)', function () {
  let session: VSCodeSession;
  let workspace: { folder: string; history: string };

  before(async function () {
    workspace = await untrustedWorkspace();
    session = await openVSCode(workspace.folder, { untrusted: true, theme: 'Default Light Modern' });
  });

  after(async () => {
    await session?.close();
  });

  it('opens in restricted mode', async () => {
    await session.page.getByText('Restricted Mode').first().waitFor({ state: 'visible', timeout: 60_000 });
  });

  it('still shows the findings of the history in the status bar', async () => {
    const item = session.page.locator('[id="perf-pulse.perf-pulse.perfPulse.status"], .statusbar-item[aria-label^="Perf Pulse"]').first();
    await item.waitFor({ state: 'visible', timeout: 90_000 });
    await session.page.waitForFunction(
      () => Array.from(document.querySelectorAll('.statusbar-item')).some((e) => /1 regression/.test(e.textContent ?? '')),
      undefined,
      { timeout: 90_000 },
    );
  });

  it('runs no benchmark: the run commands are not offered, and nothing is recorded', async () => {
    const before = await runCount(workspace.history);
    const labels = await searchCommandPalette(session.page, 'Perf Pulse: ', { until: (l) => l.some((x) => x.startsWith('Perf Pulse: Show Trends')) });
    await screenshot(session.page, screenshotPath('untrusted-palette.png'));
    await closeQuickInput(session.page);
    for (const title of ['Perf Pulse: Run All Benchmarks', 'Perf Pulse: Run Benchmark…', 'Perf Pulse: Compare Working Tree with HEAD']) {
      assert.ok(!labels.some((l) => l.startsWith(title)), `"${title}" is offered in restricted mode: ${labels.join(' | ')}`);
    }
    assert.ok(labels.some((l) => l.startsWith('Perf Pulse: Show Trends')), 'showing the history stays available');
    // Tasks and terminal capture are off too: nothing may have been added to the history meanwhile.
    await session.page.waitForTimeout(3_000);
    assert.equal(await runCount(workspace.history), before);
    assert.ok(!fs.existsSync(path.join(workspace.folder, 'dist')), 'no build ran');
  });
});

// Functions passed to waitForFunction run in the browser; the project's Node types have no DOM.
declare const document: { querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> };
