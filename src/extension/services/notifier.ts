import vscode = require('vscode');
import type { Analysis, EnvironmentChange, Finding } from '../../core/findings';
import { editorText, groupEvents } from '../../core/findings';
import { diffStat as gitDiffStat, Git } from '../../core/git';
import { Disposable } from '../disposable';
import type { FindingsService } from './findings-service';
import { primaryFolder } from './workspace';

const NOTIFIED_KEY = 'perfPulse.notifiedFindings';
const NOTIFIED_LIMIT = 1000;

/**
 * `git diff --stat A..B`, trimmed to the files, or undefined when git cannot tell. The
 * commits come from history records, which a repository can ship: anything but an object
 * name is refused before git starts, and in an untrusted workspace git does not start at
 * all (the program gate); `onRefused` hears why.
 */
export async function diffStat(dir: string, from: string, to: string, onRefused?: (why: string) => void): Promise<string[] | undefined> {
  try {
    return await gitDiffStat(new Git(dir), from, to);
  } catch (err) {
    onRefused?.((err as Error).message);
    return undefined;
  }
}

/**
 * One notification per new finding event (findings that appeared at the same commit),
 * never one per run. Findings already notified are remembered across restarts.
 */
export class FindingNotifier extends Disposable {
  constructor(
    findings: FindingsService,
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register(findings.onDidChange((analysis) => void this.notify(analysis)));
  }

  async notify(analysis: Analysis): Promise<void> {
    const level = vscode.workspace.getConfiguration('perfPulse.notifications').get<'all' | 'critical' | 'off'>('level', 'all');
    const notified = new Set(this.state.get<string[]>(NOTIFIED_KEY, []));
    // Suspects and budgets at risk wait until they are confirmed (and are not remembered, so that they are told then);
    // environment changes are told once per event, never as regressions.
    const fresh = analysis.findings.filter(
      (f) => f.kind !== 'improvement' && !notified.has(f.id) && f.status !== 'suspect' && f.status !== 'at-risk' && f.status !== 'environment',
    );
    const environment = (analysis.environment ?? []).filter((e) => e.kind === 'regression' && !notified.has(`environment:${e.key}`));
    if (!fresh.length && !environment.length) return;
    await this.state.update(NOTIFIED_KEY, [...notified, ...fresh.map((f) => f.id), ...environment.map((e) => `environment:${e.key}`)].slice(-NOTIFIED_LIMIT));
    if (level === 'all') for (const e of environment) void this.showEnvironment(e);
    const shown = fresh.filter((f) => level === 'all' || (level === 'critical' && f.severity === 'critical'));
    if (level === 'off' || !shown.length) return;
    const events = groupEvents(shown);
    if (events.length > 2) {
      // Several events at once: one grouped notification.
      const choice = await vscode.window.showWarningMessage(
        `Perf Pulse: ${shown.length} new findings in ${events.length} commits (${shown.slice(0, 3).map((f) => f.name).join(', ')}${shown.length > 3 ? ', …' : ''}).`,
        'Show',
      );
      if (choice === 'Show') await vscode.commands.executeCommand('perfPulse.showFindings');
      return;
    }
    for (const event of events) {
      const group = shown.filter((f) => event.findingIds.includes(f.id));
      void this.showEvent(group);
    }
  }

  /** One information message per environment change: the series it moved, and that it is not the code. */
  private async showEnvironment(e: EnvironmentChange): Promise<void> {
    const choice = await vscode.window.showInformationMessage(`Perf Pulse: environment change, not a code regression: ${e.message}.`, 'Show');
    if (choice === 'Show') await vscode.commands.executeCommand('perfPulse.showTrends', { seriesId: e.series[0]?.seriesId });
  }

  private async showEvent(group: Finding[]): Promise<void> {
    const first = group[0];
    const range = first.lastGood?.commit && first.firstBad.commit ? `${first.lastGood.commit.slice(0, 7)}..${first.firstBad.commit.slice(0, 7)}` : undefined;
    let text = group.length === 1 ? editorText(first) : `${group.length} findings${range ? ` between ${range}` : ''}: ${group.map((f) => editorText(f)).join('; ')}`;
    if (range) {
      const folder = primaryFolder();
      const stat = folder ? await diffStat(folder.uri.fsPath, first.lastGood!.commit!, first.firstBad.commit!, (why) => this.log.warn(`no changed files for ${range}: ${why}`)) : undefined;
      if (stat) {
        const files = stat.slice(0, -1).map((l) => l.split('|')[0].trim());
        text += `. Changed in ${range}: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}`;
        this.log.info(`findings at ${range}:\n  ${stat.join('\n  ')}`);
      }
    }
    const show = group.some((f) => f.severity === 'critical' || f.kind === 'budget') ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    const compare = group.length === 1 && first.kind === 'regression' ? ['Compare with HEAD'] : [];
    const choice = await show(`Perf Pulse: ${text}`, 'Show', ...compare, 'Ignore');
    if (choice === 'Show') await vscode.commands.executeCommand('perfPulse.showTrends', { seriesId: first.seriesId });
    else if (choice === 'Compare with HEAD') await vscode.commands.executeCommand('perfPulse.compareWithHead', first.name);
    else if (choice === 'Ignore') for (const f of group) await vscode.commands.executeCommand('perfPulse.ignoreSeries', { seriesId: f.seriesId });
  }
}
