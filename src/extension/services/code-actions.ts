import vscode = require('vscode');
import type { WorkspaceFolderServices } from './folders';

/** Quick fixes on Perf Pulse diagnostics: trend, run again, compare with HEAD, find what got slower, accept, ignore. */
export class FindingCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly folders: WorkspaceFolderServices, private readonly log?: { trace(message: string): void; error(message: string): void }) {}

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    try {
      return this.actionsFor(document, context);
    } catch (err) {
      this.log?.error(`quick fixes for ${document.uri.fsPath}:${range.start.line + 1} failed: ${(err as Error)?.stack ?? err}`);
      return [];
    }
  }

  private actionsFor(document: vscode.TextDocument, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const services = this.folders.forUri(document.uri);
    if (!services) return actions;
    const folder = services.key;
    this.log?.trace(`code actions: ${context.diagnostics.length} diagnostic(s): ${context.diagnostics.map((d) => `${d.source}: ${d.message.slice(0, 40)}`).join('; ')}`);
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== 'Perf Pulse') continue;
      const located = services.findings.findingForDiagnostic(diagnostic);
      if (!located) {
        this.log?.trace(`code actions: no finding for "${diagnostic.message}"`);
        continue;
      }
      const { finding, series } = located;
      const benchmark = series?.source === 'benchmark' ? series.name : undefined;
      const make = (title: string, command: string, args: unknown[], preferred = false) => {
        const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        action.command = { title, command, arguments: args };
        action.isPreferred = preferred;
        actions.push(action);
      };
      make(`Show the trend of ${finding.name}`, 'perfPulse.showTrends', [{ seriesId: finding.seriesId, folder }], true);
      if (benchmark) {
        make(`Run ${benchmark} again`, 'perfPulse.runBenchmark', [{ benchmark, folder }]);
        make(`Compare the working tree with HEAD (interleaved A/B)`, 'perfPulse.compareWithHead', [{ benchmark, folder }]);
        // The revision comes from the history: only a full object name goes on as a revision.
        const good = finding.lastGood?.commit;
        if (finding.kind !== 'budget' && good && /^[0-9a-f]{40}$/.test(good)) {
          make(`Find what got slower in ${benchmark} (differential profile against ${good.slice(0, 7)})`, 'perfPulse.profileBenchmark', [{ benchmark, folder, rev: good, seriesId: finding.seriesId }]);
        }
      }
      make(`Accept ${finding.name} as the new baseline`, 'perfPulse.acceptBaseline', [{ seriesId: finding.seriesId, recordId: finding.firstBad.recordId, folder }]);
      make(`Ignore the series ${finding.name}`, 'perfPulse.ignoreSeries', [{ seriesId: finding.seriesId, folder }]);
    }
    return actions;
  }
}
