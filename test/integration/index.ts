// Entry point of the integration suite inside a real VS Code (the `extensionTestsPath`).
// VS Code loads this compiled file in the extension host and calls `run()`; resolving means
// every test passed, rejecting means something failed. Both desktop VS Code
// (@vscode/test-electron) and the browser-served one (code-server) use this same entry.
import * as fs from 'fs';
import * as path from 'path';
import { format } from 'util';
import Mocha from 'mocha';
import { findHostControl } from './host-control';

function findTestFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTestFiles(full));
    else if (entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

export async function run(): Promise<void> {
  const control = findHostControl();
  // The extension host's console does not reliably reach the runner's terminal, so the report
  // is also appended to a file that the runner streams.
  const writeReport = (line: string): void => {
    console.log(line);
    if (control) fs.appendFileSync(control.reportFile, line + '\n');
  };
  if (control) fs.writeFileSync(control.reportFile, '');

  const originalConsoleLog = Mocha.reporters.Base.consoleLog;
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => writeReport(format(...args));

  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const files = findTestFiles(path.join(__dirname, 'suite'));
  for (const file of files) mocha.addFile(file);

  const failures: { title: string; message: string }[] = [];
  try {
    const stats = await new Promise<Mocha.Stats>((resolve, reject) => {
      try {
        const runner = mocha.run(() => resolve(runner.stats ?? ({ passes: 0, failures: 0, pending: 0 } as Mocha.Stats)));
        runner.on('fail', (test, err: unknown) => {
          failures.push({ title: test.fullTitle(), message: err instanceof Error ? err.message : String(err) });
        });
      } catch (err) {
        reject(err);
      }
    });
    const totals = {
      passed: stats.passes,
      failed: Math.max(stats.failures, failures.length),
      pending: stats.pending,
      durationMs: stats.duration ?? 0,
      failures,
    };
    if (files.length === 0) {
      writeReport(`No test files found under ${path.join(__dirname, 'suite')}`);
      totals.failed += 1;
    }
    if (control) fs.writeFileSync(control.resultsFile, JSON.stringify(totals, null, 2) + '\n');
    if (totals.failed > 0) throw new Error(`${totals.failed} integration test(s) failed`);
  } catch (err) {
    if (control && !fs.existsSync(control.resultsFile)) {
      // Loading a test file threw before mocha could count anything: report it as one failure.
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      writeReport(`Integration suite crashed: ${message}`);
      fs.writeFileSync(control.resultsFile, JSON.stringify({ passed: 0, failed: 1, pending: 0, failures: [{ title: 'suite', message }] }, null, 2) + '\n');
    }
    throw err;
  } finally {
    Mocha.reporters.Base.consoleLog = originalConsoleLog;
  }
}
