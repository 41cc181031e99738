import type { GitHubTarget } from './environment';

/**
 * One comment per pull request with the report: created on the first run, edited in place
 * on every later run. The comment is found again by a hidden marker at its start, and only
 * among comments a bot or a member of the repository wrote, so nobody can make the check
 * overwrite their own comment by pasting the marker into it.
 */

export const COMMENT_MARKER = '<!-- perf-pulse -->';

/** GitHub refuses comment bodies over 65 536 characters. */
export const MAX_COMMENT_LENGTH = 65_536;
/** Listing pages followed at most (100 comments each). */
const MAX_PAGES = 50;
/** Earlier runs linked from the comment. */
const MAX_RUN_LINKS = 10;
const TRUSTED_AUTHORS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

export interface CommentLinks {
  /** This run's page (see runUrl in environment.ts). */
  runUrl?: string;
  /** The commit measured. */
  commit?: string;
}

/**
 * The comment: the marker, the report's own Markdown (escaped by its writer), and links to
 * this run and the earlier runs the previous version of the comment linked to.
 */
export function commentBody(markdown: string, links: CommentLinks, previousBody?: string): string {
  const earlier = links.runUrl ? earlierRunLinks(previousBody, links.runUrl) : [];
  const footer: string[] = ['', '---'];
  const facts: string[] = [];
  if (links.runUrl) facts.push(`[This run](${links.runUrl})`);
  if (links.commit && /^[0-9a-f]{7,64}$/i.test(links.commit)) facts.push(`commit ${links.commit.slice(0, 7)}`);
  facts.push('updated on every push by `perf-pulse check --comment`');
  footer.push(facts.join(' · '));
  if (earlier.length) footer.push('', `Earlier runs: ${earlier.map((url, i) => `[${i + 1}](${url})`).join(' · ')}`);
  const tail = footer.join('\n') + '\n';
  const head = COMMENT_MARKER + '\n';
  const room = MAX_COMMENT_LENGTH - head.length - tail.length;
  return head + fitted(markdown.trimEnd(), room) + tail;
}

const TRUNCATED = '\n\n_The report is longer than a comment allows; the full report is in the run\'s job summary._';

/** The Markdown cut at a line boundary when it does not fit. */
function fitted(markdown: string, room: number): string {
  if (markdown.length <= room) return markdown;
  const cut = markdown.lastIndexOf('\n', Math.max(0, room - TRUNCATED.length));
  return markdown.slice(0, Math.max(0, cut)) + TRUNCATED;
}

