import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMENT_MARKER, commentBody, GitHubApiError, MAX_COMMENT_LENGTH, nextPageUrl, upsertPullRequestComment } from '../../../src/core/ci/github-comment';
import { gitHubTarget, NoPullRequestError, pullRequestNumber, runUrl, type GitHubTarget } from '../../../src/core/ci/environment';
import { otherComments, startFakeGitHub, type FakeGitHub } from './fake-github';
import { runCli, seedHistory, stepLevels, tempDir, writeHyperfine } from '../check-fixture';

const REPORT = '# Perf Pulse report\n\n| Series | Current | Baseline | Change | 95% CI | Verdict |\n|---|---|---|---|---|---|\n| sort-10k | 14.3 ms | 12.1 ms | +18% | +12% to +24% | regressed |\n';
const RUN_1 = 'https://github.test/acme/widgets/actions/runs/101';
const RUN_2 = 'https://github.test/acme/widgets/actions/runs/102';

describe('pull-request comment (against a local GitHub API)', () => {
  let github: FakeGitHub;
  let target: GitHubTarget;
  beforeEach(async () => {
    github = await startFakeGitHub();
    target = { apiUrl: github.apiUrl, owner: 'acme', repo: 'widgets', pullRequest: 7 };
  });
  afterEach(() => github.close());

  const upsert = (runUrl: string, token = 'test-token') => upsertPullRequestComment(target, { token, body: (previous) => commentBody(REPORT, { runUrl, commit: 'a1b2c3d4e5f6' }, previous) });

  it('creates the comment on the first run and edits the same comment on the second', async () => {
    const first = await upsert(RUN_1);
    assert.equal(first.action, 'created');
    assert.deepEqual(
      github.requests.map((r) => `${r.method} ${r.url}`),
      ['GET /repos/acme/widgets/issues/7/comments?per_page=100', 'POST /repos/acme/widgets/issues/7/comments'],
    );
    for (const r of github.requests) assert.equal(r.authorization, 'Bearer test-token');
    const posted = github.requests[1];
    assert.equal(posted.contentType, 'application/json');
    assert.ok(posted.body.body.startsWith(COMMENT_MARKER + '\n'), 'the marker opens the comment');
    assert.match(posted.body.body, /\| sort-10k \| 14\.3 ms \| 12\.1 ms \| \+18% \| \+12% to \+24% \| regressed \|/);
    assert.ok(posted.body.body.includes(`[This run](${RUN_1})`));
    assert.match(posted.body.body, /commit a1b2c3d/);

    github.requests.length = 0;
    const second = await upsert(RUN_2);
    assert.deepEqual(second, { action: 'updated', id: first.id, url: `https://github.test/acme/widgets/pull/7#issuecomment-${first.id}` });
    assert.deepEqual(
      github.requests.map((r) => `${r.method} ${r.url}`),
      ['GET /repos/acme/widgets/issues/7/comments?per_page=100', `PATCH /repos/acme/widgets/issues/comments/${first.id}`],
    );
    const body: string = github.requests[1].body.body;
    assert.ok(body.startsWith(COMMENT_MARKER));
    assert.ok(body.includes(`[This run](${RUN_2})`));
    assert.ok(body.includes(`Earlier runs: [1](${RUN_1})`), 'the earlier run stays linked');
    assert.equal(github.comments.get(7)!.length, 1, 'still one comment on the pull request');
  });

  it('follows the Link header to the page that holds the comment', async () => {
    const ours = { id: 555, body: `${COMMENT_MARKER}\nold report`, user: { login: 'github-actions[bot]', type: 'Bot' as const }, author_association: 'NONE', html_url: 'https://github.test/c/555' };
    github.comments.set(7, [...otherComments(230), ours]);
    const result = await upsert(RUN_1);
    assert.equal(result.action, 'updated');
    assert.equal(result.id, 555);
    assert.deepEqual(
      github.requests.map((r) => `${r.method} ${r.url}`),
      [
        'GET /repos/acme/widgets/issues/7/comments?per_page=100',
        'GET /repos/acme/widgets/issues/7/comments?per_page=100&page=2',
        'GET /repos/acme/widgets/issues/7/comments?per_page=100&page=3',
        'PATCH /repos/acme/widgets/issues/comments/555',
      ],
    );
    assert.ok(github.requests.every((r) => r.authorization === 'Bearer test-token'));
  });

  it('never edits a stranger\'s comment that carries the marker: it posts its own', async () => {
    github.comments.set(7, [{ id: 9, body: `${COMMENT_MARKER}\nnot a report`, user: { login: 'drive-by', type: 'User' }, author_association: 'FIRST_TIME_CONTRIBUTOR', html_url: 'x' }]);
    const result = await upsert(RUN_1);
    assert.equal(result.action, 'created');
    assert.equal(github.comments.get(7)![0].body, `${COMMENT_MARKER}\nnot a report`);
  });

  it('refuses a next-page link to another origin, so the token stays with the API', async () => {
    github.comments.set(7, otherComments(150));
    github.nextLinkOrigin = 'http://127.0.0.2:9';
    await assert.rejects(upsert(RUN_1), (err: Error) => err instanceof GitHubApiError && /not sent there/.test(err.message));
    assert.equal(github.requests.length, 1);
  });

  it('turns an API error into one line with the status and GitHub\'s message', async () => {
    github.failWith.set('POST', { status: 403, message: 'Resource not accessible by integration' });
    await assert.rejects(upsert(RUN_1), (err: Error) => {
      assert.ok(err instanceof GitHubApiError);
      assert.equal(err.message, 'POST /repos/acme/widgets/issues/7/comments: 403 Forbidden (Resource not accessible by integration)');
      return true;
    });
    await assert.rejects(upsert(RUN_1, 'wrong'), /GET \/repos\/acme\/widgets\/issues\/7\/comments: 401 Unauthorized \(Bad credentials\)/);
  });

  it('turns a refused connection into one line', async () => {
    await github.close();
    await assert.rejects(upsert(RUN_1), (err: Error) => err instanceof GitHubApiError && /^GET \/repos\/acme\/widgets\/issues\/7\/comments: fetch failed \(ECONNREFUSED\)$/.test(err.message));
    github = await startFakeGitHub();
  });
});

