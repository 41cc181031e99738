import vscode = require('vscode');
import type { Analysis, EnvironmentChange, Finding } from '../../core/findings';
import { editorText, groupEvents } from '../../core/findings';
import { diffStat as gitDiffStat, Git } from '../../core/git';
import { Disposable } from '../disposable';
import { readSettings } from '../settings';
import type { FindingsService } from './findings-service';
import { notificationLevel, toNotify } from './notify-policy';
import { isMultiRootWorkspace } from './workspace';

const NOTIFIED_KEY = 'perfPulse.notifiedFindings';
/** All that is said in Restricted Mode: the history a repository ships is not trusted, so none of its text is shown. */
export const RESTRICTED_MODE_MESSAGE = 'Perf Pulse does not run in Restricted Mode.';
let toldRestrictedMode = false;
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
 * never one per run. Findings already notified are remembered across restarts. Only new
 * regressions and breaches are told as such: standing findings were there before (the view
 * lists them), environment changes are information, never errors.
 */
export class FindingNotifier extends Disposable {
  private readonly notifiedKey: string;
  private readonly prefix: string;
  private readonly folderPath: string;

  constructor(
    findings: FindingsService,
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    const folder = findings.folder;
    this.notifiedKey = isMultiRootWorkspace() ? `${NOTIFIED_KEY}:${folder.uri.toString()}` : NOTIFIED_KEY;
    this.prefix = isMultiRootWorkspace() ? `Perf Pulse (${folder.name})` : 'Perf Pulse';
    this.folderPath = folder.uri.fsPath;
    this._register(findings.onDidChange((analysis) => void this.notify(analysis)));
  }

  private get folderUri(): string {
    return vscode.Uri.file(this.folderPath).toString();
  }

  async notify(analysis: Analysis): Promise<void> {
    const level = readSettings()['notifications.level'];
    const notified = new Set(this.state.get<string[]>(this.notifiedKey, []));
    const { findings: fresh, environment } = toNotify(analysis, notified);
    if (!fresh.length && !environment.length) return;
    if (!vscode.workspace.isTrusted) {
      // The history came with the repository: its names and commits are not shown from a notification.
      if (level !== 'off' && !toldRestrictedMode) {
        toldRestrictedMode = true;
        void vscode.window.showInformationMessage(RESTRICTED_MODE_MESSAGE);
      }
      return;
    }
    await this.state.update(this.notifiedKey, [...notified, ...fresh.map((f) => f.id), ...environment.map((e) => `environment:${e.key}`)].slice(-NOTIFIED_LIMIT));
    if (level === 'all') for (const e of environment) void this.showEnvironment(e);
    const shown = fresh.filter((f) => level === 'all' || (level === 'critical' && f.severity === 'critical'));
    if (level === 'off' || !shown.length) return;
    const events = groupEvents(shown);
    if (events.length > 2) {
      // Several events at once: one grouped notification.
      const choice = await vscode.window.showWarningMessage(
        `${this.prefix}: ${shown.length} new findings in ${events.length} commits (${shown.slice(0, 3).map((f) => f.name).join(', ')}${shown.length > 3 ? ', …' : ''}).`,
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
    const choice = await vscode.window.showInformationMessage(`${this.prefix}: environment change, not a code regression: ${e.message}.`, 'Show');
    if (choice === 'Show') await vscode.commands.executeCommand('perfPulse.showTrends', { seriesId: e.series[0]?.seriesId, folder: this.folderUri });
  }

  private async showEvent(group: Finding[]): Promise<void> {
    const first = group[0];
    const range = first.lastGood?.commit && first.firstBad.commit ? `${first.lastGood.commit.slice(0, 7)}..${first.firstBad.commit.slice(0, 7)}` : undefined;
    let text = group.length === 1 ? editorText(first) : `${group.length} findings${range ? ` between ${range}` : ''}: ${group.map((f) => editorText(f)).join('; ')}`;
    if (range) {
      const stat = await diffStat(this.folderPath, first.lastGood!.commit!, first.firstBad.commit!, (why) => this.log.warn(`no changed files for ${range}: ${why}`));
      if (stat) {
        const files = stat.slice(0, -1).map((l) => l.split('|')[0].trim());
        text += `. Changed in ${range}: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}`;
        this.log.info(`findings at ${range}:\n  ${stat.join('\n  ')}`);
      }
    }
    const show = notificationLevel(group) === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    const compare = group.length === 1 && first.kind === 'regression' ? ['Compare with HEAD'] : [];
    const choice = await show(`${this.prefix}: ${text}`, 'Show', ...compare, 'Ignore');
    const folder = this.folderUri;
    if (choice === 'Show') await vscode.commands.executeCommand('perfPulse.showTrends', { seriesId: first.seriesId, folder });
    else if (choice === 'Compare with HEAD') await vscode.commands.executeCommand('perfPulse.compareWithHead', { benchmark: first.name, folder });
    else if (choice === 'Ignore') for (const f of group) await vscode.commands.executeCommand('perfPulse.ignoreSeries', { seriesId: f.seriesId, folder });
  }
}
