import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { createHash } from 'crypto';
import type { RunRecord } from '../../../src/core/model';
import { machineFingerprintSync } from '../../../src/core/env/machine';
import { seriesIdOf } from '../../../src/core/series-id';
import { summarize } from '../../../src/core/stats/summary';
import { requestScreenshot } from '../host-control';

const EXTENSION_ID = 'perf-pulse.perf-pulse';

/** The parts of the extension's exports the tests read (see src/extension/extension.ts). */
interface Api {
  statusBar: { text: string; tooltipText: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests reach into the extension's internal services
  services(): Promise<any>;
}

async function api(): Promise<Api> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  return (await ext.activate()) as Api;
}

function folder(): vscode.WorkspaceFolder {
  return vscode.workspace.workspaceFolders![0];
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
}

/** A realistic commit hash for run i of the seeded histories. */
function commitOf(i: number): string {
  return createHash('sha1').update(`commit ${i}`).digest('hex');
}

/** A history for one series: `before` runs at `a` seconds, then `after` runs at `b`, each with samples. */
function seededRuns(name: string, a: number, b: number, before: number, after: number): RunRecord[] {
  const machine = machineFingerprintSync();
  const start = Date.now() - (before + after) * 3600_000;
  return Array.from({ length: before + after }, (_, i) => {
    const level = i < before ? a : b;
    // Deterministic noise of about 1%.
    const samples = Array.from({ length: 7 }, (_, k) => level * (1 + 0.01 * Math.sin(i * 7 + k * 3)));
    const summary = summarize(samples, { seed: 1 });
    return {
      v: 1,
      id: `${name}-${i}`,
      seriesId: seriesIdOf(name, 'time', machine.id),
      name,
      metric: 'time',
      unit: 's',
      direction: 'smaller',
      value: summary.median,
      samples,
      summary,
      timestamp: start + i * 3600_000,
      vcs: { commit: commitOf(i), branch: 'main', dirty: false },
      machine,
      source: 'benchmark',
    } as RunRecord;
  });
}

function perfDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Perf Pulse');
}