describe('comment body', () => {
  it('fits a report longer than GitHub allows, cut at a line, with the links kept', () => {
    const row = '| series-with-a-long-name | 1 ms | 1 ms | +0% | ±1% | no change |\n';
    const body = commentBody(`# Perf Pulse\n${row.repeat(2000)}`, { runUrl: RUN_1 });
    assert.ok(body.length <= MAX_COMMENT_LENGTH, `${body.length} characters`);
    assert.ok(body.startsWith(COMMENT_MARKER));
    assert.match(body, /no change \|\n\n_The report is longer than a comment allows/);
    assert.ok(body.includes(`[This run](${RUN_1})`));
  });

  it('links earlier runs of the same repository only, newest first, at most ten', () => {
    const previous = commentBody('x', { runUrl: RUN_1 }, commentBody('x', { runUrl: 'https://github.test/acme/widgets/actions/runs/100' }));
    const hostile = previous + '\n[click](https://evil.test/acme/widgets/actions/runs/999)';
    const body = commentBody('x', { runUrl: RUN_2 }, hostile);
    assert.ok(body.includes(`Earlier runs: [1](${RUN_1}) · [2](https://github.test/acme/widgets/actions/runs/100)`));
    assert.ok(!body.includes('evil.test'));
  });
});

describe('Link header', () => {
  it('finds rel="next" among the relations', () => {
    assert.equal(nextPageUrl('<https://api.github.com/x?page=3>; rel="last", <https://api.github.com/x?page=2>; rel="next"'), 'https://api.github.com/x?page=2');
    assert.equal(nextPageUrl('<https://api.github.com/x?page=1>; rel="prev"'), undefined);
    assert.equal(nextPageUrl(null), undefined);
  });
});

describe('CI environment', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('pp-ci-env-')));
  afterEach(() => tmp.dispose());

  it('reads the pull request from the event payload, the repository and the API from the environment', async () => {
    const event = join(tmp.dir, 'event.json');
    writeFileSync(event, JSON.stringify({ action: 'synchronize', number: 12, pull_request: { number: 12 } }));
    assert.deepEqual(await gitHubTarget({ GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'acme/widgets', GITHUB_API_URL: 'https://ghe.test/api/v3/' }), { apiUrl: 'https://ghe.test/api/v3', owner: 'acme', repo: 'widgets', pullRequest: 12 });
    writeFileSync(event, JSON.stringify({ ref: 'refs/heads/main', commits: [] }));
    await assert.rejects(gitHubTarget({ GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'acme/widgets', GITHUB_EVENT_NAME: 'push' }), (err: Error) => err instanceof NoPullRequestError && /not for a pull request \(event push\)/.test(err.message));
    await assert.rejects(gitHubTarget({ GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: '../../x' }), /GITHUB_REPOSITORY is not owner\/name/);
    await assert.rejects(gitHubTarget({ GITHUB_EVENT_PATH: event, GITHUB_REPOSITORY: 'a/b', GITHUB_API_URL: 'file:///etc' }), /GITHUB_API_URL is not an http\(s\) URL/);
    assert.equal(pullRequestNumber({ pull_request: { number: '12' } }), undefined);
  });

  it('links the run, with the attempt on a re-run', () => {
    const env = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/widgets', GITHUB_RUN_ID: '42' };
    assert.equal(runUrl(env), 'https://github.com/acme/widgets/actions/runs/42');
    assert.equal(runUrl({ ...env, GITHUB_RUN_ATTEMPT: '3' }), 'https://github.com/acme/widgets/actions/runs/42/attempts/3');
    assert.equal(runUrl({ ...env, GITHUB_RUN_ID: '42/../../x' }), undefined);
  });
});

