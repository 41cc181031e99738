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

  it('the Profile lens names its folder, whose services profile it and keep the profile', async () => {
    const config = vscode.Uri.joinPath(folder().uri, 'perfpulse.json');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', config, 20);
    const lens = lenses.find((l) => l.command?.command === 'perfPulse.profileBenchmark' && (l.command.arguments?.[0] as { benchmark?: string })?.benchmark === 'hot');
    assert.ok(lens, lenses.map((l) => `${l.command?.command} ${JSON.stringify(l.command?.arguments)}`).join(' | '));
    assert.deepEqual(lens.command!.arguments, [{ benchmark: 'hot', folder: folder().uri.toString() }]);
    const shares = await vscode.commands.executeCommand<Array<{ name: string }>>('perfPulse.profileBenchmark', ...lens.command!.arguments!);
    assert.ok(shares?.some((f) => f.name === 'spin'), 'the lens profiles "hot"');
    type FolderLike = { key: string; history: { storageDir(): string }; profiles: { hotSpots(file: string): Array<{ cpuprofile: vscode.Uri }> } };
    const s = await ((await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as { services(): Promise<{ folders: { get(key: string): FolderLike | undefined } }> }).services();
    const services = s.folders.get(folder().uri.toString());
    assert.ok(services, 'the folder has its services');
    const spots = services.profiles.hotSpots('src/hot.js');
    assert.ok(spots.length, 'the folder keeps the hot spots of its profile');
    // The .cpuprofile the mark opens lies in this folder's own part of the extension's storage.
    assert.ok(spots[0].cpuprofile.fsPath.startsWith(services.history.storageDir()), `${spots[0].cpuprofile.fsPath} outside ${services.history.storageDir()}`);
    assert.ok(fs.existsSync(spots[0].cpuprofile.fsPath));
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
