// Runs the UI suite (test/ui/**/*.ui.test.ts): mocha in plain Node, each test driving a real
// VS Code page (code-server in headless Chromium) from outside through playwright-core.
//
//   npx tsx scripts/vscode-test/run-ui-suite.ts [--no-build] [mocha arguments, e.g. a spec file or --grep x]
//
// Builds the extension, installs the test host when missing, then runs mocha with the totals
// reporter so the final `N passed, N failed` line and PERF_PULSE_TEST_TOTALS agree with test-all.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureHostInstalled, repoRoot } from './host';

function main(): number {
  const args = process.argv.slice(2);
  const build = !args.includes('--no-build');
  const mochaArgs = args.filter((a) => a !== '--no-build');
  if (build) {
    const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
    if (result.status !== 0) throw new Error('`npm run build` failed');
  }
  ensureHostInstalled();

  const totalsFile = process.env.PERF_PULSE_TEST_TOTALS ?? path.join(repoRoot, 'out', 'test', 'ui-totals.json');
  fs.mkdirSync(path.dirname(totalsFile), { recursive: true });
  fs.rmSync(totalsFile, { force: true });
  const mocha = path.join(repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js');
  // Test files named on the command line replace the default set (mocha would add them to a
  // configured `spec`, so the options are given here instead of in a config file).
  const namesFiles = mochaArgs.some((a) => /\.ts$/.test(a));
  const spec = namesFiles ? [] : ['test/ui/**/*.ui.test.ts'];
  const result = spawnSync(
    process.execPath,
    [mocha, '--no-config', '--require', 'tsx/cjs', '--timeout', '300000', '--slow', '20000', '--reporter', './scripts/vscode-test/totals-reporter.cjs', ...spec, ...mochaArgs],
    { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, PERF_PULSE_TEST_TOTALS: totalsFile } },
  );
  let totals = { passed: 0, failed: 1 };
  try {
    totals = JSON.parse(fs.readFileSync(totalsFile, 'utf8'));
  } catch {
    // mocha died before reporting: count it as one failure
    fs.writeFileSync(totalsFile, JSON.stringify({ passed: 0, failed: 1, pending: 0 }) + '\n');
  }
  if (result.status !== 0 && totals.failed === 0) totals.failed = 1;
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  return totals.failed === 0 && result.status === 0 ? 0 : 1;
}

try {
  process.exit(main());
} catch (err) {
  console.error(`[ui-suite] ${err instanceof Error ? err.message : String(err)}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
