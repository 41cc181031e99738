import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the few GitHub REST endpoints the pull-request comment uses: list an
 * issue's comments (paginated with a `Link` header), create one, edit one. It records every
 * request so tests can check the method, path, token and body it received.
 */

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
  author_association: string;
  html_url: string;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  authorization?: string;
  contentType?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read the posted JSON's fields freely
  body?: any;
}

export interface FakeGitHub {
  apiUrl: string;
  requests: ReceivedRequest[];
  comments: Map<number, FakeComment[]>;
  /** Answer the next requests matching METHOD with this status instead. */
  failWith: Map<string, { status: number; message: string }>;
  /** Where `Link: rel="next"` points (a test of the origin check changes it). */
  nextLinkOrigin?: string;
  close(): Promise<void>;
}

export const PER_PAGE_LIMIT = 100;

export async function startFakeGitHub(owner = 'acme', repo = 'widgets'): Promise<FakeGitHub> {
  let nextId = 1000;
  const server: Server = createServer((req, res) => void handle(req, res));
  const fake: FakeGitHub = {
    apiUrl: '',
    requests: [],
    comments: new Map(),
    failWith: new Map(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const received: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, contentType: req.headers['content-type'] };
    if (raw) received.body = JSON.parse(raw);
    fake.requests.push(received);
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(json));
    };
    const failure = fake.failWith.get(received.method);
    if (failure) return send(failure.status, { message: failure.message });
    if (received.authorization !== 'Bearer test-token') return send(401, { message: 'Bad credentials' });

    const url = new URL(received.url, 'http://127.0.0.1');
    const prefix = `/repos/${owner}/${repo}/issues`;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^${prefix}/(\\d+)/comments$`).exec(url.pathname))) {
      const issue = Number(m[1]);
      const list = fake.comments.get(issue) ?? [];
      if (received.method === 'GET') {
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), PER_PAGE_LIMIT);
        const page = Number(url.searchParams.get('page') ?? 1);
        const slice = list.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < list.length) {
          const origin = fake.nextLinkOrigin ?? fake.apiUrl;
          headers.link = `<${origin}${prefix}/${issue}/comments?per_page=${perPage}&page=${page + 1}>; rel="next", <${origin}${prefix}/${issue}/comments?per_page=${perPage}&page=${Math.ceil(list.length / perPage)}>; rel="last"`;
        }
        return send(200, slice, headers);
      }
      if (received.method === 'POST') {
        const comment: FakeComment = { id: nextId++, body: received.body.body, user: { login: 'github-actions[bot]', type: 'Bot' }, author_association: 'NONE', html_url: `https://github.test/${owner}/${repo}/pull/${issue}#issuecomment-${nextId - 1}` };
        fake.comments.set(issue, [...list, comment]);
        return send(201, comment);
      }
    }
    if ((m = new RegExp(`^${prefix}/comments/(\\d+)$`).exec(url.pathname)) && received.method === 'PATCH') {
      const id = Number(m[1]);
      for (const list of fake.comments.values()) {
        const comment = list.find((c) => c.id === id);
        if (comment) {
          comment.body = received.body.body;
          return send(200, comment);
        }
      }
      return send(404, { message: 'Not Found' });
    }
    send(404, { message: 'Not Found' });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.apiUrl = `http://127.0.0.1:${port}`;
  return fake;
}

/** Comments by other people and bots, none of them the check's. */
export function otherComments(count: number, firstId = 1): FakeComment[] {
  return Array.from({ length: count }, (_, i) => ({
    id: firstId + i,
    body: i % 2 ? 'LGTM' : 'Coverage report: 81%',
    user: i % 2 ? { login: 'reviewer', type: 'User' as const } : { login: 'codecov[bot]', type: 'Bot' as const },
    author_association: i % 2 ? 'MEMBER' : 'NONE',
    html_url: `https://github.test/c/${firstId + i}`,
  }));
}