/** Run links of the same repository found in the previous comment, newest first, without this run. */
export function earlierRunLinks(previousBody: string | undefined, runUrl: string): string[] {
  if (!previousBody) return [];
  const prefix = runUrl.replace(/\/actions\/runs\/.*$/, '/actions/runs/');
  const pattern = new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\d+(?:/attempts/\\d+)?`, 'g');
  const seen = new Set<string>([runUrl]);
  const out: string[] = [];
  for (const url of previousBody.match(pattern) ?? []) {
    if (seen.has(url)) continue;
    seen.add(url);
    out.push(url);
  }
  return out.slice(0, MAX_RUN_LINKS);
}

/** A failed GitHub call, as one line: method, path, status and GitHub's message. */
export class GitHubApiError extends Error {}

export interface CommentResult {
  action: 'created' | 'updated';
  id: number;
  /** The comment's page, when GitHub says. */
  url?: string;
}

export interface UpsertOptions {
  token: string;
  /** Builds the body from the previous version of the comment (undefined on the first run). */
  body: (previousBody: string | undefined) => string;
  signal?: AbortSignal;
  /** Per request; default 30 s. */
  timeoutMs?: number;
  /** Node's fetch unless a test says otherwise. */
  fetch?: typeof fetch;
}

interface IssueComment {
  id: number;
  body?: string;
  html_url?: string;
  user?: { login?: string; type?: string } | null;
  author_association?: string;
}

/** Creates the pull request's Perf Pulse comment, or edits the one an earlier run created. */
export async function upsertPullRequestComment(target: GitHubTarget, options: UpsertOptions): Promise<CommentResult> {
  const api = new GitHubApi(target.apiUrl, options);
  const repo = `/repos/${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}`;
  const existing = await findMarkedComment(api, `${repo}/issues/${target.pullRequest}/comments?per_page=100`);
  if (existing) {
    const updated = (await api.request('PATCH', `${repo}/issues/comments/${existing.id}`, { body: options.body(existing.body) })) as IssueComment;
    return { action: 'updated', id: existing.id, ...(typeof updated?.html_url === 'string' ? { url: updated.html_url } : {}) };
  }
  const created = (await api.request('POST', `${repo}/issues/${target.pullRequest}/comments`, { body: options.body(undefined) })) as IssueComment;
  if (typeof created?.id !== 'number') throw new GitHubApiError(`POST ${repo}/issues/${target.pullRequest}/comments: the answer has no comment id`);
  return { action: 'created', id: created.id, ...(typeof created.html_url === 'string' ? { url: created.html_url } : {}) };
}

/** Is this comment one the check wrote? */
export function isPerfPulseComment(comment: IssueComment): boolean {
  if (typeof comment.body !== 'string' || !comment.body.trimStart().startsWith(COMMENT_MARKER)) return false;
  return comment.user?.type === 'Bot' || TRUSTED_AUTHORS.has(comment.author_association ?? '');
}

async function findMarkedComment(api: GitHubApi, firstPage: string): Promise<IssueComment | undefined> {
  let next: string | undefined = firstPage;
  for (let page = 0; next && page < MAX_PAGES; page++) {
    const { json, link } = await api.get(next);
    if (!Array.isArray(json)) throw new GitHubApiError(`GET ${api.pathOf(next)}: the answer is not a list of comments`);
    const found = (json as IssueComment[]).find((c) => typeof c === 'object' && c !== null && typeof c.id === 'number' && isPerfPulseComment(c));
    if (found) return found;
    next = nextPageUrl(link);
  }
  return undefined;
}

/** The `rel="next"` URL of a `Link` header. */
export function nextPageUrl(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]+)>\s*;(.*)$/.exec(part);
    if (m && /\brel="?([^";]*\s)?next(\s[^";]*)?"?/.test(m[2])) return m[1];
  }
  return undefined;
}

class GitHubApi {
  private readonly root: URL;
  constructor(
    apiUrl: string,
    private readonly options: UpsertOptions,
  ) {
    this.root = new URL(apiUrl.endsWith('/') ? apiUrl : apiUrl + '/');
  }

  /** A path below the API root, or an absolute URL (a `Link` header's) that must stay on the API's origin, which holds the token. */
  private url(pathOrUrl: string): URL {
    if (/^https?:\/\//i.test(pathOrUrl)) {
      const url = new URL(pathOrUrl);
      if (url.origin !== this.root.origin) throw new GitHubApiError(`the API pointed to ${url.origin}, not ${this.root.origin}; the token is not sent there`);
      return url;
    }
    return new URL(pathOrUrl.replace(/^\//, ''), this.root);
  }

  pathOf(pathOrUrl: string): string {
    const url = this.url(pathOrUrl);
    return url.pathname + url.search;
  }

  async get(pathOrUrl: string): Promise<{ json: unknown; link: string | null }> {
    const response = await this.send('GET', pathOrUrl);
    return { json: await this.json('GET', pathOrUrl, response), link: response.headers.get('link') };
  }

  async request(method: 'POST' | 'PATCH', pathOrUrl: string, body: unknown): Promise<unknown> {
    return this.json(method, pathOrUrl, await this.send(method, pathOrUrl, body));
  }

  private async send(method: string, pathOrUrl: string, body?: unknown): Promise<Response> {
    const url = this.url(pathOrUrl);
    const signals = [AbortSignal.timeout(this.options.timeoutMs ?? 30_000), ...(this.options.signal ? [this.options.signal] : [])];
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${this.options.token}`,
          'x-github-api-version': '2022-11-28',
          'user-agent': 'perf-pulse',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        // AbortSignal.any arrived in Node 20.3; before it, the timeout alone.
        signal: typeof AbortSignal.any === 'function' ? AbortSignal.any(signals) : signals[0],
        redirect: 'error',
      });
    } catch (err) {
      throw new GitHubApiError(`${method} ${url.pathname}: ${networkReason(err)}`);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new GitHubApiError(`${method} ${url.pathname}: ${response.status} ${response.statusText}${githubMessage(text)}`);
    }
    return response;
  }

  private async json(method: string, pathOrUrl: string, response: Response): Promise<unknown> {
    const text = await response.text();
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      throw new GitHubApiError(`${method} ${this.pathOf(pathOrUrl)}: the answer is not JSON`);
    }
  }
}

function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'no answer in time';
  if (e?.name === 'AbortError') return 'cancelled';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`.split('\n')[0];
}

/** GitHub's `message` from an error body, short and on one line. */
function githubMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string' && message) return ` (${message.replace(/\s+/g, ' ').slice(0, 200)})`;
  } catch {
    // not JSON: the status says enough
  }
  return '';
}
