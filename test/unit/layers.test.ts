import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every .ts file below a folder. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const importsVscode = /(?:from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\))/;

describe('layers', () => {
  it('the core never imports vscode', () => {
    const offenders = sourceFiles(join(__dirname, '../../src/core')).filter((f) => importsVscode.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders, [], `src/core must stay free of the vscode API: ${offenders.join(', ')}`);
  });

  it('the CLI never imports vscode or the extension adapters', () => {
    const offenders = sourceFiles(join(__dirname, '../../src/cli')).filter((f) => {
      const text = readFileSync(f, 'utf8');
      return importsVscode.test(text) || /from\s+['"][./]+\/extension\//.test(text);
    });
    assert.deepEqual(offenders, []);
  });

  it('the extension imports the vscode API as one object, never as a namespace copy', () => {
    // esbuild turns `import * as vscode from 'vscode'` into __toESM(require('vscode')), which
    // copies all ~300 properties of the API object into a new one, once per importing module.
    // In the extension host that cost several milliseconds of activation; `import vscode =
    // require('vscode')` compiles to a plain require.
    const offenders = sourceFiles(join(__dirname, '../../src/extension')).filter((f) =>
      /^import\s+\*\s+as\s+\w+\s+from\s+['"]vscode['"]/m.test(readFileSync(f, 'utf8')),
    );
    assert.deepEqual(offenders, [], `use import vscode = require('vscode') in: ${offenders.join(', ')}`);
  });

  it('the layer check itself recognises an import of vscode', () => {
    assert.ok(importsVscode.test(`import * as vscode from 'vscode';`));
    assert.ok(importsVscode.test(`const v = require('vscode');`));
    assert.ok(!importsVscode.test(`import { x } from './vscode-free';`));
  });
});
