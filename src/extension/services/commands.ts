import vscode = require('vscode');
import { CONFIG_FILE_NAME, starterConfig } from '../../core/config';
import { acceptBaseline, editorText, ignoreSeries, undoAccept, unignoreSeries } from '../../core/findings';
import { tools } from './load-tools';
import { machineFingerprint } from '../../core/env/machine';
import { vcsInfo } from '../../core/env/vcs';
import { readSettings } from '../settings';
import type { FolderServices } from './folder-services';
import type { WorkspaceFolderServices } from './folders';
import type { LocatedFinding } from './findings-service';

interface SeriesTarget {
  seriesId: string;
  recordId?: string;
  folder?: string;
}

/** Commands that act on findings and decisions (all reversible). */
export class FindingCommands {
  constructor(private readonly folders: WorkspaceFolderServices) {}

  /** Every active finding of every folder, with its folder. */
  private allFindings(): Array<LocatedFinding & { services: FolderServices }> {
    return this.folders.all().flatMap((services) => services.findings.findings.map((f) => ({ ...f, services })));
  }

  private label(services: FolderServices, text: string): string {
    return this.folders.all().length > 1 ? `${services.folder.name}: ${text}` : text;
  }

  private async pickFinding(placeHolder: string): Promise<(SeriesTarget & { services: FolderServices }) | undefined> {
    const items = this.allFindings().map(({ finding, services }) => ({
      label: this.label(services, finding.name),
      detail: editorText(finding),
      seriesId: finding.seriesId,
      recordId: finding.firstBad.recordId,
      services,
    }));
    if (!items.length) {
      void vscode.window.showInformationMessage('Perf Pulse has no active findings.');
      return undefined;
    }
    return vscode.window.showQuickPick(items, { placeHolder, matchOnDetail: true });
  }

  /** The folder of a series named by a command's argument: the one it names, else the one whose history has the series. */
  private folderOf(target: SeriesTarget): FolderServices | undefined {
    return this.folders.get(target.folder) ?? this.folders.withSeries(target.seriesId) ?? this.folders.first();
  }

  async accept(arg?: SeriesTarget): Promise<void> {
    const target = arg?.seriesId ? { ...arg, services: this.folderOf(arg) } : await this.pickFinding('Accept which finding as the new baseline?');
    if (!target?.services) return;
    const services = target.services;
    const recordId = target.recordId ?? services.findings.findings.find((f) => f.finding.seriesId === target.seriesId)?.finding.firstBad.recordId;
    if (!recordId) {
      void vscode.window.showInformationMessage('Perf Pulse: this series has no finding to accept.');
      return;
    }
    const dir = services.history.directory();
    await acceptBaseline(dir, target.seriesId, recordId, 'editor');
    await services.findings.refresh();
    // Not awaited: the command is done; the offer to undo stays until dismissed.
    void vscode.window.showInformationMessage('Perf Pulse: the new level is now the baseline for this series.', 'Undo').then(async (choice) => {
      if (choice !== 'Undo') return;
      await undoAccept(dir, target.seriesId);
      await services.findings.refresh();
    });
  }

  async ignore(arg?: SeriesTarget): Promise<void> {
    const target = arg?.seriesId ? { ...arg, services: this.folderOf(arg) } : await this.pickFinding('Ignore which series?');
    if (!target?.services) return;
    const services = target.services;
    const dir = services.history.directory();
    await ignoreSeries(dir, target.seriesId);
    await services.findings.refresh();
    void vscode.window.showInformationMessage('Perf Pulse: this series is ignored; its history is kept.', 'Undo').then(async (choice) => {
      if (choice !== 'Undo') return;
      await unignoreSeries(dir, target.seriesId);
      await services.findings.refresh();
    });
  }

  async showFindings(): Promise<void> {
    await Promise.all(this.folders.all().map((f) => f.findings.refresh()));
    const items = this.allFindings().map(({ finding, location, services }) => ({
      label: `$(${finding.kind === 'budget' ? 'error' : 'warning'}) ${this.label(services, finding.name)}`,
      detail: editorText(finding),
      description: location ? vscode.workspace.asRelativePath(location.uri) + `:${location.range.start.line + 1}` : undefined,
      finding,
      location,
      services,
    }));
    if (!items.length) {
      void vscode.window.showInformationMessage('Perf Pulse has no active findings.');
      return;
    }
    const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Perf Pulse findings: pick one to go to its source', matchOnDetail: true });
    if (!picked) return;
    if (picked.location) await vscode.window.showTextDocument(picked.location.uri, { selection: picked.location.range });
    else await vscode.commands.executeCommand('perfPulse.showTrends', { seriesId: picked.finding.seriesId, folder: picked.services.key });
  }

