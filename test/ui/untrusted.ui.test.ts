// Workspace trust, in a real VS Code driven from outside: in an untrusted (restricted) folder
// Perf Pulse still shows the history and its findings, but runs nothing. The folder is a
// hostile git repository: its fsmonitor hook and hooks would create a marker file if git ran
// there, and the commits of its history records spell `--output=…`, which would empty a file
// outside the workspace if they reached `git diff`.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { machineFingerprintSync } from '../../src/core/env/machine';
import type { RunRecord } from '../../src/core/model';
import { seriesIdOf } from '../../src/core/series-id';
import { HistoryStore } from '../../src/core/store/history-store';
import { closeQuickInput, copyFixture, openVSCode, runCommandFromPalette, screenshot, screenshotPath, searchCommandPalette, type VSCodeSession } from './vscode';

interface HostileWorkspace {
  folder: string;
  history: string;
  /** A file outside the workspace that `git diff --output=…` would empty. */
  target: string;
  targetBytes: string;
  /** Created by the repository's fsmonitor hook or hooks if git runs them. */
  marker: string;
}

function fixtureGit(cwd: string, ...args: string[]): void {
  execFileSync('git', args, {
    cwd,
    stdio: 'ignore',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Fixture', GIT_AUTHOR_EMAIL: 'f@example.invalid', GIT_COMMITTER_NAME: 'Fixture', GIT_COMMITTER_EMAIL: 'f@example.invalid' },
  });
}

