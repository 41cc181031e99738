import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';

/**
 * The layer rules in eslint.config.mjs fire: each fixture in test/fixtures/lint/ breaks one of
 * them on purpose and is linted, through ESLint's API with the repository's own config, as if
 * it sat at the path in the layer named in its first line. The normal lint run ignores the
 * fixtures, so `npm run lint` stays clean.
 */
const root = join(__dirname, '../..');
const fixtures = join(root, 'test/fixtures/lint');
const RULE = '@typescript-eslint/no-restricted-imports';

let eslint: ESLint;

async function lintAs(fixture: string): Promise<{ rules: string[]; messages: string[] }> {
  const text = readFileSync(join(fixtures, fixture), 'utf8');
  const as = /^\/\/ as ([\w./-]+):/.exec(text)?.[1];
  assert.ok(as, `${fixture} names the path it stands for in its first line`);
  const [result] = await eslint.lintText(text, { filePath: join(root, as) });
  return { rules: result.messages.map((m) => m.ruleId ?? `fatal: ${m.message}`), messages: result.messages.map((m) => m.message) };
}

describe('lint: the layer rules', function () {
  this.timeout(60_000);

  before(() => {
    eslint = new ESLint({ cwd: root });
  });

  const violations: Array<[string, RegExp]> = [
    ['core-imports-vscode.ts', /vscode API belongs in src\/extension/],
    ['core-imports-extension.ts', /core imports no extension or CLI code/],
    ['core-imports-cli.ts', /core imports no extension or CLI code/],
    ['core-imports-webview.ts', /core imports no webview code/],
    ['webview-imports-host.ts', /webview reaches the host only through src\/protocol/],
    ['webview-imports-vscode.ts', /vscode API belongs in src\/extension/],
    ['protocol-imports-host.ts', /imports nothing outside itself/],
  ];
  for (const [fixture, why] of violations) {
    it(`refuses ${fixture.replace(/\.ts$/, '').replace(/-/g, ' ')}`, async () => {
      const { rules, messages } = await lintAs(fixture);
      assert.deepEqual(rules, [RULE], `exactly the layer rule fires: ${messages.join('; ')}`);
      assert.match(messages[0], why);
    });
  }

  it('lets the webview import its own modules and src/protocol/', async () => {
    assert.deepEqual((await lintAs('allowed-imports.ts')).rules, []);
  });

  it('the normal lint run skips the deliberate violations', async () => {
    for (const [fixture] of violations) assert.ok(await eslint.isPathIgnored(join(fixtures, fixture)), fixture);
    assert.ok(!(await eslint.isPathIgnored(join(root, 'src/core/format.ts'))));
  });
});
