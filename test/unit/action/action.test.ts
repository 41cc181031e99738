import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { COMMENT_MARKER } from '../../../src/core/ci/github-comment';
import { seedHistory, stepLevels, tempDir, writeHyperfine } from '../check-fixture';
import { startFakeGitHub, type FakeGitHub } from '../ci/fake-github';
import { git, loadAction, readOutputs, runAction, scratchRepository, type RunOptions } from './action-runner';

const ROOT = join(__dirname, '../../..');

/**
 * The action as GitHub runs it (see action-runner.ts). The action folder is a scratch copy of
 * action.yml with the CLI bundled from the current sources into its dist/, so the build step
 * takes its "already built" branch: `npm ci && npm run build:prod` (which needs the registry)
 * is not exercised here.
 */
describe('action.yml (the GitHub Action)', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  let actionPath: string;
  let github: FakeGitHub;

  before(async function () {
    this.timeout(120_000);
    tmp = tempDir('pp-action-');
    actionPath = join(tmp.dir, 'action');
    mkdirSync(join(actionPath, 'dist'), { recursive: true });
    copyFileSync(join(ROOT, 'action.yml'), join(actionPath, 'action.yml'));
    await build({
      entryPoints: [join(ROOT, 'src/cli/main.ts')],
      outfile: join(actionPath, 'dist/cli.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node18',
      mainFields: ['module', 'main'],
      banner: { js: '#!/usr/bin/env node' },
      logLevel: 'silent',
    });
  });
  after(() => tmp.dispose());
  beforeEach(async () => (github = await startFakeGitHub()));
  afterEach(() => github.close());

  it('declares safe steps: every step names bash, and no input is pasted into a script', () => {
    const action = loadAction(join(ROOT, 'action.yml'));
    assert.equal(action.runs.using, 'composite');
    for (const step of action.runs.steps) {
      assert.equal(step.shell, 'bash');
      assert.doesNotMatch(step.run ?? '', /\$\{\{/, `${step.name}: inputs reach scripts as INPUT_* variables only`);
    }
    const check = action.runs.steps.find((s) => s.id === 'check')!;
    const passed = new Set(Object.values(check.env ?? {}).map((v) => /inputs\.([\w-]+)/.exec(v)?.[1]));
    passed.add('working-directory');
    assert.deepEqual(Object.keys(action.inputs).filter((name) => !passed.has(name)), [], 'every input reaches the check');
    assert.deepEqual(Object.keys(action.outputs).sort(), ['cli', 'exit-code', 'report', 'verdict']);
  });

  /** A pull request from `feature` into `main`, whose history has 20 runs of `sort` at 1 ms. */
  async function pullRequestWorkspace(name: string): Promise<{ workspace: string; remote: string; options: (run: number) => Omit<RunOptions, 'with'> }> {
    const workspace = join(tmp.dir, name);
    const bench = join(workspace, 'bench');
    mkdirSync(join(bench, 'src'), { recursive: true });
    writeFileSync(join(bench, 'src/sort.js'), '// sorts\n'.repeat(10));
    writeFileSync(
      join(bench, 'perfpulse.json'),
      JSON.stringify({ benchmarks: [{ name: 'sort', command: ['node', '-e', '0'], runs: 5, warmup: 1, source: 'src/sort.js:8' }] }),
    );
    await seedHistory(join(bench, '.perfpulse/history'), [{ name: 'sort', levels: stepLevels(0.001, 0.001, 20) }], 'main');
    const { remote } = scratchRepository(workspace, 'feature');
    const event = join(tmp.dir, `${name}-event.json`);
    writeFileSync(event, JSON.stringify({ action: 'synchronize', pull_request: { number: 7 } }));
    return {
      workspace,
      remote,
      options: (run) => ({
        actionPath,
        workspace,
        token: 'test-token',
        runnerTemp: join(tmp.dir, `${name}-runner-${run}`),
        env: {
          GITHUB_EVENT_NAME: 'pull_request',
          GITHUB_EVENT_PATH: event,
          GITHUB_BASE_REF: 'main',
          GITHUB_HEAD_REF: 'feature',
          GITHUB_REPOSITORY: 'acme/widgets',
          GITHUB_API_URL: github.apiUrl,
          GITHUB_SERVER_URL: 'https://github.test',
          GITHUB_RUN_ID: String(run),
        },
      }),
    };
  }

  it('runs the configured benchmarks, fails on the regression, annotates, comments, then updates the comment from result files', async () => {
    const { workspace, remote, options } = await pullRequestWorkspace('pr');
    const first = await runAction({
      ...options(1),
      with: { 'working-directory': 'bench', history: '.perfpulse/history', report: 'out/perf-report.md', junit: 'out/junit.xml', sync: 'true' },
    });
    assert.match(first.steps[1].stdout, /'origin' has no Perf Pulse notes yet/, 'the shared history was fetched first');
    assert.match(first.steps[0].stdout, /using the CLI already built at dist\/cli\.js/);
    assert.equal(first.success, false, 'a regression fails the step');
    assert.equal(first.steps[1].code, 1, first.steps[1].stderr);
    assert.deepEqual(first.outputs, { verdict: 'fail', 'exit-code': '1', report: join(workspace, 'bench/out/perf-report.md'), cli: join(actionPath, 'dist/cli.js') });

    const report = readFileSync(join(workspace, 'bench/out/perf-report.md'), 'utf8');
    assert.match(report, /\| sort \| [\d.]+ ms \| 1 ms \| \+\d+% \|.*\| regressed \\\(new\\\) \|/);
    assert.match(report, /baseline: main/, 'the base branch comes from GITHUB_BASE_REF');
    assert.ok(first.summary.includes(report.trim()), 'the report is in the job summary');
    assert.match(readFileSync(join(workspace, 'bench/out/junit.xml'), 'utf8'), /<failure/);
    assert.match(first.stdout, /^::error file=bench\/src\/sort\.js,line=8,title=Perf Pulse%3A sort regressed::sort is \d+%25 slower/m);

    const [comment] = github.comments.get(7)!;
    assert.ok(comment.body.startsWith(COMMENT_MARKER));
    assert.match(comment.body, /\| sort \| .* \| regressed \\\(new\\\) \|/);
    assert.ok(comment.body.includes('[This run](https://github.test/acme/widgets/actions/runs/1)'));
    assert.ok(github.requests.every((r) => r.authorization === 'Bearer test-token'), 'the default github-token input is sent');

    // Second push: result files instead of a run, back at the old speed.
    writeHyperfine(join(workspace, 'bench/results 1.json'), [{ name: 'sort', level: 0.001 }]);
    const second = await runAction({
      ...options(2),
      with: { mode: 'files', files: 'results *.json\n', 'working-directory': 'bench', history: '.perfpulse/history', annotations: 'false', publish: 'true' },
    });
    assert.match(git(workspace, '--git-dir', remote, 'notes', '--ref', 'perf-pulse', 'list'), /^[0-9a-f]{40} [0-9a-f]{40}$/m, 'publish pushed the results as git notes');
    assert.equal(second.success, true, second.steps[1]?.stderr);
    assert.equal(second.outputs.verdict, 'pass');
    assert.equal(second.outputs['exit-code'], '0');
    assert.equal(second.outputs.report, join(workspace, 'bench/perf-report.md'));
    assert.doesNotMatch(second.stdout, /^::/m);
    assert.deepEqual(github.requests.map((r) => r.method), ['GET', 'POST', 'GET', 'PATCH']);
    assert.equal(github.requests[3].url, `/repos/acme/widgets/issues/comments/${comment.id}`);
    assert.equal(github.comments.get(7)!.length, 1);
    assert.ok(github.comments.get(7)![0].body.includes('[This run](https://github.test/acme/widgets/actions/runs/2)'));
  });

  it('refuses bad inputs with an error annotation and verdict error, before the CLI starts', async () => {
    const { options } = await pullRequestWorkspace('bad');
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ mode: 'files', files: 'nothing-*.json' }, /::error title=Perf Pulse::no file matches nothing-\*\.json/],
      [{ mode: 'files' }, /mode files needs at least one result file/],
      [{ mode: 'files', files: '100%-*.json' }, /::error title=Perf Pulse::no file matches 100%25-\*\.json/],
      [{ mode: 'sometimes' }, /input mode must be run or files/],
      [{ comment: 'yes' }, /input comment must be true or false/],
      [{ files: 'a.json' }, /input files is read only in mode files/],
      [{ publish: 'on' }, /input publish must be true or false/],
    ];
    for (const [inputs, message] of cases) {
      const run = await runAction({ ...options(3), with: { 'working-directory': 'bench', ...inputs } });
      assert.equal(run.success, false);
      assert.match(run.stdout, message);
      assert.deepEqual({ verdict: run.outputs.verdict, code: run.outputs['exit-code'] }, { verdict: 'error', code: '2' });
    }
    assert.equal(github.requests.length, 0);
  });

  it('reads GITHUB_OUTPUT as the runner does', () => {
    assert.deepEqual(readOutputs('a=1\nreport<<EOF\n/x/y z\nEOF\nb=two=2\n'), { a: '1', report: '/x/y z', b: 'two=2' });
  });
});

