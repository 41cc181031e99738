// Runs the integration suite (test/integration) inside a real VS Code and exits with its result.
//
//   npx tsx scripts/vscode-test/run-host-suite.ts [--fixture basic] [--no-build] [--host auto|code-server|electron]
//
// Hosts:
// - electron: desktop VS Code through @vscode/test-electron. Chosen by `auto` when
//   VSCODE_EXECUTABLE names a VS Code binary; `--host electron` without it downloads one.
// - code-server (otherwise): VS Code's server build in headless Chromium. The workbench URL
//   carries the extension and test paths; VS Code reports the suite's end through
//   window.codeAutomationExit(code).
// Either way the suite appends its report to a file that is streamed here, and writes its
// totals, which are printed as `N passed, N failed` and, when PERF_PULSE_TEST_TOTALS names a
// file, written there for scripts/test-all.sh.
// Screenshots asked for by tests go to PERF_PULSE_SCREENSHOTS_DIR (default out/test/screenshots).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { copyFixture, launchBrowser, makeTempDir, repoRoot, sleep, startCodeServer, startControlServer } from './host';

const CONTROL_FILE_NAME = '.vscode-test-control.json';
const OVERALL_TIMEOUT_MS = Number(process.env.PERF_PULSE_HOST_TIMEOUT_MS ?? 10 * 60_000);

interface Options {
  fixture: string;
  build: boolean;
  host: 'auto' | 'code-server' | 'electron';
}

function parseArgs(argv: string[]): Options {
  const options: Options = { fixture: 'basic', build: true, host: 'auto' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-build') options.build = false;
    else if (arg === '--fixture') options.fixture = argv[++i] ?? '';
    else if (arg === '--host') {
      const host = argv[++i];
      if (host !== 'auto' && host !== 'code-server' && host !== 'electron') throw new Error(`--host must be auto, code-server or electron, not "${host}"`);
      options.host = host;
    } else throw new Error(`unknown argument "${arg}"`);
  }
  if (!options.fixture) throw new Error('--fixture needs a fixture name (a folder under test/fixtures/)');
  return options;
}

interface Totals {
  passed: number;
  failed: number;
  pending: number;
  failures?: { title: string; message: string }[];
}

function run(cmd: string, args: string[]): void {
  const result = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`\`${cmd} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
}

/** Prints what the suite appends to its report file, as it appears. */
function streamFile(file: string): { flush(): void; stop(): void } {
  let offset = 0;
  const flush = () => {
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      return;
    }
    if (size < offset) offset = 0; // truncated by a fresh start
    if (size === offset) return;
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(size - offset);
      fs.readSync(fd, buffer, 0, buffer.length, offset);
      offset = size;
      process.stdout.write(buffer.toString('utf8'));
    } finally {
      fs.closeSync(fd);
    }
  };
  const timer = setInterval(flush, 200);
  return {
    flush,
    stop() {
      clearInterval(timer);
      flush();
    },
  };
}

function readTotals(resultsFile: string, exitCode: number): Totals {
  try {
    return JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as Totals;
  } catch {
    // The suite never got to count (crash, timeout, VS Code failed to start): one failure.
    return { passed: 0, failed: exitCode === 0 ? 0 : 1, pending: 0 };
  }
}

async function runInCodeServer(workspace: string, entry: string, work: string, control: { reportFile: string; resultsFile: string; screenshotsDir: string }): Promise<number> {
  const session = await launchBrowser();
  const controlServer = await startControlServer(session.page, control.screenshotsDir);
  // The extension host inherits code-server's environment, so the control file can live outside
  // the workspace and leave the fixture exactly as the tests expect it.
  const controlFile = path.join(work, CONTROL_FILE_NAME);
  fs.writeFileSync(controlFile, JSON.stringify({ ...control, controlUrl: controlServer.url }, null, 2));
  const browserLog = path.join(work, 'browser-console.log');
  session.page.on('console', (msg) => fs.appendFileSync(browserLog, `[${msg.type()}] ${msg.text()}\n`));
  session.page.on('pageerror', (err) => fs.appendFileSync(browserLog, `[pageerror] ${err.message}\n`));

  console.log('[host-suite] starting VS Code (code-server) ...');
  const server = await startCodeServer({
    workspace,
    userDataDir: path.join(work, 'user-data'),
    env: { PERF_PULSE_TEST_CONTROL: controlFile },
    logFile: path.join(work, 'code-server.log'),
  });
  let exitCode: number | undefined;
  const exited = new Promise<number>((resolve) => {
    void session.page.exposeFunction('codeAutomationExit', (code: number) => {
      exitCode = code;
      resolve(code);
    });
  });
  const url = server.workbenchUrl({ extensionDevelopmentPath: repoRoot, extensionTestsPath: entry });
  console.log(`[host-suite] VS Code ${server.url} (workspace ${workspace}); running the suite ...`);
  const stream = streamFile(control.reportFile);
  let timer: NodeJS.Timeout | undefined;
  try {
    await session.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
    const timedOut = new Promise<number>((resolve) => {
      timer = setTimeout(() => resolve(-1), OVERALL_TIMEOUT_MS);
    });
    const code = await Promise.race([exited, timedOut]);
    if (code === -1) {
      console.error(`[host-suite] the suite did not finish within ${OVERALL_TIMEOUT_MS / 1000} s; stopping VS Code.`);
      await session.page.screenshot({ path: path.join(control.screenshotsDir, 'host-suite-timeout.png') }).catch(() => undefined);
      return 1;
    }
    return code;
  } finally {
    if (timer) clearTimeout(timer);
    // Give the suite's last report lines a moment to land before the final flush.
    await sleep(200);
    stream.stop();
    if (exitCode !== 0) {
      console.error(`[host-suite] code-server output: ${server.logFile}; browser console: ${browserLog}`);
      printTail('browser console', browserLog, 30);
    }
    await controlServer.close();
    await session.close();
    await server.stop();
  }
}

async function runInElectron(workspace: string, entry: string, work: string, control: { reportFile: string; resultsFile: string; screenshotsDir: string }): Promise<number> {
  const { runTests } = await import('@vscode/test-electron');
  const controlFile = path.join(work, CONTROL_FILE_NAME);
  // No page to photograph in desktop VS Code: no controlUrl, and requestScreenshot() says so.
  fs.writeFileSync(controlFile, JSON.stringify(control, null, 2));
  const stream = streamFile(control.reportFile);
  try {
    return await runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: entry,
      extensionTestsEnv: { PERF_PULSE_TEST_CONTROL: controlFile },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', `--user-data-dir=${path.join(work, 'user-data')}`],
    });
  } catch (err) {
    console.error(`[host-suite] desktop VS Code run failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    stream.stop();
  }
}

