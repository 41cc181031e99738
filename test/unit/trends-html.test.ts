import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { contentSecurityPolicy, makeNonce, trendsHtml } from '../../src/extension/trends/html';
import { restoreViewState } from '../../src/extension/trends/view-state';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('trends: panel HTML and CSP', () => {
  const html = trendsHtml({ cspSource: 'https://file+.vscode-resource.vscode-cdn.net', scriptUri: 'https://x/dist/webview/trends.js', styleUri: 'https://x/dist/webview/trends.css', nonce: 'abc123' });

  it('allows scripts only by nonce and styles only from the extension', () => {
    const csp = contentSecurityPolicy('vscode-resource:', 'N0nce');
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, /script-src 'nonce-N0nce'/);
    assert.match(csp, /style-src vscode-resource:(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  });

  it('has exactly one script, carrying the nonce, and no inline style or script', () => {
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0], /nonce="abc123"/);
    assert.match(scripts[0], /src="https:\/\/x\/dist\/webview\/trends.js"/);
    assert.doesNotMatch(html, /<style|style="/);
    assert.match(html, /<script[^>]*><\/script>/, 'the script tag has no inline body');
  });

  it('loads nothing from outside the extension', () => {
    const urls = html.match(/(?:src|href)="([^"]+)"/g) ?? [];
    for (const u of urls) assert.match(u, /"https:\/\/x\//);
  });

  it('makes 32-character alphanumeric nonces from the given generator', () => {
    let i = 0;
    const nonce = makeNonce((max) => i++ % max);
    assert.match(nonce, /^[A-Za-z0-9]{32}$/);
  });

  it('never sets inline style attributes from webview code (the CSP would block them)', () => {
    const offenders = files(join(__dirname, '../../webview/src')).filter((f) => /setAttribute\(\s*['"]style['"]|\.attr\(\s*['"]style['"]|style=\\?["']/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('keeps d3 and the DOM out of the extension host and the protocol', () => {
    const hostFiles = [...files(join(__dirname, '../../src/extension')), ...files(join(__dirname, '../../src/protocol'))];
    const offenders = hostFiles.filter((f) => /from\s+['"](d3|d3-[\w-]+)['"]|from\s+['"][./]*\/webview\//.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, []);
    const protocol = readFileSync(join(__dirname, '../../src/protocol/trends.ts'), 'utf8');
    assert.doesNotMatch(protocol, /^import\s+(?!type)/m, 'the protocol has no runtime imports');
  });

  it('restores a saved view state and fills fields a newer version added', () => {
    assert.deepEqual(restoreViewState({ view: 'detail', seriesId: 's1', zoom: [3, 9] }).zoom, [3, 9]);
    assert.equal(restoreViewState({ view: 'detail' }).yScale, 'linear');
    assert.equal(restoreViewState('garbage').view, 'overview');
    assert.equal(restoreViewState(null).view, 'overview');
    assert.equal(restoreViewState({ view: 'nonsense', zoom: ['a', 1] }).view, 'overview');
    assert.equal(restoreViewState({ view: 'detail', zoom: ['a', 1] }).zoom, undefined);
  });
});