/** The basic fixture as a hostile git repository, with a history whose `sort` series got 30% slower at run 30. */
async function untrustedWorkspace(): Promise<HostileWorkspace> {
  const folder = copyFixture('basic');
  const outside = path.dirname(folder);
  const target = path.join(outside, 'victim.txt');
  const targetBytes = 'bytes that must survive\n';
  fs.writeFileSync(target, targetBytes);
  const marker = path.join(outside, 'hook-ran');
  fixtureGit(outside, 'init', '--quiet', folder);
  fixtureGit(folder, 'add', '-A');
  fixtureGit(folder, 'commit', '--quiet', '-m', 'fixture');
  // What the folder ships: a hook script, configured as fsmonitor and as every hook.
  const hook = path.join(folder, '.perfpulse-hook.sh');
  fs.writeFileSync(hook, `#!/bin/sh\necho "$0 $*" >> '${marker}'\nexit 0\n`, { mode: 0o755 });
  fixtureGit(folder, 'config', 'core.fsmonitor', hook);
  for (const name of ['post-checkout', 'reference-transaction', 'pre-push', 'post-index-change']) {
    fs.writeFileSync(path.join(folder, '.git', 'hooks', name), `#!/bin/sh\nexec '${hook}' ${name}\n`, { mode: 0o755 });
  }
  const history = path.join(folder, '.perfpulse', 'history');
  // `git diff --stat FROM..TO` with FROM `--output=<folder>/.`…`/` and TO `/victim.txt` writes to
  // <folder>/…/../victim.txt, the target: the call the notifier made for this regression.
  // The runs after the change share one "commit", the newest: the regression is new, so it is one to tell about.
  const hostileCommit = (i: number) => (i < 30 ? `--output=${folder}/${'./'.repeat(i)}` : '/victim.txt');
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
      vcs: { commit: hostileCommit(i), branch: 'main' },
      machine,
      source: 'benchmark',
    };
  });
  const store = await HistoryStore.open(history);
  await store.append(records);
  await store.close();
  return { folder, history, target, targetBytes, marker };
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
  let workspace: HostileWorkspace;

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

  it("says only that Perf Pulse does not run in Restricted Mode: no text of the history's commits, and git never runs", async () => {
    // The history came with the repository: its `--output=…` commits must reach neither git nor the screen.
    const toasts = () =>
      session.page.evaluate(() => Array.from(document.querySelectorAll('.notification-toast, .notifications-list-container .monaco-list-row')).map((e) => e.textContent ?? ''));
    await session.page.waitForFunction(
      () => Array.from(document.querySelectorAll('.notification-toast, .notifications-list-container .monaco-list-row')).some((e) => /Perf Pulse does not run in Restricted Mode/.test(e.textContent ?? '')),
      undefined,
      { timeout: 90_000 },
    );
    await screenshot(session.page, screenshotPath('untrusted-notification.png'));
    const perfPulse = (await toasts()).filter((t) => /Perf Pulse/.test(t));
    for (const text of perfPulse) {
      assert.ok(!/output|victim|\/\.\/|\.\/\./.test(text), `a notification shows part of a commit string from the history: ${text}`);
      assert.match(text, /Perf Pulse does not run in Restricted Mode\./, `a Perf Pulse notification other than the Restricted Mode one: ${text}`);
    }
    assert.equal(fs.readFileSync(workspace.target, 'utf8'), workspace.targetBytes, 'the file outside the workspace keeps its bytes');
    assert.ok(!fs.existsSync(workspace.marker), `git ran the repository's programs: ${fs.existsSync(workspace.marker) ? fs.readFileSync(workspace.marker, 'utf8') : ''}`);
  });

  it("puts no perf-pulse on the terminal's PATH in Restricted Mode", async () => {
    const { page } = session;
    await runCommandFromPalette(page, 'Terminal: Create New Terminal');
    await page.locator('.terminal-wrapper .xterm').first().waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForTimeout(1_500);
    await page.locator('.terminal-wrapper .xterm').first().click();
    const probe = path.join(path.dirname(workspace.folder), 'pp-path.txt');
    await page.keyboard.type(`{ command -v perf-pulse || echo no-perf-pulse; printf 'history=%s\\n' "\${PERF_PULSE_HISTORY-unset}"; echo end; } > '${probe}'\n`, { delay: 5 });
    const deadline = Date.now() + 60_000;
    while (!(fs.existsSync(probe) && fs.readFileSync(probe, 'utf8').includes('end')) && Date.now() < deadline) await page.waitForTimeout(300);
    // Shell integration's own escape sequences may land in the file too: look for the lines.
    const text = fs.readFileSync(probe, 'utf8');
    assert.match(text, /no-perf-pulse\nhistory=unset\nend\n$/, text);
  });

  it('exports a report without running git (no `git status`, so no fsmonitor hook)', async () => {
    const report = path.join(workspace.folder, 'perf-pulse-report.md');
    await runCommandFromPalette(session.page, 'Perf Pulse: Export Report…');
    const quickInput = session.page.locator('.quick-input-widget');
    await quickInput.locator('.monaco-list-row', { hasText: 'Markdown' }).first().click({ timeout: 30_000 });
    // code-server's save dialog is a quick input prefilled with the default path: accept it.
    const input = quickInput.locator('input');
    await session.page.waitForFunction(
      () => Array.from(document.querySelectorAll('.quick-input-widget input')).some((e) => /perf-pulse-report\.md$/.test((e as unknown as { value: string }).value ?? '')),
      undefined,
      { timeout: 30_000 },
    );
    await input.press('Enter');
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(report) && Date.now() < deadline) await session.page.waitForTimeout(250);
    assert.ok(fs.existsSync(report), 'the report was written');
    assert.match(fs.readFileSync(report, 'utf8'), /sort/);
    await session.page.waitForTimeout(2_000);
    assert.ok(!fs.existsSync(workspace.marker), `git ran the repository's programs: ${fs.existsSync(workspace.marker) ? fs.readFileSync(workspace.marker, 'utf8') : ''}`);
    assert.equal(fs.readFileSync(workspace.target, 'utf8'), workspace.targetBytes);
  });
});

// Functions passed to waitForFunction run in the browser; the project's Node types have no DOM.
declare const document: { querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> };
