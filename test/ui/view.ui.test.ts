// The Perf Pulse view in a real VS Code driven from outside: the findings of a seeded history
// grouped by their verdicts (new, standing, environment, suspect, at risk, healthy) with their
// numbers, the inline actions, the menus that appear only where they apply, live updates as runs
// land, `perf-pulse` in the integrated terminal, and the welcome view of a folder without a config.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { closeQuickInput, copyFixture, openVSCode, repoRoot, runCommandFromPalette, screenshot, screenshotPath, searchCommandPalette, webviewFrame, type VSCodeSession } from './vscode';
import { seededSeries, viewHistory, writeHistory } from './support/seeded-history';
import { openPerfPulseView, viewRow as row, waitForRows, widenSidebar } from './support/view-helpers';

describe('the Perf Pulse view (VS Code driven from outside)', function () {
  let session: VSCodeSession;
  let folder: string;
  const history = () => path.join(folder, '.perfpulse', 'history');

  before(async function () {
    folder = copyFixture('view');
    await writeHistory(history(), viewHistory());
    session = await openVSCode(folder, { theme: 'Default Light Modern', viewport: { width: 1400, height: 900 } });
  });

  after(async () => {
    await session?.close();
  });

  it('groups the findings by verdict, new first and the healthy series last, each with its numbers', async () => {
    const { page } = session;
    await openPerfPulseView(page);
    await widenSidebar(page, 640);
    const rows = await waitForRows(page, 'the groups', (r) => r.some((x) => x.startsWith('Healthy')) && r.some((x) => x.startsWith('sort')));
    const groups = rows.filter((r) => /^(New regressions|Standing|Environment changes|Suspect, not yet confirmed|Over budget, at risk|Healthy) \d+$/.test(r)).map((r) => r.replace(/\s*\d+$/, ''));
    assert.deepEqual(groups, ['New regressions', 'Standing', 'Environment changes', 'Suspect, not yet confirmed', 'Over budget, at risk', 'Healthy']);
    const order = (name: string) => rows.findIndex((r) => r.startsWith(`${name} `));
    assert.ok(order('sort') < order('parse') && order('parse') < order('io') && order('io') < order('hash') && order('hash') < order('render') && order('render') < order('noop'), rows.join(' | '));
    assert.match(rows[order('sort')], /^sort \+25% · 311 → 389 ms · since [0-9a-f]{7}$/);
    assert.match(rows[order('parse')], /^parse \+30% · 20 → 26 ms · since [0-9a-f]{7}$/);
    assert.match(rows[order('render')], /^render [\d.]+ ms · budget 300 ms · near the limit$/);
    assert.match(rows[order("noop")], /^noop [\d.]+ ms · .*60 runs$/);
    await screenshot(page, screenshotPath('perf-pulse-view.png'));
  });

  it('offers the inline actions on a finding: show trend, go to source, compare with HEAD, run again, profile', async () => {
    const { page } = session;
    const sort = row(page, 'sort');
    await sort.hover();
    const actions = await sort.locator('.actions .action-label').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    for (const title of ['Show Trends', 'Go to Source', 'Compare Working Tree with HEAD', 'Run Benchmark…', 'Profile Benchmark…']) {
      assert.ok(actions.some((a) => a.startsWith(title)), `no inline "${title}" on sort: ${actions.join(', ')}`);
    }
    await screenshot(page, screenshotPath('perf-pulse-view-actions.png'));
    // A healthy series that is not a configured benchmark's source still shows its trend and its source.
    await sort.locator('.actions .action-label[aria-label^="Go to Source"]').click();
    await page.locator('.tabs-container .tab', { hasText: 'bench.js' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('.editor-instance .view-line', { hasText: 'function sort()' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  });

  it('opens the trend of a series from the view', async () => {
    const { page } = session;
    const sort = row(page, 'sort');
    await sort.hover();
    await sort.locator('.actions .action-label[aria-label^="Show Trends"]').click();
    const frame = await webviewFrame(page, { timeout: 60_000 });
    await frame.locator('body').waitFor({ state: 'visible' });
    await page.locator('.tabs-container .tab', { hasText: 'Trends' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  });

  it('shows the editor-title actions on perfpulse.json and on a benchmark source', async () => {
    const { page } = session;
    // Quick Open: the palette without its `>` searches files.
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill('perfpulse.json');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'perfpulse.json' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await input.press('Enter');
    await page.locator('.tabs-container .tab.active', { hasText: 'perfpulse.json' }).waitFor({ state: 'visible', timeout: 30_000 });
    const titleActions = () => page.locator('.editor-group-container.active .editor-actions .action-label').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const deadline = Date.now() + 30_000;
    let labels: string[] = [];
    while (Date.now() < deadline) {
      labels = await titleActions();
      if (labels.some((l) => l.startsWith('Run All Benchmarks'))) break;
      await page.waitForTimeout(300);
    }
    assert.ok(labels.some((l) => l.startsWith('Run All Benchmarks')), `perfpulse.json's title actions: ${labels.join(', ')}`);
    assert.ok(labels.some((l) => l.startsWith('Show Trends')), `perfpulse.json's title actions: ${labels.join(', ')}`);
    await screenshot(page, screenshotPath('perf-pulse-editor-title.png'));
    // bench.js defines series (its `source` entries): it gets "Run Benchmark…" in its title.
    await page.locator('.tabs-container .tab', { hasText: 'bench.js' }).first().click();
    const sourceDeadline = Date.now() + 30_000;
    while (Date.now() < sourceDeadline) {
      labels = await titleActions();
      if (labels.some((l) => l.startsWith('Run Benchmark'))) break;
      await page.waitForTimeout(300);
    }
    assert.ok(labels.some((l) => l.startsWith('Run Benchmark')), `bench.js's title actions: ${labels.join(', ')}`);
  });

  it("offers Perf Pulse's actions in the explorer's context menu of perfpulse.json", async () => {
    const { page } = session;
    await runCommandFromPalette(page, 'View: Show Explorer');
    const file = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'perfpulse.json' }).first();
    await file.waitFor({ state: 'visible', timeout: 30_000 });
    await file.click({ button: 'right' });
    const menu = page.locator('.context-view .monaco-menu');
    await menu.waitFor({ state: 'visible', timeout: 30_000 });
    const items = await menu.locator('.action-label').evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
    await screenshot(page, screenshotPath('perf-pulse-explorer-context.png'));
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
    // Back to the Perf Pulse view for the tests that follow (its container's own "show" command).
    await runCommandFromPalette(page, 'View: Show Perf Pulse');
    assert.ok(items.includes('Run All Benchmarks'), `the context menu offers: ${items.join(' | ')}`);
    assert.ok(items.includes('Show Trends'), `the context menu offers: ${items.join(' | ')}`);
    assert.ok(!items.includes('Import Results…'), 'perfpulse.json is not a results file');
  });

  it('offers in the palette only what applies: findings commands yes, Create Config no (there is one)', async () => {
    const { page } = session;
    const labels = await searchCommandPalette(page, 'Perf Pulse: ', { until: (l) => l.some((x) => x.startsWith('Perf Pulse: Show Findings')) });
    await closeQuickInput(page);
    assert.ok(labels.some((l) => l.startsWith('Perf Pulse: Show Findings')), labels.join(' | '));
    assert.ok(labels.some((l) => l.startsWith('Perf Pulse: Run All Benchmarks')), labels.join(' | '));
    assert.ok(!labels.some((l) => l.startsWith('Perf Pulse: Create Config')), `Create Config is offered although perfpulse.json exists: ${labels.join(' | ')}`);
    assert.ok(!labels.some((l) => l.startsWith('Perf Pulse: Go to Source')), 'a view-only command is in the palette');
  });

  it('updates as runs land: a series recorded by another process appears without a reload', async () => {
    const { page } = session;
    await writeHistory(history(), seededSeries('late-arrival', Array.from({ length: 12 }, () => 0.05), { salt: 'late' }));
    await waitForRows(page, 'the new series', (r) => r.some((x) => x.startsWith('late-arrival ')));
  });

  it('puts perf-pulse on the PATH of the integrated terminal, reading the history the editor shows', async () => {
    const { page } = session;
    await runCommandFromPalette(page, 'Terminal: Create New Terminal');
    await page.locator('.terminal-wrapper.active, .terminal-wrapper').first().waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForTimeout(1_500);
    await page.locator('.terminal-wrapper.active .xterm, .terminal-wrapper .xterm').first().click();
    const out = (name: string) => path.join(folder, name);
    await page.keyboard.type(`perf-pulse --version > pp-version.txt; printf '%s' "$PERF_PULSE_HISTORY" > pp-env.txt; perf-pulse history list > pp-list.txt; perf-pulse history list\n`, { delay: 5 });
    const deadline = Date.now() + 60_000;
    while (!(fs.existsSync(out('pp-list.txt')) && fs.statSync(out('pp-list.txt')).size > 0) && Date.now() < deadline) await page.waitForTimeout(300);
    const version = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;
    // `perf-pulse --version` prints "perf-pulse X.Y.Z", as the CLI's own tests hold it to.
    assert.equal(fs.readFileSync(out('pp-version.txt'), 'utf8').trim(), `perf-pulse ${version}`);
    assert.equal(fs.readFileSync(out('pp-env.txt'), 'utf8'), history());
    const listed = fs.readFileSync(out('pp-list.txt'), 'utf8');
    for (const name of ['sort', 'parse', 'late-arrival']) assert.match(listed, new RegExp(`\\b${name}\\b`), listed);
    await runCommandFromPalette(page, 'Notifications: Clear All Notifications');
    await runCommandFromPalette(page, 'View: Toggle Maximized Panel');
    await page.waitForTimeout(1_000);
    await screenshot(page, screenshotPath('perf-pulse-terminal.png'));
  });
});

describe('the Perf Pulse view without a perfpulse.json (VS Code driven from outside)', function () {
  let session: VSCodeSession;
  let folder: string;

  before(async function () {
    folder = path.join(copyFixture('view'), '..', 'fresh');
    fs.mkdirSync(path.join(folder, 'src'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'src', 'main.js'), 'console.log(1);\n');
    session = await openVSCode(folder, { theme: 'Default Light Modern', viewport: { width: 1400, height: 900 } });
  });

  after(async () => {
    await session?.close();
  });

  it('welcomes with "Create Config", hides what cannot apply, and creates the config', async () => {
    const { page } = session;
    await openPerfPulseView(page);
    const welcome = page.locator('.part.sidebar .welcome-view-content');
    await welcome.getByText('No perfpulse.json in this workspace yet', { exact: false }).waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.statusbar-item', { hasText: 'Activating Extensions' }).waitFor({ state: 'hidden', timeout: 60_000 }).catch(() => undefined);
    await screenshot(page, screenshotPath('perf-pulse-view-welcome.png'));
    const labels = await searchCommandPalette(page, 'Perf Pulse: ', { until: (l) => l.some((x) => x.startsWith('Perf Pulse: Create Config')) });
    await closeQuickInput(page);
    assert.ok(labels.some((l) => l.startsWith('Perf Pulse: Create Config')), labels.join(' | '));
    for (const hidden of ['Perf Pulse: Run All Benchmarks', 'Perf Pulse: Show Findings', 'Perf Pulse: Accept Baseline', 'Perf Pulse: Clear History']) {
      assert.ok(!labels.some((l) => l.startsWith(hidden)), `"${hidden}" is offered in a folder without config or history: ${labels.join(' | ')}`);
    }
    await welcome.getByRole('button', { name: 'Create Config' }).click();
    const config = path.join(folder, 'perfpulse.json');
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(config) && Date.now() < deadline) await page.waitForTimeout(250);
    assert.ok(fs.existsSync(config), 'Create Config wrote perfpulse.json');
    // With a config and no runs yet, the welcome offers the first run.
    await welcome.getByText('No runs recorded yet', { exact: false }).waitFor({ state: 'visible', timeout: 30_000 });
  });
});
