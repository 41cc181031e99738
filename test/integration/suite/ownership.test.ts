import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'perf-pulse.perf-pulse';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reaches into the extension's internals on purpose
async function services(): Promise<any> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const api = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as { services(): Promise<any> };
  return api.services();
}

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('editor: resources live and die with their owner', function () {
  this.timeout(120_000);

  it('the history watches only the store it has open, through a reopen and a clear', async () => {
    const s = await services();
    const history = s.history;
    const folder = vscode.workspace.workspaceFolders![0];
    const original = history.directory();
    await history.ready();
    assert.equal(history.watchedStores, 1);
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'perf-pulse-reopen-'));
    // Reading the settings from a test is fine; the extension reads them through src/extension/settings.
    const settings = vscode.workspace.getConfiguration('perfPulse.history', folder.uri);
    try {
      await settings.update('path', elsewhere, vscode.ConfigurationTarget.WorkspaceFolder);
      await waitFor('the history reopened elsewhere', async () => (await history.ready()).dir === elsewhere);
      assert.equal(history.watchedStores, 1, 'the old store is still watched after a reopen');
      await vscode.commands.executeCommand('perfPulse.clearHistory', true);
      assert.equal((await history.ready()).dir, elsewhere);
      assert.equal(history.watchedStores, 1, 'the cleared store is still watched');
    } finally {
      await settings.update('path', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
    }
    await waitFor('the history back in its place', async () => (await history.ready()).dir === original);
    assert.equal(history.watchedStores, 1);
  });

  it('each workspace folder has its own services, and the context keys say what applies', async () => {
    const s = await services();
    assert.equal(s.folders.all().length, vscode.workspace.workspaceFolders!.length);
    assert.equal(s.folders.first().folder.uri.toString(), vscode.workspace.workspaceFolders![0].uri.toString());
    await waitFor('the config seen', () => s.contextKeys.get('perfPulse.hasConfig') === true);
    assert.equal(s.contextKeys.get('perfPulse.configMissing'), false);
    assert.equal(s.contextKeys.get('perfPulse.running'), false);
  });
});
