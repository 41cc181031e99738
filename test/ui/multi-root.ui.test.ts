// A multi-root workspace in a real VS Code driven from outside: two folders, each with its own
// perfpulse.json, history, findings and settings. `beta` keeps its history where its own folder
// settings say (perfPulse.history.path, a resource-scoped setting), `alpha` in .perfpulse/history.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { HistoryStore } from '../../src/core/store/history-store';
import { makeTempDir } from '../../scripts/vscode-test/host';
import { copyFixture, openVSCode, runCommandFromPalette, screenshot, screenshotPath, type VSCodeSession } from './vscode';
import { seededSeries, viewHistory, writeHistory } from './support/seeded-history';
import { openPerfPulseView, waitForRows, widenSidebar } from './support/view-helpers';

async function runsOf(history: string, name: string): Promise<number> {
  if (!fs.existsSync(history)) return 0;
  const store = await HistoryStore.open(history);
  try {
    return store.listSeries().filter((s) => s.name === name).reduce((n, s) => n + s.runs, 0);
  } finally {
    await store.close();
  }
}

describe('a multi-root workspace (VS Code driven from outside)', function () {
  let session: VSCodeSession;
  let root: string;
  const alpha = () => path.join(root, 'alpha');
  const beta = () => path.join(root, 'beta');
  const alphaHistory = () => path.join(alpha(), '.perfpulse', 'history');
  const betaHistory = () => path.join(beta(), 'perf-history');

  before(async function () {
    root = path.join(makeTempDir('multi'), 'multi');
    copyFixture('view', alpha());
    copyFixture('basic', beta());
    await writeHistory(alphaHistory(), viewHistory('alpha'));
    // beta: its own settings put the history in perf-history/; its `sort` is flat, unlike alpha's.
    fs.mkdirSync(path.join(beta(), '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(beta(), '.vscode', 'settings.json'), JSON.stringify({ 'perfPulse.history.path': 'perf-history' }, null, 2));
    await writeHistory(betaHistory(), [
      ...seededSeries('sort', Array.from({ length: 30 }, () => 0.012), { salt: 'beta' }),
      ...seededSeries('beta-only', Array.from({ length: 30 }, (_, i) => (i < 10 ? 0.03 : 0.04)), { salt: 'beta' }),
    ]);
    const workspaceFile = path.join(root, 'multi.code-workspace');
    fs.writeFileSync(workspaceFile, JSON.stringify({ folders: [{ path: 'alpha' }, { path: 'beta' }], settings: {} }, null, 2));
    session = await openVSCode(workspaceFile, { theme: 'Default Light Modern', viewport: { width: 1400, height: 900 } });
  });

  after(async () => {
    await session?.close();
  });

  it('shows each folder with its own findings, from its own history', async () => {
    const { page } = session;
    await openPerfPulseView(page);
    await widenSidebar(page, 640);
    const rows = await waitForRows(page, 'both folders with their series', (r) => r.some((x) => /^alpha \d/.test(x)) && r.some((x) => /^beta \d/.test(x)) && r.some((x) => x.startsWith('beta-only')) && r.some((x) => x.startsWith('sort +25%')));
    const at = (prefix: string) => rows.findIndex((r) => r.startsWith(prefix));
    assert.match(rows[at('alpha')], /^alpha 1 new · 1 standing/);
    assert.match(rows[at('beta')], /^beta 1 standing/);
    // alpha's sort is a new regression; beta's sort (another folder, another history) is healthy.
    const sortRows = rows.filter((r) => /^sort /.test(r));
    assert.equal(sortRows.length, 2, rows.join(' | '));
    assert.ok(at('sort +25%') > at('alpha') && at('sort +25%') < at('beta'), `alpha's sort under alpha: ${rows.join(' | ')}`);
    const betaSort = rows.findIndex((r, i) => i > at('beta') && /^sort 12(\.\d+)? ms/.test(r));
    assert.ok(betaSort > at('beta'), `beta's flat sort under beta: ${rows.join(' | ')}`);
    assert.ok(at('beta-only') > at('beta'));
    await screenshot(page, screenshotPath('perf-pulse-multi-root.png'));
  });

  it("runs a folder's benchmarks into that folder's history only", async () => {
    const { page } = session;
    const alphaBefore = await runsOf(alphaHistory(), 'noop');
    const betaBefore = await runsOf(betaHistory(), 'noop');
    const betaRow = page.locator('.part.sidebar .pane-body .monaco-list-row', { has: page.locator('.label-name', { hasText: /^beta$/ }) }).first();
    await betaRow.hover();
    await betaRow.locator('.actions .action-label[aria-label^="Run All Benchmarks"]').click();
    const deadline = Date.now() + 180_000;
    while ((await runsOf(betaHistory(), 'noop')) <= betaBefore && Date.now() < deadline) await page.waitForTimeout(1_000);
    assert.ok((await runsOf(betaHistory(), 'noop')) > betaBefore, 'beta gained a noop run in its own history folder');
    assert.equal(await runsOf(alphaHistory(), 'noop'), alphaBefore, "alpha's history is untouched");
    assert.ok(!fs.existsSync(path.join(beta(), '.perfpulse')), "beta's runs did not go to the default place");
    // beta's view gained its noop series (too few runs to judge yet); alpha's noop stays as it was.
    const rows = await waitForRows(page, "beta's new run", (r) => r.some((x, i) => i > r.findIndex((y) => /^beta /.test(y)) && /^noop .*more runs? to tell$/.test(x)));
    assert.ok(rows.some((x, i) => i < rows.findIndex((y) => /^beta /.test(y)) && /^noop .*· 60 runs$/.test(x)), rows.join(' | '));
  });

  it("gives a folder's terminal that folder's history", async () => {
    const { page } = session;
    // The run's notifications would cover the folder pick.
    await runCommandFromPalette(page, 'Notifications: Clear All Notifications');
    await runCommandFromPalette(page, 'Terminal: Create New Terminal');
    // In a multi-root workspace VS Code asks which folder the terminal starts in.
    const pick = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'beta' }).first();
    await pick.waitFor({ state: 'visible', timeout: 30_000 });
    await pick.click();
    await page.locator('.terminal-wrapper .xterm').first().waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForTimeout(1_500);
    await page.locator('.terminal-wrapper .xterm').first().click();
    await page.keyboard.type(`printf '%s' "\${PERF_PULSE_HISTORY-unset}" > pp-env.txt; perf-pulse history where > pp-where.txt\n`, { delay: 5 });
    const where = path.join(beta(), 'pp-where.txt');
    const deadline = Date.now() + 60_000;
    while (!(fs.existsSync(where) && fs.statSync(where).size > 0) && Date.now() < deadline) await page.waitForTimeout(300);
    // No window-wide variable that would send beta's CLI to alpha's history: the CLI finds beta's own.
    assert.equal(fs.readFileSync(path.join(beta(), 'pp-env.txt'), 'utf8'), 'unset');
    assert.equal(fs.readFileSync(where, 'utf8').trim(), betaHistory());
  });
});