describe('editor: running, history, findings on the source', function () {
  this.timeout(120_000);
  const sortUri = () => vscode.Uri.joinPath(folder().uri, 'src', 'sort.js');
  const configUri = () => vscode.Uri.joinPath(folder().uri, 'perfpulse.json');

  it('Run All Benchmarks records the runs in the history and shows the last result in the status bar', async () => {
    const { statusBar, services } = await api();
    const s = await services();
    const before = (await s.history.listSeries()).length;
    // The seeded series below must not get a real run, so only these two run here.
    const results = await s.runs.run(['noop', 'sort']);
    assert.ok(Array.isArray(results) && results.length === 2, `expected 2 results, got ${JSON.stringify(results?.length)}`);
    const series = await s.history.listSeries();
    assert.ok(series.length >= before + 2, `history has ${series.length} series`);
    const noop = series.find((x: { name: string; source?: string }) => x.name === 'noop');
    assert.ok(noop && noop.runs >= 1 && noop.source === 'benchmark');
    assert.match(statusBar.text, /\$\(pulse\) sort \d/, `status bar says "${statusBar.text}"`);
    // The history folder on disk holds it, so the CLI can read it too.
    assert.ok(fs.existsSync(s.history.directory()), `no history folder at ${s.history.directory()}`);
  });

  it('the CLI in a terminal sees the same history as the editor, and the editor sees what the CLI adds', async () => {
    const s = await (await api()).services();
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    const { execFileSync } = await import('child_process');
    // In desktop VS Code the extension host's executable is Electron: run it as plain Node.
    const cliRun = (...args: string[]) => execFileSync(process.execPath, [cli, ...args, '--workspace', folder().uri.fsPath], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    const where = cliRun('history', 'where').trim();
    assert.equal(where, s.history.directory());
    const listed = cliRun('history', 'list');
    assert.match(listed, /noop/);
    // A run recorded by the CLI appears in the editor's history.
    cliRun('run', 'noop');
    await waitFor('the CLI run in the editor', async () => {
      await s.history.notifyChanged();
      const noop = (await s.history.listSeries()).find((x: { name: string; source?: string }) => x.name === 'noop');
      return noop && noop.runs >= 2 ? noop : undefined;
    });
  });

  it('a broken perfpulse.json gets a diagnostic at the offending line, and nothing runs', async () => {
    const original = fs.readFileSync(configUri().fsPath, 'utf8');
    const broken = original.replace('"runs": 3, "warmup": 0', '"runs": "three", "warmup": 0');
    assert.notEqual(broken, original);
    fs.writeFileSync(configUri().fsPath, broken);
    try {
      const diagnostics = await waitFor('a config diagnostic', () => {
        const d = vscode.languages.getDiagnostics(configUri()).filter((x) => x.source === 'Perf Pulse');
        return d.length ? d : undefined;
      });
      assert.equal(diagnostics[0].range.start.line, 3, `diagnostic on line ${diagnostics[0].range.start.line + 1}`);
      assert.match(diagnostics[0].message, /benchmarks\.1\.runs must be integer/);
      assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
    } finally {
      fs.writeFileSync(configUri().fsPath, original);
    }
    await waitFor('the config diagnostic to clear', () => vscode.languages.getDiagnostics(configUri()).filter((x) => x.source === 'Perf Pulse').length === 0 || undefined);
  });

  describe('a seeded regression', () => {
    let seriesId: string;
    let firstBad: string;

    before(async () => {
      const s = await (await api()).services();
      const runs = seededRuns('seeded', 0.010, 0.0125, 30, 12);
      seriesId = runs[0].seriesId;
      firstBad = runs[30].id;
      await s.history.append(runs);
      const goRuns = seededRuns('BenchmarkParse-8', 0.002, 0.0026, 30, 12).map((r) => ({ ...r, source: 'report' as const }));
      await s.history.append(goRuns);
      await s.findings.refresh();
    });

    it('puts a diagnostic with the numbers on the line that defines the benchmark', async () => {
      const diagnostics = await waitFor('a finding diagnostic on src/sort.js', () => {
        const d = perfDiagnostics(sortUri());
        return d.length ? d : undefined;
      });
      const d = diagnostics.find((x) => x.message.startsWith('seeded '));
      assert.ok(d, `diagnostics: ${diagnostics.map((x) => x.message).join(' | ')}`);
      assert.equal(d.range.start.line, 2, 'the source setting says src/sort.js:3');
      assert.ok(d.message.startsWith(`seeded is 25% slower since ${commitOf(30).slice(0, 7)} `), d.message);
      assert.match(d.message, /median 10(\.0)? ms → 12\.5 ms/);
      assert.match(d.message, /95% CI \+\d+(\.\d)?% to \+\d+(\.\d)?%/);
      assert.match(d.message, /p [<=] 0\.\d+/);
      assert.ok(d.severity === vscode.DiagnosticSeverity.Error || d.severity === vscode.DiagnosticSeverity.Warning);
      const code = d.code as { value: string; target: vscode.Uri };
      assert.equal(code.value, 'regression');
      assert.equal(code.target.path, '/trends');
      assert.equal(code.target.query, `series=${seriesId}`);
      const related = d.relatedInformation?.[0];
      assert.match(related?.message ?? '', /^last good run: median 10(\.\d)? ms, (on \S+, )?\d{4}-\d\d-\d\d$/);
      // It names the trend and the commit, not the record's internal file.
      assert.equal(related?.location.uri.path.split('/').pop(), `seeded trend at ${commitOf(29).slice(0, 7)}`);
    });

    it('finds a Go benchmark by its naming rule', async () => {
      const goUri = vscode.Uri.joinPath(folder().uri, 'bench_test.go');
      const d = await waitFor('a diagnostic on bench_test.go', () => perfDiagnostics(goUri)[0]);
      assert.equal(d.range.start.line, 6, 'func BenchmarkParse is on line 7');
      assert.match(d.message, /^BenchmarkParse-8 is 30% slower/);
    });

    it('offers the quick fixes', async () => {
      const d = perfDiagnostics(sortUri()).find((x) => x.message.startsWith('seeded '))!;
      await vscode.workspace.openTextDocument(sortUri());
      const range = new vscode.Range(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character);
      const titles = await waitFor('the Perf Pulse quick fixes', async () => {
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', sortUri(), range, vscode.CodeActionKind.QuickFix.value);
        const list = actions.map((a) => a.title);
        return list.some((t) => t.includes('seeded')) ? list : undefined;
      }, 30_000);
      for (const expected of [/Show the trend of seeded/, /Run seeded again/, /Compare the working tree with HEAD/, /Accept seeded as the new baseline/, /Ignore the series seeded/]) {
        assert.ok(titles.some((t) => expected.test(t)), `missing ${expected} in ${titles.join(' | ')}`);
      }
    });

    it('shows CodeLens above the benchmark entries of perfpulse.json', async () => {
      await vscode.workspace.openTextDocument(configUri());
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', configUri(), 10);
      const titles = lenses.map((l) => l.command?.title ?? '');
      assert.ok(titles.filter((t) => t === '$(play) Run').length >= 3, titles.join(' | '));
      assert.ok(titles.some((t) => /median 12\.5 ms \(\+2\d(\.\d)?% vs baseline\)/.test(t)), titles.join(' | '));
    });

    it('says so in the status bar, with the findings in the tooltip', async () => {
      const { statusBar } = await api();
      await waitFor('the status bar to count regressions', () => /2 regressions/.test(statusBar.text) || undefined);
      assert.match(statusBar.tooltipText, /seeded is 2\d% slower/);
      assert.match(statusBar.tooltipText, /BenchmarkParse\\?-8 is 30% slower/); // Markdown escapes the dash
    });

    it('takes a screenshot of the diagnostic for the README', async function () {
      const editor = await vscode.window.showTextDocument(sortUri());
      editor.selection = new vscode.Selection(0, 0, 0, 0);
      await vscode.commands.executeCommand('notifications.clearAll');
      // "Go to Next Problem" opens the message under the line, the way a developer reads it.
      await vscode.commands.executeCommand('editor.action.marker.next');
      await new Promise((r) => setTimeout(r, 1500));
      // Into the runner's screenshot folder (out/test/screenshots unless PERF_PULSE_SCREENSHOTS_DIR
      // says docs/screenshots), so a test run leaves the committed pictures alone.
      const written = await requestScreenshot('diagnostic');
      if (!written) this.skip();
    });

    it('accepting the new baseline clears the finding; undoing brings it back; ignoring clears it', async () => {
      const { statusBar, services } = await api();
      const s = await services();
      await vscode.commands.executeCommand('perfPulse.acceptBaseline', { seriesId, recordId: firstBad });
      await waitFor('the seeded diagnostic to clear', () => !perfDiagnostics(sortUri()).some((d) => d.message.startsWith('seeded ')) || undefined);
      assert.match(statusBar.text, /1 regression\b/);
      const { undoAccept, ignoreSeries, unignoreSeries } = await import('../../../src/core/findings/decisions');
      await undoAccept(s.history.directory(), seriesId);
      await s.findings.refresh();
      await waitFor('the seeded diagnostic to come back', () => perfDiagnostics(sortUri()).some((d) => d.message.startsWith('seeded ')) || undefined);
      await vscode.commands.executeCommand('perfPulse.ignoreSeries', { seriesId });
      await waitFor('the ignored series to clear', () => !perfDiagnostics(sortUri()).some((d) => d.message.startsWith('seeded ')) || undefined);
      await unignoreSeries(s.history.directory(), seriesId);
      void ignoreSeries;
    });
  });

  describe('capture', () => {
    it('records the duration of a task run', async () => {
      const s = await (await api()).services();
      const tasks = await vscode.tasks.fetchTasks();
      const task = tasks.find((t) => t.name === 'quick-build');
      assert.ok(task, `tasks: ${tasks.map((t) => t.name).join(', ')}`);
      const ended = new Promise<void>((resolve) => {
        const sub = vscode.tasks.onDidEndTaskProcess((e) => {
          if (e.execution.task.name === 'quick-build') {
            sub.dispose();
            resolve();
          }
        });
      });
      await vscode.tasks.executeTask(task);
      await ended;
      const series = await waitFor('a task series', async () => (await s.history.listSeries()).find((x: { name: string; source?: string }) => x.name === 'quick-build' && x.source === 'task'));
      assert.ok(series.lastValue >= 0.25 && series.lastValue < 10, `task took ${series.lastValue} s`);
    });

    it('records a matching command run in the terminal', async () => {
      const s = await (await api()).services();
      const terminal = vscode.window.createTerminal({ name: 'perf-pulse-test', cwd: folder().uri });
      try {
        const integration = await waitFor('shell integration', () => terminal.shellIntegration, 30_000);
        integration.executeCommand('npm run build');
        const series = await waitFor('a terminal series', async () => (await s.history.listSeries()).find((x: { name: string; source?: string }) => x.name === 'npm run build' && x.source === 'terminal'), 60_000);
        assert.ok(series.lastValue > 0.1, `npm run build took ${series.lastValue} s`);
      } finally {
        terminal.dispose();
      }
    });

    it('records a JUnit report written into the workspace, once', async () => {
      const s = await (await api()).services();
      const dir = path.join(folder().uri.fsPath, 'test-results');
      fs.mkdirSync(dir, { recursive: true });
      const xml = '<?xml version="1.0"?>\n<testsuites><testsuite name="calc" tests="2" time="0.75"><testcase classname="calc" name="adds" time="0.5"/><testcase classname="calc" name="subtracts" time="0.25"/></testsuite></testsuites>\n';
      fs.writeFileSync(path.join(dir, 'junit.xml'), xml);
      const adds = await waitFor('the report series', async () => (await s.history.listSeries()).find((x: { name: string; source?: string }) => x.name === 'calc › adds' && x.source === 'report'));
      assert.equal(adds.lastValue, 0.5);
      // The same content again (a re-run that wrote an identical file) is not recorded twice.
      fs.writeFileSync(path.join(dir, 'junit.xml'), xml);
      await new Promise((r) => setTimeout(r, 2000));
      const again = (await s.history.listSeries()).find((x: { name: string; source?: string }) => x.name === 'calc › adds');
      assert.equal(again.runs, 1);
    });
  });
});