describe('perf-pulse check --comment', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  let github: FakeGitHub;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    tmp = tempDir('pp-check-comment-');
    github = await startFakeGitHub();
    const event = join(tmp.dir, 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { number: 7 } }));
    env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: 'acme/widgets',
      GITHUB_API_URL: github.apiUrl,
      GITHUB_SERVER_URL: 'https://github.test',
      GITHUB_RUN_ID: '101',
      GITHUB_TOKEN: 'test-token',
    };
    await seedHistory(join(tmp.dir, 'history'), [{ name: 'sort-10k', levels: stepLevels(0.012, 0.012) }]);
    writeHyperfine(join(tmp.dir, 'results.json'), [{ name: 'sort-10k', level: 0.012 }]);
  });
  afterEach(async () => {
    await github.close();
    tmp.dispose();
  });
  const check = (extraEnv: NodeJS.ProcessEnv = {}) => runCli(['check', '--history', 'history', '--no-record', '--comment', 'results.json'], tmp.dir, { ...env, ...extraEnv });

  it('posts the report with the verdict table and the run link, then updates it in place', async () => {
    const first = await check();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /created the comment on pull request #7/);
    const [comment] = github.comments.get(7)!;
    assert.ok(comment.body.startsWith(COMMENT_MARKER));
    assert.match(comment.body, /\| Series \| Current \| Baseline \| Change \| 95% CI \| Verdict \|/);
    assert.match(comment.body, /\| sort-10k \| 12(\.\d)? ms \|/);
    assert.ok(comment.body.includes('[This run](https://github.test/acme/widgets/actions/runs/101)'));

    const second = await check({ GITHUB_RUN_ID: '102' });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`updated the comment on pull request #7 \\(https://github.test/acme/widgets/pull/7#issuecomment-${comment.id}\\)`));
    assert.equal(github.comments.get(7)!.length, 1);
    assert.ok(github.comments.get(7)![0].body.includes('runs/102'));
    assert.deepEqual(github.requests.map((r) => r.method), ['GET', 'POST', 'GET', 'PATCH']);
  });

  it('a failed comment is a one-line warning and never changes the exit code', async () => {
    github.failWith.set('POST', { status: 403, message: 'Resource not accessible by integration' });
    const run = await check();
    assert.equal(run.code, 0);
    assert.equal(run.stderr, '::warning::perf-pulse check: could not comment on pull request #7: POST /repos/acme/widgets/issues/7/comments: 403 Forbidden (Resource not accessible by integration)\n');

    github.failWith.set('POST', { status: 500, message: '100% broken' });
    const escaped = await check();
    assert.equal(escaped.code, 0);
    assert.match(escaped.stderr, /^::warning::perf-pulse check: could not comment on pull request #7: POST \S+: 500 Internal Server Error \(100%25 broken\)\n$/);
  });

  it('outside a pull request it says so and comments nothing', async () => {
    writeFileSync(env.GITHUB_EVENT_PATH!, JSON.stringify({ ref: 'refs/heads/main' }));
    const run = await check({ GITHUB_EVENT_NAME: 'push' });
    assert.equal(run.code, 0);
    assert.match(run.stderr, /^perf-pulse check: no comment posted: this run is not for a pull request \(event push\)/);
    assert.equal(github.requests.length, 0);
  });

  it('without a token it warns and comments nothing', async () => {
    const run = await check({ GITHUB_TOKEN: '' });
    assert.equal(run.code, 0);
    assert.match(run.stderr, /no comment posted: no token/);
    assert.equal(github.requests.length, 0);
  });
});
