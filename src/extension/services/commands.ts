import vscode = require('vscode');
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE_NAME, starterConfig } from '../../core/config';
import { acceptBaseline, editorText, ignoreSeries, undoAccept, unignoreSeries } from '../../core/findings';
import { tools } from './load-tools';
import { machineFingerprint } from '../../core/env/machine';
import { vcsInfo } from '../../core/env/vcs';
import type { FindingsService } from './findings-service';
import type { HistoryService } from './history-service';
import { primaryFolder } from './workspace';

/** Commands that act on findings and decisions (all reversible). */
export class FindingCommands {
  constructor(
    private readonly history: HistoryService,
    private readonly findings: FindingsService,
  ) {}

  private async pickFinding(placeHolder: string): Promise<{ seriesId: string; recordId: string } | undefined> {
    const items = this.findings.findings.map(({ finding }) => ({ label: finding.name, detail: editorText(finding), seriesId: finding.seriesId, recordId: finding.firstBad.recordId }));
    if (!items.length) {
      void vscode.window.showInformationMessage('Perf Pulse has no active findings.');
      return undefined;
    }
    return vscode.window.showQuickPick(items, { placeHolder, matchOnDetail: true });
  }

  async accept(arg?: { seriesId: string; recordId: string }): Promise<void> {
    const target = arg ?? (await this.pickFinding('Accept which finding as the new baseline?'));
    if (!target) return;
    const dir = this.history.directory();
    await acceptBaseline(dir, target.seriesId, target.recordId, 'editor');
    await this.findings.refresh();
    // Not awaited: the command is done; the offer to undo stays until dismissed.
    void vscode.window.showInformationMessage('Perf Pulse: the new level is now the baseline for this series.', 'Undo').then(async (choice) => {
      if (choice !== 'Undo') return;
      await undoAccept(dir, target.seriesId);
      await this.findings.refresh();
    });
  }

  async ignore(arg?: { seriesId: string }): Promise<void> {
    const target = arg ?? (await this.pickFinding('Ignore which series?'));
    if (!target) return;
    const dir = this.history.directory();
    await ignoreSeries(dir, target.seriesId);
    await this.findings.refresh();
    void vscode.window.showInformationMessage('Perf Pulse: this series is ignored; its history is kept.', 'Undo').then(async (choice) => {
      if (choice !== 'Undo') return;
      await unignoreSeries(dir, target.seriesId);
      await this.findings.refresh();
    });
  }

  async showFindings(): Promise<void> {
    await this.findings.refresh();
    const items = this.findings.findings.map(({ finding, location }) => ({
      label: `$(${finding.kind === 'budget' ? 'error' : 'warning'}) ${finding.name}`,
      detail: editorText(finding),
      description: location ? vscode.workspace.asRelativePath(location.uri) + `:${location.range.start.line + 1}` : undefined,
      finding,
      location,
    }));
    if (!items.length) {
      void vscode.window.showInformationMessage('Perf Pulse has no active findings.');
      return;
    }
    const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Perf Pulse findings: pick one to go to its source', matchOnDetail: true });
    if (!picked) return;
    if (picked.location) await vscode.window.showTextDocument(picked.location.uri, { selection: picked.location.range });
    else await vscode.commands.executeCommand('perfPulse.showTrends', { seriesId: picked.finding.seriesId });
  }
}

/** Writes a commented starter perfpulse.json from what the workspace contains. */
export async function createConfig(): Promise<vscode.Uri | undefined> {
  const folder = primaryFolder();
  if (!folder) {
    void vscode.window.showWarningMessage('Perf Pulse: open a folder first.');
    return undefined;
  }
  const uri = vscode.Uri.joinPath(folder.uri, CONFIG_FILE_NAME);
  try {
    await vscode.workspace.fs.stat(uri);
    const choice = await vscode.window.showWarningMessage(`${CONFIG_FILE_NAME} already exists in ${folder.name}.`, 'Open It');
    if (choice) await vscode.window.showTextDocument(uri);
    return uri;
  } catch {
    // absent: write it
  }
  const files = (await vscode.workspace.findFiles('**/*{_test.go,.rs,.py,.js,.mjs}', '**/{node_modules,.git,target,dist,build,out,vendor,.venv}/**', 500)).map((u) => vscode.workspace.asRelativePath(u, false));
  let npmScripts: Record<string, string> | undefined;
  try {
    npmScripts = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, 'package.json')))).scripts;
  } catch {
    npmScripts = undefined;
  }
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(starterConfig({ files, npmScripts })));
  await vscode.window.showTextDocument(uri);
  return uri;
}

/** Export Report…: the same report as `perf-pulse report`, in Markdown, JSON or HTML. */
export async function exportReport(findings: FindingsService, target?: vscode.Uri, format?: 'md' | 'json' | 'html'): Promise<vscode.Uri | undefined> {
  const chosen = format ?? (await vscode.window.showQuickPick([
    { label: 'Markdown', format: 'md' as const },
    { label: 'HTML', format: 'html' as const },
    { label: 'JSON', format: 'json' as const },
  ], { placeHolder: 'Report format' }))?.format;
  if (!chosen) return undefined;
  const folder = primaryFolder();
  const uri = target ?? (await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder.uri, `perf-pulse-report.${chosen}`) : undefined,
    filters: { Report: [chosen] },
  }));
  if (!uri) return undefined;
  const analysis = await findings.refresh();
  const [machine, vcs] = await Promise.all([machineFingerprint(), folder ? vcsInfo(folder.uri.fsPath) : Promise.resolve({})]);
  const { buildReport, toHtml, toJson, toMarkdown } = tools();
  const model = buildReport(analysis, {
    generatedAt: Date.now(),
    machine,
    vcs,
    includeHostname: vscode.workspace.getConfiguration('perfPulse.share').get<boolean>('includeHostname', false),
    ...(folder ? { workspaceDir: folder.uri.fsPath } : {}),
  });
  const text = chosen === 'md' ? toMarkdown(model) : chosen === 'html' ? toHtml(model) : toJson(model);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  if (!target) {
    const choice = await vscode.window.showInformationMessage(`Perf Pulse: report written to ${vscode.workspace.asRelativePath(uri)}.`, 'Open');
    if (choice) await vscode.window.showTextDocument(uri);
  }
  return uri;
}

/** Clear History: asks, offers an export first, and only then removes the history files. */
export async function clearHistory(history: HistoryService, findings: FindingsService, confirmed = false): Promise<boolean> {
  const dir = history.directory();
  if (!confirmed) {
    const choice = await vscode.window.showWarningMessage(
      'Clear the whole Perf Pulse history of this workspace? This cannot be undone.',
      { modal: true, detail: `The history is in ${dir}.` },
      'Export First…',
      'Clear',
    );
    if (!choice) return false;
    if (choice === 'Export First…') {
      const uri = await vscode.window.showSaveDialog({ filters: { JSON: ['json'] }, saveLabel: 'Export History' });
      if (!uri) return false;
      const store = await history.ready();
      const chunks: string[] = [];
      for await (const chunk of store.exportJson()) chunks.push(chunk);
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(chunks.join('')));
      const again = await vscode.window.showWarningMessage(`History exported to ${uri.fsPath}. Clear it now?`, { modal: true }, 'Clear');
      if (again !== 'Clear') return false;
    }
  }
  await history.clear();
  await findings.refresh();
  return true;
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(join(dir), { recursive: true, force: true });
}