describe('action.yml with base-revision (check --base)', function () {
  this.timeout(180_000);
  let tmp: ReturnType<typeof tempDir>;
  let actionPath: string;
  let github: FakeGitHub;

  before(async () => {
    tmp = tempDir('pp-action-base-');
    actionPath = join(tmp.dir, 'action');
    mkdirSync(join(actionPath, 'dist'), { recursive: true });
    copyFileSync(join(ROOT, 'action.yml'), join(actionPath, 'action.yml'));
    await build({ entryPoints: [join(ROOT, 'src/cli/main.ts')], outfile: join(actionPath, 'dist/cli.js'), bundle: true, platform: 'node', format: 'cjs', target: 'node18', mainFields: ['module', 'main'], logLevel: 'silent' });
  });
  after(() => tmp.dispose());
  beforeEach(async () => (github = await startFakeGitHub()));
  afterEach(() => github.close());

  /**
   * A pull request from `feature` into `main` where the benchmark's script sleeps 50 ms at the
   * base and 250 ms in the pull request: a slowdown no load on the machine can hide (a busy
   * machine only lengthens both sides' sleeps by the same waits).
   */
  function slowerPullRequest(name: string): { workspace: string; options: (run: number) => Omit<RunOptions, 'with'> } {
    const workspace = join(tmp.dir, name);
    mkdirSync(join(workspace, 'bench'), { recursive: true });
    writeFileSync(join(workspace, 'bench/delay.sh'), '# the work\nsleep 0.05\n');
    writeFileSync(join(workspace, 'bench/perfpulse.json'), JSON.stringify({ benchmarks: [{ name: 'delay', command: 'sh delay.sh', runs: 12, warmup: 1, source: 'delay.sh:2' }] }));
    writeFileSync(join(workspace, '.gitignore'), 'bench/.perfpulse/\nbench/out/\n');
    git(workspace, 'init', '-q', '-b', 'main');
    git(workspace, 'config', 'user.name', 'Perf Pulse test');
    git(workspace, 'config', 'user.email', 'test@example.invalid');
    git(workspace, 'add', '-A');
    git(workspace, 'commit', '-q', '-m', 'base');
    const remote = `${workspace}-origin.git`;
    git(workspace, 'init', '-q', '--bare', remote);
    git(workspace, 'remote', 'add', 'origin', remote);
    git(workspace, 'push', '-q', 'origin', 'main');
    git(workspace, 'checkout', '-q', '-b', 'feature');
    writeFileSync(join(workspace, 'bench/delay.sh'), '# the work\nsleep 0.25\n');
    git(workspace, 'commit', '-q', '-am', 'five times slower');
    const event = join(tmp.dir, `${name}-event.json`);
    writeFileSync(event, JSON.stringify({ action: 'synchronize', pull_request: { number: 9 } }));
    return {
      workspace,
      options: (run) => ({
        actionPath,
        workspace,
        token: 'test-token',
        runnerTemp: join(tmp.dir, `${name}-runner-${run}`),
        env: {
          GITHUB_EVENT_NAME: 'pull_request',
          GITHUB_EVENT_PATH: event,
          GITHUB_BASE_REF: 'main',
          GITHUB_HEAD_REF: 'feature',
          GITHUB_REPOSITORY: 'acme/widgets',
          GITHUB_API_URL: github.apiUrl,
          GITHUB_SERVER_URL: 'https://github.test',
          GITHUB_RUN_ID: String(run),
        },
      }),
    };
  }

  it('gates on the pull request base, annotates the slower benchmark, comments, then updates the comment', async () => {
    const { workspace, options } = slowerPullRequest('pr-base');
    const first = await runAction({ ...options(1), with: { 'working-directory': 'bench', 'base-revision': 'pull-request', report: 'out/perf-report.md' } });
    assert.equal(first.steps[1].code, 1, first.steps[1].stderr);
    assert.equal(first.outputs.verdict, 'fail');
    assert.match(first.steps[1].stderr, /measuring the working tree against origin\/main = [0-9a-f]{12}/);
    const report = readFileSync(join(workspace, 'bench/out/perf-report.md'), 'utf8');
    assert.match(report, /interleaved comparison with the base revision/);
    assert.ok(first.summary.includes(report.trim()), 'the report is in the job summary');
    assert.match(first.stdout, /^::error file=bench\/delay\.sh,line=2,title=Perf Pulse%3A delay slower than origin\/main::delay \(wall time\): /m);
    const [comment] = github.comments.get(9)!;
    assert.ok(comment.body.startsWith(COMMENT_MARKER));
    assert.ok(comment.body.includes(report.trim().split('\n')[0]), 'the comment carries the base comparison');
    assert.ok(comment.body.includes('[This run](https://github.test/acme/widgets/actions/runs/1)'));

    const second = await runAction({ ...options(2), with: { 'working-directory': 'bench', 'base-revision': 'origin/main', annotations: 'false' } });
    assert.equal(second.outputs.verdict, 'fail', second.steps[1]?.stderr);
    assert.doesNotMatch(second.stdout, /^::/m, 'annotations: false');
    assert.deepEqual(github.requests.map((r) => r.method), ['GET', 'POST', 'GET', 'PATCH']);
    assert.equal(github.comments.get(9)!.length, 1, 'one comment, updated in place');
    assert.ok(github.comments.get(9)![0].body.includes('[This run](https://github.test/acme/widgets/actions/runs/2)'));
  });

  it('refuses base-revision with mode files or with base', async () => {
    const { options } = slowerPullRequest('pr-base-bad');
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ mode: 'files', files: 'x.json', 'base-revision': 'pull-request' }, /::error title=Perf Pulse::input base-revision measures the configured benchmarks: it needs mode run/],
      [{ base: 'main', 'base-revision': 'origin/main' }, /::error title=Perf Pulse::inputs base and base-revision exclude each other/],
    ];
    for (const [inputs, message] of cases) {
      const run = await runAction({ ...options(3), with: { 'working-directory': 'bench', ...inputs } });
      assert.match(run.stdout, message);
      assert.equal(run.outputs.verdict, 'error');
    }
    assert.equal(github.requests.length, 0);
  });
});
