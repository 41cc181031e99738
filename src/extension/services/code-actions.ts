import vscode = require('vscode');
import type { FindingsService } from './findings-service';

/** Quick fixes on Perf Pulse diagnostics: trend, run again, compare with HEAD, accept, ignore. */
export class FindingCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly findings: FindingsService, private readonly log?: { trace(message: string): void; error(message: string): void }) {}

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    try {
      return this.actionsFor(context);
    } catch (err) {
      this.log?.error(`quick fixes for ${document.uri.fsPath}:${range.start.line + 1} failed: ${(err as Error)?.stack ?? err}`);
      return [];
    }
  }

  private actionsFor(context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    this.log?.trace(`code actions: ${context.diagnostics.length} diagnostic(s): ${context.diagnostics.map((d) => `${d.source}: ${d.message.slice(0, 40)}`).join('; ')}`);
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== 'Perf Pulse') continue;
      const located = this.findings.findingForDiagnostic(diagnostic);
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
      make(`Show the trend of ${finding.name}`, 'perfPulse.showTrends', [{ seriesId: finding.seriesId }], true);
      if (benchmark) {
        make(`Run ${benchmark} again`, 'perfPulse.runBenchmark', [benchmark]);
        make(`Compare the working tree with HEAD (interleaved A/B)`, 'perfPulse.compareWithHead', [benchmark]);
        // The revision comes from the history: only a full object name goes on as a revision.
        const good = finding.lastGood?.commit;
        if (finding.kind !== 'budget' && good && /^[0-9a-f]{40}$/.test(good)) {
          make(`Find what got slower in ${benchmark} (differential profile against ${good.slice(0, 7)})`, 'perfPulse.profileBenchmark', [benchmark, { rev: good, seriesId: finding.seriesId }]);
        }
      }
      make(`Accept ${finding.name} as the new baseline`, 'perfPulse.acceptBaseline', [{ seriesId: finding.seriesId, recordId: finding.firstBad.recordId }]);
      make(`Ignore the series ${finding.name}`, 'perfPulse.ignoreSeries', [{ seriesId: finding.seriesId }]);
    }
    return actions;
  }
}
