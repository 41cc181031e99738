import vscode = require('vscode');
import { verdictSentence } from '../../core/findings/verdicts';
import { escapeMarkdown } from '../../core/report/markdown-escape';
import { Disposable } from '../disposable';
import type { FolderServices } from '../services/folder-services';
import type { WorkspaceFolderServices } from '../services/folders';
import { buildGroups, countsText, VIEW_GROUPS, type ViewGroup, type ViewGroupKind, type ViewSeries } from './view-model';

export const FINDINGS_VIEW_ID = 'perfPulse.findings';

/** View items are plain objects: VS Code hands them to the inline actions' commands as their argument. */
export type ViewNode =
  | { type: 'folder'; folder: string; services: FolderServices }
  | { type: 'group'; folder: string; kind: ViewGroupKind; group: ViewGroup; services: FolderServices }
  | { type: 'series'; folder: string; seriesId: string; benchmark?: string; item: ViewSeries }
  | { type: 'note'; folder: string; text: string; command?: vscode.Command; icon: string };

const groupStyle = new Map(VIEW_GROUPS.map((g) => [g.kind, g]));

/**
 * The Perf Pulse view: per folder (in a multi-root workspace), the series grouped by their
 * verdict, new regressions first and the healthy ones last, each with its numbers and inline
 * actions. Redrawn when a folder's analysis lands; the analysis itself runs off-thread.
 */
export class FindingsTree extends Disposable implements vscode.TreeDataProvider<ViewNode> {
  private readonly changed = this._register(new vscode.EventEmitter<ViewNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  /** Groups per folder, built once per analysis. */
  private readonly groups = new Map<string, ViewGroup[]>();

  constructor(private readonly folders: WorkspaceFolderServices) {
    super();
    this._register(folders.onDidChangeFindings((f) => {
      this.groups.delete(f.key);
      this.changed.fire(undefined);
    }));
    this._register(folders.onDidChange(() => {
      this.groups.clear();
      this.changed.fire(undefined);
    }));
  }

  groupsOf(services: FolderServices): ViewGroup[] {
    let groups = this.groups.get(services.key);
    const analysis = services.findings.analysis;
    if (!groups && analysis) this.groups.set(services.key, (groups = buildGroups(analysis)));
    return groups ?? [];
  }

  /** New and standing findings over all folders: the view's badge. */
  activeCount(): number {
    return this.folders.all().reduce((n, f) => n + this.groupsOf(f).filter((g) => g.kind === 'new' || g.kind === 'standing').reduce((m, g) => m + g.items.length, 0), 0);
  }

  getChildren(node?: ViewNode): ViewNode[] {
    if (!node) {
      const all = this.folders.all();
      if (all.length > 1) return all.map((services) => ({ type: 'folder', folder: services.key, services }));
      return all.length ? this.folderChildren(all[0], false) : [];
    }
    if (node.type === 'folder') return this.folderChildren(node.services, true);
    if (node.type === 'group') {
      return node.group.items.map((item) => ({
        type: 'series',
        folder: node.folder,
        seriesId: item.series.id,
        ...(item.series.source === 'benchmark' ? { benchmark: item.series.group ?? item.series.name } : {}),
        item,
      }));
    }
    return [];
  }

  private folderChildren(services: FolderServices, inMultiRoot: boolean): ViewNode[] {
    const groups = this.groupsOf(services);
    const nodes: ViewNode[] = groups.map((group) => ({ type: 'group', folder: services.key, kind: group.kind, group, services }));
    if (nodes.length || !inMultiRoot) return nodes;
    // In a multi-root workspace a folder says why it is empty (a single folder has the welcome view for that).
    if (!services.hasConfig) {
      return [{ type: 'note', folder: services.key, text: 'No perfpulse.json: Create Config', icon: 'new-file', command: { title: 'Create Config', command: 'perfPulse.createConfig', arguments: [{ folder: services.key }] } }];
    }
    return [{ type: 'note', folder: services.key, text: services.findings.analysis ? 'No runs yet: Run All Benchmarks' : 'Analysing…', icon: 'play', command: { title: 'Run All Benchmarks', command: 'perfPulse.runAll', arguments: [{ folder: services.key }] } }];
  }

  getTreeItem(node: ViewNode): vscode.TreeItem {
    switch (node.type) {
      case 'folder': {
        const item = new vscode.TreeItem(node.services.folder.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `folder:${node.folder}`;
        const groups = this.groupsOf(node.services);
        item.description = groups.length ? countsText(groups) : !node.services.findings.analysis ? 'analysing…' : node.services.hasConfig ? 'no runs yet' : 'no perfpulse.json';
        item.iconPath = vscode.ThemeIcon.Folder;
        item.resourceUri = node.services.folder.uri;
        item.contextValue = `folder${node.services.hasConfig ? ';hasConfig' : ''}`;
        return item;
      }
      case 'group': {
        const style = groupStyle.get(node.kind)!;
        const collapsed = node.kind === 'healthy' && node.group.items.length > 12;
        const item = new vscode.TreeItem(style.label, collapsed ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${node.folder}:${node.kind}`;
        item.description = String(node.group.items.length);
        item.iconPath = new vscode.ThemeIcon(style.icon, new vscode.ThemeColor(style.color));
        item.contextValue = `group;${node.kind}`;
        return item;
      }
      case 'series': {
        const { series, finding, numbers, group } = node.item;
        const style = groupStyle.get(group)!;
        const item = new vscode.TreeItem(series.name, vscode.TreeItemCollapsibleState.None);
        item.id = `series:${node.folder}:${series.id}`;
        item.description = numbers;
        item.iconPath = new vscode.ThemeIcon(style.icon, new vscode.ThemeColor(style.color));
        const tip = new vscode.MarkdownString(undefined, true);
        tip.appendMarkdown(`**${escapeMarkdown(series.name)}** · ${escapeMarkdown(series.metric)}\n\n`);
        tip.appendMarkdown(`${escapeMarkdown(numbers)}\n\n`);
        if (series.verdict) tip.appendMarkdown(`${escapeMarkdown(verdictSentence(series.verdict))}\n\n`);
        else if (finding) tip.appendMarkdown(`${escapeMarkdown(finding.message)}\n\n`);
        tip.appendMarkdown(`${series.runs} run${series.runs === 1 ? '' : 's'}`);
        item.tooltip = tip;
        item.accessibilityInformation = { label: `${series.name}, ${style.label}: ${numbers}` };
        item.contextValue = ['series', group, node.benchmark ? 'benchmark' : '', finding ? 'finding' : ''].filter(Boolean).join(';');
        item.command = { title: 'Show Trend', command: 'perfPulse.showTrends', arguments: [{ seriesId: series.id, folder: node.folder }] };
        return item;
      }
      case 'note': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.command = node.command;
        item.contextValue = 'note';
        return item;
      }
    }
  }
}
