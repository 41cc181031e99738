import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { requestScreenshot } from '../host-control';

const EXTENSION_ID = 'perf-pulse.perf-pulse';

interface ContributedCommand {
  command: string;
  title: string;
  category?: string;
}

describe('extension activation', () => {
  it('is installed under its published id', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded; loaded: ${vscode.extensions.all.map((e) => e.id).join(', ')}`);
    assert.strictEqual(ext.packageJSON.name, 'perf-pulse');
  });

  it('activates without throwing', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  it('registers every command that package.json contributes', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    // Read the list from the manifest so the test follows new commands without edits.
    const contributed: ContributedCommand[] = ext.packageJSON.contributes?.commands ?? [];
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c.command)).map((c) => `${c.command} ("${c.title}")`);
    assert.deepStrictEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  it('opened the fixture workspace', () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.strictEqual(folders.length, 1, 'expected exactly one workspace folder');
  });

  it('can photograph the window when the host offers screenshots', async function () {
    const written = await requestScreenshot('integration-activation');
    if (written === undefined) this.skip(); // desktop VS Code: nobody to take the picture
    const png = fs.readFileSync(written);
    assert.ok(png.length > 1000, `screenshot ${written} is only ${png.length} bytes`);
    assert.strictEqual(png.subarray(1, 4).toString('latin1'), 'PNG', `${written} is not a PNG`);
  });
});