function printTail(label: string, file: string, lines: number): void {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    if (text) console.error(`--- last lines of ${label} ---\n${text.split('\n').slice(-lines).join('\n')}\n---`);
  } catch {
    // nothing written
  }
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  if (options.build) {
    run('npm', ['run', '--silent', 'build']);
    run(process.execPath, ['scripts/build-tests.mjs']);
  }
  const entry = path.join(repoRoot, 'out', 'test', 'integration', 'index.js');
  if (!fs.existsSync(entry)) throw new Error(`${path.relative(repoRoot, entry)} is missing: run without --no-build`);

  const work = makeTempDir('host-suite');
  const workspace = copyFixture(options.fixture, path.join(work, 'workspace'));
  const screenshotsDir = path.resolve(process.env.PERF_PULSE_SCREENSHOTS_DIR ?? path.join(repoRoot, 'out', 'test', 'screenshots'));
  const control = { reportFile: path.join(work, 'report.txt'), resultsFile: path.join(work, 'results.json'), screenshotsDir };
  fs.writeFileSync(control.reportFile, '');

  const useElectron = options.host === 'electron' || (options.host === 'auto' && !!process.env.VSCODE_EXECUTABLE);
  console.log(`[host-suite] host: ${useElectron ? 'desktop VS Code (@vscode/test-electron)' : 'code-server in headless Chromium'}; fixture: ${options.fixture}`);
  const exitCode = useElectron ? await runInElectron(workspace, entry, work, control) : await runInCodeServer(workspace, entry, work, control);

  const totals = readTotals(control.resultsFile, exitCode);
  // VS Code's verdict and the suite's own count must agree; trust the worse of the two.
  if (exitCode !== 0 && totals.failed === 0) totals.failed = 1;
  if (process.env.PERF_PULSE_TEST_TOTALS) fs.writeFileSync(process.env.PERF_PULSE_TEST_TOTALS, JSON.stringify(totals, null, 2) + '\n');
  console.log(`[host-suite] finished in ${((Date.now() - started) / 1000).toFixed(1)} s (VS Code exit code ${exitCode})`);
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  if (totals.failed === 0) fs.rmSync(work, { recursive: true, force: true });
  else console.error(`[host-suite] kept the run's files for inspection in ${work}`);
  return totals.failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[host-suite] ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.PERF_PULSE_TEST_TOTALS) fs.writeFileSync(process.env.PERF_PULSE_TEST_TOTALS, JSON.stringify({ passed: 0, failed: 1, pending: 0 }) + '\n');
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
