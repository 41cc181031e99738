import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { closeQuickInput, openVSCode, repoRoot, screenshot, screenshotPath, searchCommandPalette, VSCodeSession } from './vscode';

interface Manifest {
  contributes?: {
    commands?: { command: string; title: string; category?: string }[];
    menus?: { commandPalette?: { command: string; when?: string }[] };
  };
}

function paletteTitlesFromManifest(): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
  // A `when` clause on the palette entry may hide a command in this workspace: leave those out.
  const conditional = new Set((manifest.contributes?.menus?.commandPalette ?? []).filter((m) => m.when !== undefined).map((m) => m.command));
  return (manifest.contributes?.commands ?? [])
    .filter((c) => c.category === 'Perf Pulse' && !conditional.has(c.command))
    .map((c) => `${c.category}: ${c.title}`);
}

describe('command palette (VS Code driven from outside)', function () {
  let vscode: VSCodeSession;

  before(async function () {
    vscode = await openVSCode('basic', { theme: 'Default Light Modern' });
  });

  after(async () => {
    await vscode?.close();
  });

  it('lists the Perf Pulse commands', async () => {
    const expected = paletteTitlesFromManifest();
    assert.ok(expected.length > 0, 'package.json contributes no "Perf Pulse" commands yet');
    const labels = await searchCommandPalette(vscode.page, 'Perf Pulse: ', { until: (l) => expected.every((t) => l.some((x) => x.startsWith(t))) });
    const shown = labels.filter((l) => l.startsWith('Perf Pulse: '));
    const missing = expected.filter((title) => !shown.some((l) => l === title || l.startsWith(`${title},`) || l.startsWith(`${title} `)));
    await screenshot(vscode.page, screenshotPath('palette.png'));
    assert.deepStrictEqual(missing, [], `not in the palette: ${missing.join(', ')}; shown: ${labels.join(' | ')}`);
    await closeQuickInput(vscode.page);
  });

  it('applies the theme chosen through the user settings', async () => {
    // Light themes put `vs` on the workbench, dark ones `vs-dark`: proves the settings file was read.
    const classes = (await vscode.page.locator('.monaco-workbench').getAttribute('class')) ?? '';
    assert.ok(classes.split(/\s+/).includes('vs'), `expected the light theme; workbench classes: ${classes}`);
  });

  it('shows the VS Code workbench with the fixture folder open', async () => {
    const explorer = vscode.page.locator('.explorer-folders-view');
    await explorer.getByText('perfpulse.json').first().waitFor({ state: 'visible', timeout: 30_000 });
  });
});