  /** Opens the line that defines a series (or, lacking one, its trend). */
  async goToSource(arg?: SeriesTarget): Promise<void> {
    if (!arg?.seriesId) return;
    const services = this.folderOf(arg);
    const location = services ? await services.findings.locationOf(arg.seriesId) : undefined;
    if (location) await vscode.window.showTextDocument(location.uri, { selection: location.range });
    else {
      void vscode.window.showInformationMessage('Perf Pulse cannot tell where this series is defined; showing its trend.');
      await vscode.commands.executeCommand('perfPulse.showTrends', { seriesId: arg.seriesId, folder: services?.key });
    }
  }
}

/** Writes a commented starter perfpulse.json from what the folder contains. */
export async function createConfig(folders: WorkspaceFolderServices, arg?: unknown): Promise<vscode.Uri | undefined> {
  if (!folders.all().length) {
    void vscode.window.showWarningMessage('Perf Pulse: open a folder first.');
    return undefined;
  }
  const services = await folders.resolve(arg, 'Create perfpulse.json in which folder?', (f) => !f.hasConfig);
  if (!services) return undefined;
  const folder = services.folder;
  const uri = services.configUri;
  try {
    await vscode.workspace.fs.stat(uri);
    const choice = await vscode.window.showWarningMessage(`${CONFIG_FILE_NAME} already exists in ${folder.name}.`, 'Open It');
    if (choice) await vscode.window.showTextDocument(uri);
    return uri;
  } catch {
    // absent: write it
  }
  const files = (await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*{_test.go,.rs,.py,.js,.mjs}'), '**/{node_modules,.git,target,dist,build,out,vendor,.venv}/**', 500)).map((u) =>
    vscode.workspace.asRelativePath(u, false),
  );
  let npmScripts: Record<string, string> | undefined;
  try {
    npmScripts = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, 'package.json')))).scripts;
  } catch {
    npmScripts = undefined;
  }
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(starterConfig({ files, npmScripts })));
  await services.checkConfig();
  await vscode.window.showTextDocument(uri);
  return uri;
}

/** Export Report…: the same report as `perf-pulse report`, in Markdown, JSON or HTML, of one folder. */
export async function exportReport(folders: WorkspaceFolderServices, target?: vscode.Uri, format?: 'md' | 'json' | 'html', where?: unknown): Promise<vscode.Uri | undefined> {
  const services = await folders.resolve(where ?? target, 'Export the report of which folder?');
  if (!services) return undefined;
  const chosen = format ?? (await vscode.window.showQuickPick([
    { label: 'Markdown', format: 'md' as const },
    { label: 'HTML', format: 'html' as const },
    { label: 'JSON', format: 'json' as const },
  ], { placeHolder: 'Report format' }))?.format;
  if (!chosen) return undefined;
  const folder = services.folder;
  const uri = target ?? (await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(folder.uri, `perf-pulse-report.${chosen}`),
    filters: { Report: [chosen] },
  }));
  if (!uri) return undefined;
  const analysis = await services.findings.refresh();
  const [machine, vcs] = await Promise.all([machineFingerprint(), vcsInfo(folder.uri.fsPath)]);
  const { buildReport, toHtml, toJson, toMarkdown } = tools();
  const model = buildReport(analysis, {
    generatedAt: Date.now(),
    machine,
    vcs,
    includeHostname: readSettings(folder.uri)['share.includeHostname'],
    workspaceDir: folder.uri.fsPath,
  });
  const text = chosen === 'md' ? toMarkdown(model) : chosen === 'html' ? toHtml(model) : toJson(model);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  if (!target) {
    const choice = await vscode.window.showInformationMessage(`Perf Pulse: report written to ${vscode.workspace.asRelativePath(uri)}.`, 'Open');
    if (choice) await vscode.window.showTextDocument(uri);
  }
  return uri;
}

/** Clear History: asks, offers an export first, and only then removes the folder's history files. */
export async function clearHistory(folders: WorkspaceFolderServices, confirmed = false, where?: unknown): Promise<boolean> {
  const services = await folders.resolve(where, 'Clear the history of which folder?');
  if (!services) return false;
  const history = services.history;
  const dir = history.directory();
  if (!confirmed) {
    const choice = await vscode.window.showWarningMessage(
      `Clear the whole Perf Pulse history of ${services.folder.name}? This cannot be undone.`,
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
  await services.findings.refresh();
  return true;
}
