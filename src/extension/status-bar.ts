import vscode = require('vscode');
import { escapeMarkdown } from '../core/report/markdown-escape';
import { Disposable } from './disposable';

export interface StatusFinding {
  severity: 'critical' | 'warning' | 'info';
  kind: 'regression' | 'budget' | 'improvement';
  seriesId: string;
  text: string;
  /** new or standing: only new findings turn the item red. */
  status?: 'new' | 'standing';
  /** The workspace folder's URI, for the link to the trend. */
  folder?: string;
}

type State =
  | { kind: 'idle'; last?: string }
  | { kind: 'running'; index: number; total: number; name: string }
  | { kind: 'findings'; findings: StatusFinding[] };

/** The single Perf Pulse status-bar item: idle, running, or the findings count. */
export class PerfStatusBar extends Disposable {
  static readonly id = 'perfPulse.status';
  private readonly item: vscode.StatusBarItem;
  private state: State = { kind: 'idle' };
  private findings: StatusFinding[] = [];
  private last?: string;

  constructor() {
    super();
    this.item = this._register(vscode.window.createStatusBarItem(PerfStatusBar.id, vscode.StatusBarAlignment.Left, 10));
    this.item.name = 'Perf Pulse';
    this.render();
    this.item.show();
  }

  /** For tests and the UI: what the item shows now. */
  get text(): string {
    return this.item.text;
  }
  get tooltipText(): string {
    const t = this.item.tooltip;
    return typeof t === 'string' ? t : t?.value ?? '';
  }

  running(index: number, total: number, name: string): void {
    this.state = { kind: 'running', index, total, name };
    this.render();
  }

  idle(last?: string): void {
    if (last !== undefined) this.last = last;
    this.state = this.findings.length ? { kind: 'findings', findings: this.findings } : { kind: 'idle', last: this.last };
    this.render();
  }

  setFindings(findings: StatusFinding[]): void {
    this.findings = findings.filter((f) => f.kind !== 'improvement');
    if (this.state.kind !== 'running') this.idle();
  }

  private render(): void {
    const item = this.item;
    item.backgroundColor = undefined;
    item.command = 'perfPulse.showTrends';
    switch (this.state.kind) {
      case 'running': {
        const { index, total, name } = this.state;
        item.text = `$(sync~spin) ${index}/${total} ${name}`;
        item.tooltip = `Perf Pulse is running ${name} (${index} of ${total}).`;
        item.accessibilityInformation = { label: `Perf Pulse: running benchmark ${index} of ${total}, ${name}`, role: 'status' };
        item.command = 'perfPulse.showLog';
        break;
      }
      case 'findings': {
        const findings = this.state.findings;
        const budgets = findings.filter((f) => f.kind === 'budget').length;
        const regressions = findings.filter((f) => f.kind === 'regression').length;
        const parts = [regressions && `${regressions} regression${regressions === 1 ? '' : 's'}`, budgets && `${budgets} over budget`].filter(Boolean);
        item.text = `$(warning) ${parts.join(', ')}`;
        // Red for what is new and serious; what was already there stays a warning.
        const alarming = findings.some((f) => f.status !== 'standing' && (f.kind === 'budget' || f.severity === 'critical'));
        item.backgroundColor = new vscode.ThemeColor(alarming ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
        const md = new vscode.MarkdownString(undefined, true);
        md.isTrusted = { enabledCommands: ['perfPulse.showTrends', 'perfPulse.showFindings'] };
        md.appendMarkdown('**Perf Pulse findings**\n\n');
        for (const f of findings.slice(0, 5)) {
          const args = encodeURIComponent(JSON.stringify([{ seriesId: f.seriesId, ...(f.folder ? { folder: f.folder } : {}) }]));
          md.appendMarkdown(`- $(${f.kind === 'budget' ? 'error' : 'warning'}) [${escapeMarkdown(f.text)}](command:perfPulse.showTrends?${args})\n`);
        }
        if (findings.length > 5) md.appendMarkdown(`\n[and ${findings.length - 5} more…](command:perfPulse.showFindings)\n`);
        item.tooltip = md;
        item.accessibilityInformation = { label: `Perf Pulse: ${parts.join(', ')}. Open the trends.`, role: 'button' };
        break;
      }
      default: {
        item.text = this.last ? `$(pulse) ${this.last}` : '$(pulse) Perf Pulse';
        item.tooltip = this.last ? `Perf Pulse: last run ${this.last}. Click to open the trends.` : 'Perf Pulse: no findings. Click to open the trends.';
        item.accessibilityInformation = { label: this.last ? `Perf Pulse, last run ${this.last}` : 'Perf Pulse, no findings', role: 'button' };
      }
    }
  }
}
