import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { requestScreenshot } from '../host-control';

// "Perf Pulse: Profile Benchmark" in a real VS Code: the profile runs (V8), the hot function
// is marked at its definition, and perfpulse.json offers "Profile" on each benchmark.

const EXTENSION_ID = 'perf-pulse.perf-pulse';

function folder(): vscode.WorkspaceFolder {
  return vscode.workspace.workspaceFolders![0];
}

async function lensTitles(uri: vscode.Uri): Promise<Array<{ title: string; line: number }>> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 20);
  return lenses.map((l) => ({ title: l.command?.title ?? '', line: l.range.start.line }));
}

describe('profile a benchmark from the editor', function () {
  this.timeout(180_000);
  const hotUri = () => vscode.Uri.joinPath(folder().uri, 'src', 'hot.js');

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });

  it('perfpulse.json offers "Profile" above each benchmark', async () => {
    const uri = vscode.Uri.joinPath(folder().uri, 'perfpulse.json');
    await vscode.workspace.openTextDocument(uri);
    const titles = (await lensTitles(uri)).map((l) => l.title);
    assert.ok(titles.filter((t) => t === '$(flame) Profile').length >= 4, titles.join(' | '));
  });

  it('profiles "hot" and marks spin() at its definition with its share', async () => {
    await vscode.workspace.openTextDocument(hotUri());
    assert.ok(!(await lensTitles(hotUri())).some((l) => l.title.includes('of hot')), 'nothing is marked before a profile');
    const shares = await vscode.commands.executeCommand<Array<{ name: string; file: string; line: number; totalShare: number; selfShare: number }>>('perfPulse.profileBenchmark', 'hot');
    assert.ok(shares && shares.length, 'the command returns the profile');
    const spin = shares.find((f) => f.name === 'spin');
    assert.ok(spin && spin.file === 'src/hot.js' && spin.line === 3, JSON.stringify(shares.slice(0, 3)));
    const lenses = await lensTitles(hotUri());
    const marks = lenses.filter((l) => /^\$\(flame\) \d+% of hot \(self \d+%\)$/.test(l.title));
    const mark = marks.find((l) => l.line === 2);
    assert.ok(mark, `a mark on the line that defines spin: ${lenses.map((l) => `${l.line + 1}: ${l.title}`).join(' | ')}`);
    assert.ok(!marks.some((l) => l.line === 0), 'no mark on the module itself');
    assert.ok(Number(/(\d+)% of hot/.exec(mark.title)![1]) >= 50, mark.title);
    // light() and its closures are cheap: no large share anywhere else.
    for (const other of marks.filter((l) => l.line !== 2)) {
      assert.ok(Number(/(\d+)% of hot/.exec(other.title)![1]) < 20, `${other.title} on line ${other.line + 1}`);
    }
    // Kept beside the history, in its profiles folder.
    const s = await ((await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as { services(): Promise<{ history: { directory(): string } }> }).services();
    const dir = vscode.Uri.joinPath(vscode.Uri.file(s.history.directory()), 'profiles');
    assert.ok(fs.existsSync(dir.fsPath), `no ${dir.fsPath}`);
  });

  it('takes a screenshot of the hot-code mark', async function () {
    const editor = await vscode.window.showTextDocument(hotUri());
    editor.selection = new vscode.Selection(2, 0, 2, 0);
    await vscode.commands.executeCommand('notifications.clearAll');
    await new Promise((r) => setTimeout(r, 1500));
    const written = await requestScreenshot('hot-code');
    if (!written) this.skip();
  });
});
