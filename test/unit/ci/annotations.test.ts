import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeData, escapeProperty, findingAnnotations, workflowCommand } from '../../../src/core/ci/annotations';
import { baseBranchFromEnv } from '../../../src/core/ci/environment';
import type { Finding } from '../../../src/core/findings/types';
import { runCli, seedHistory, stepLevels, tempDir, writeHyperfine } from '../check-fixture';

function finding(over: Partial<Finding>): Finding {
  return {
    id: 'f1',
    seriesId: 's1',
    name: 'sort-10k',
    kind: 'regression',
    severity: 'critical',
    message: 'sort-10k is 18% slower',
    firstBad: { recordId: 'r1', timestamp: 0, value: 1 },
    unit: 's',
    ...over,
  };
}

describe('workflow-command annotations', () => {
  it('escapes the message and the properties as the workflow-command spec says', () => {
    assert.equal(escapeData('100% of a\r\nb: c, d'), '100%25 of a%0D%0Ab: c, d');
    assert.equal(escapeProperty('src/a:b,c%\n.js'), 'src/a%3Ab%2Cc%25%0A.js');
    assert.equal(
      workflowCommand({ level: 'error', file: 'bench/x,y:z.js', line: 8, title: 'Perf Pulse: a,b', message: 'line one\nline two 5% slower' }),
      '::error file=bench/x%2Cy%3Az.js,line=8,title=Perf Pulse%3A a%2Cb::line one%0Aline two 5%25 slower',
    );
    assert.equal(workflowCommand({ level: 'warning', message: 'no place' }), '::warning::no place');
  });

  it('a series name cannot inject a second command', () => {
    const [a] = findingAnnotations([finding({ name: 'x\n::error::fake', message: 'x\n::error::fake is slower' })], { fails: () => false, workspace: '/ws' });
    const line = workflowCommand(a);
    assert.equal(line.split('\n').length, 1);
    assert.ok(line.startsWith('::warning title=Perf Pulse%3A x%0A%3A%3Aerror%3A%3Afake regressed::x%0A::error::fake'));
  });

  it('places each finding at its source line, relative to the repository root; errors for failing findings, warnings for the rest', () => {
    const benchmarks = [{ name: 'sort-10k', command: 'x', source: 'src/sort.js:8' }, { name: 'parse', command: 'x', source: { file: 'src/parse.js', line: 3 } }];
    const out = findingAnnotations(
      [
        finding({}),
        finding({ name: 'parse', kind: 'budget', severity: 'warning', message: 'parse is over budget' }),
        finding({ name: 'from-report', location: { file: '/repo/pkg/test/a.test.js', line: 12 } }),
        finding({ name: 'elsewhere', location: { file: '/tmp/outside.js', line: 1 } }),
        finding({ name: 'faster', kind: 'improvement', severity: 'info' }),
      ],
      { fails: (f) => f.kind === 'regression', benchmarks, workspace: '/repo/pkg', repositoryRoot: '/repo' },
    );
    assert.deepEqual(out.map(workflowCommand), [
      '::error file=pkg/src/sort.js,line=8,title=Perf Pulse%3A sort-10k regressed::sort-10k is 18%25 slower',
      '::warning file=pkg/src/parse.js,line=3,title=Perf Pulse%3A parse over budget::parse is over budget',
      '::error file=pkg/test/a.test.js,line=12,title=Perf Pulse%3A from-report regressed::sort-10k is 18%25 slower',
      '::error title=Perf Pulse%3A elsewhere regressed::sort-10k is 18%25 slower',
    ]);
  });
});

describe('the base branch from the CI environment', () => {
  it('takes GitHub\'s GITHUB_BASE_REF, then GitLab\'s target branch, and refuses what is not a branch name', () => {
    assert.equal(baseBranchFromEnv({ GITHUB_BASE_REF: 'release/2.x', CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main' }), 'release/2.x');
    assert.equal(baseBranchFromEnv({ GITHUB_BASE_REF: '', CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'develop' }), 'develop');
    assert.equal(baseBranchFromEnv({ GITHUB_BASE_REF: '--upload-pack=x' }), undefined);
    assert.equal(baseBranchFromEnv({ GITHUB_BASE_REF: 'a..b' }), undefined);
    assert.equal(baseBranchFromEnv({}), undefined);
  });
});

describe('perf-pulse check on GitHub Actions', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('pp-check-annotate-')));
  afterEach(() => tmp.dispose());

  // The history's step came before the checked run (a standing regression): these tests ask
  // for standing findings to fail, since they are about where the findings are shown.
  async function regressedWorkspace(branch = 'main'): Promise<string> {
    const ws = join(tmp.dir, 'repo', 'bench');
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(ws, 'perfpulse.json'), JSON.stringify({ benchmarks: [{ name: 'sort-10k', command: 'node sort.js', source: 'src/sort.js:8' }] }));
    await seedHistory(join(ws, 'history'), [{ name: 'sort-10k', levels: stepLevels(0.0121, 0.0143), markAt: 15 }], branch);
    writeHyperfine(join(ws, 'results.json'), [{ name: 'sort-10k', level: 0.0143 }]);
    return ws;
  }

  it('annotates the regression at the benchmark\'s source line, relative to GITHUB_WORKSPACE', async () => {
    const ws = await regressedWorkspace();
    const run = await runCli(['check', '--history', 'history', '--fail-on', 'regression,standing', '--report', 'report.md', 'results.json'], ws, { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: join(tmp.dir, 'repo') });
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stdout.split('\n').filter((l) => l.startsWith('::'));
    assert.equal(lines.length, 1, run.stdout);
    assert.match(lines[0], /^::error file=bench\/src\/sort\.js,line=8,title=Perf Pulse%3A sort-10k regressed::sort-10k is 1\d%25 slower since a1b2c3d \(median 12\.\d ms → 14\.\d ms/);
  });

  it('emits no annotations with --no-annotations or outside GitHub Actions', async () => {
    const ws = await regressedWorkspace();
    const off = await runCli(['check', '--history', 'history', '--fail-on', 'regression,standing', '--no-record', '--report', 'report.md', '--no-annotations', 'results.json'], ws, { GITHUB_ACTIONS: 'true' });
    assert.equal(off.code, 1);
    assert.doesNotMatch(off.stdout, /^::/m);
    const local = await runCli(['check', '--history', 'history', '--fail-on', 'regression,standing', '--no-record', '--report', 'report.md', 'results.json'], ws);
    assert.doesNotMatch(local.stdout, /^::/m);
  });

  it('compares with the pull request\'s base branch from GITHUB_BASE_REF or GitLab\'s target branch', async () => {
    const ws = await regressedWorkspace('develop');
    for (const env of [{ GITHUB_BASE_REF: 'develop' }, { CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'develop' }]) {
      const run = await runCli(['check', '--history', 'history', '--fail-on', 'regression,standing', '--no-record', '--report', 'report.md', 'results.json'], ws, env);
      assert.equal(run.code, 1, run.stderr + run.stdout);
      assert.match(readFileSync(join(ws, 'report.md'), 'utf8'), /baseline: develop/);
    }
    const explicit = await runCli(['check', '--history', 'history', '--fail-on', 'regression,standing', '--no-record', '--base-branch', 'main', '--report', 'report.md', 'results.json'], ws, { GITHUB_BASE_REF: 'develop' });
    assert.match(readFileSync(join(ws, 'report.md'), 'utf8'), /baseline: main/, explicit.stderr);
  });
});
