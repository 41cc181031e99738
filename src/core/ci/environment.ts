import { promises as fs } from 'node:fs';

/**
 * What a CI run says about itself through its environment: the pull request's base branch,
 * the GitHub API and repository, the pull request number and the link to the run. Every
 * value comes from the environment or the event file, so each is checked before it is used
 * in a URL or compared with the history.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** Branch names as CI systems report them: the characters of git ref names, no leading dash, no `..`. */
const BRANCH = /^[A-Za-z0-9_][A-Za-z0-9._/+-]*$/;

function branchName(value: string | undefined): string | undefined {
  if (!value || value.length > 256 || !BRANCH.test(value) || value.includes('..')) return undefined;
  return value;
}

/**
 * The branch a pull request (GitHub's `GITHUB_BASE_REF`) or merge request (GitLab's
 * `CI_MERGE_REQUEST_TARGET_BRANCH_NAME`) will merge into; undefined outside one, or when the
 * value is not a plain branch name.
 */
export function baseBranchFromEnv(env: Env): string | undefined {
  return branchName(env.GITHUB_BASE_REF) ?? branchName(env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME);
}

export function isGitHubActions(env: Env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** `owner/name`, as GitHub allows them. */
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** `https://github.com/owner/name/actions/runs/123` (with `/attempts/N` on a re-run), or undefined. */
export function runUrl(env: Env): string | undefined {
  const server = httpUrl(env.GITHUB_SERVER_URL);
  const repository = env.GITHUB_REPOSITORY;
  const runId = env.GITHUB_RUN_ID;
  if (!server || !repository || !REPOSITORY.test(repository) || !runId || !/^\d+$/.test(runId)) return undefined;
  const attempt = env.GITHUB_RUN_ATTEMPT && /^\d+$/.test(env.GITHUB_RUN_ATTEMPT) && env.GITHUB_RUN_ATTEMPT !== '1' ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : '';
  return `${server}/${repository}/actions/runs/${runId}${attempt}`;
}

function httpUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return url.href.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

export interface GitHubTarget {
  /** The REST API root, e.g. `https://api.github.com` (GitHub Enterprise: `https://HOST/api/v3`). */
  apiUrl: string;
  owner: string;
  repo: string;
  /** The pull request (an issue, for the comments API). */
  pullRequest: number;
}

/** Why no comment can be posted, as one line. */
export class NoPullRequestError extends Error {}

/**
 * The pull request this run belongs to: the number from the event payload at
 * `GITHUB_EVENT_PATH` (events `pull_request` and `pull_request_target`), the repository
 * from `GITHUB_REPOSITORY` and the API from `GITHUB_API_URL`.
 */
export async function gitHubTarget(env: Env): Promise<GitHubTarget> {
  const apiUrl = httpUrl(env.GITHUB_API_URL ?? 'https://api.github.com');
  if (!apiUrl) throw new NoPullRequestError(`GITHUB_API_URL is not an http(s) URL: ${JSON.stringify(env.GITHUB_API_URL)}`);
  const repository = env.GITHUB_REPOSITORY;
  if (!repository || !REPOSITORY.test(repository)) throw new NoPullRequestError(`GITHUB_REPOSITORY is not owner/name: ${JSON.stringify(repository ?? '')}`);
  const [owner, repo] = repository.split('/');
  const eventPath = env.GITHUB_EVENT_PATH;
  if (!eventPath) throw new NoPullRequestError('GITHUB_EVENT_PATH is not set, so the pull request is unknown');
  let payload: unknown;
  try {
    payload = JSON.parse(await fs.readFile(eventPath, 'utf8'));
  } catch (err) {
    throw new NoPullRequestError(`cannot read the event payload ${eventPath}: ${(err as Error).message.split('\n')[0]}`);
  }
  const pullRequest = pullRequestNumber(payload);
  if (pullRequest === undefined) {
    const event = env.GITHUB_EVENT_NAME ? ` (event ${env.GITHUB_EVENT_NAME})` : '';
    throw new NoPullRequestError(`this run is not for a pull request${event}: ${eventPath} has no pull_request.number`);
  }
  return { apiUrl, owner, repo, pullRequest };
}

/** `pull_request.number` of a pull_request / pull_request_target payload. */
export function pullRequestNumber(payload: unknown): number | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const pr = (payload as { pull_request?: unknown }).pull_request;
  if (typeof pr !== 'object' || pr === null) return undefined;
  const n = (pr as { number?: unknown }).number;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
