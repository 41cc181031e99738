import vscode = require('vscode');
import { CONFIG_FILE_NAME } from '../../core/config';
import { formatChange, formatValue } from '../../core/format';
import { findDefinitions, kindsForFile, matchDefinition } from '../../core/locate/definitions';
import type { SeriesAnalysis } from '../../core/findings';
import { Disposable } from '../disposable';
import type { ConfigDiagnostics } from '../config-diagnostics';
import { affects, readSettings } from '../settings';
import type { WorkspaceFolderServices } from './folders';

/**
 * Above each recognised benchmark definition: lenses to run and to profile it, and one with its latest
 * median and the change against the baseline. In perfpulse.json: the same above each entry.
 */
export class BenchmarkCodeLens extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly folders: WorkspaceFolderServices,
    private readonly config: ConfigDiagnostics,
  ) {
    super();
    this._register(folders.onDidChangeFindings(() => this.changed.fire()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (affects(e, ['codeLens'])) this.changed.fire();
    }));
  }

  static selector(): vscode.DocumentSelector {
    return [
      { scheme: 'file', pattern: `**/${CONFIG_FILE_NAME}` },
      { scheme: 'file', language: 'go' },
      { scheme: 'file', language: 'cpp' },
      { scheme: 'file', language: 'python' },
      { scheme: 'file', language: 'rust' },
      { scheme: 'file', language: 'java' },
      { scheme: 'file', language: 'kotlin' },
      { scheme: 'file', language: 'csharp' },
      { scheme: 'file', pattern: '**/*.bench.{ts,js,mts,mjs}' },
    ];
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!readSettings(document.uri)['codeLens.enabled']) return [];
    // The numbers of the folder the file is in: each folder has its own history.
    const services = this.folders.forUri(document.uri);
    if (!services) return [];
    const folder = services.key;
    const analysis = services.findings.analysis;
    const lenses: vscode.CodeLens[] = [];
    if (document.uri.path.endsWith(`/${CONFIG_FILE_NAME}`)) {
      const loaded = await this.config.check(document.uri);
      for (const bench of loaded?.config.benchmarks ?? []) {
        const line = loaded!.benchmarkLines[bench.name];
        if (!line) continue;
        const range = new vscode.Range(line - 1, 0, line - 1, 0);
        lenses.push(this.runLens(range, bench.name, folder), this.profileLens(range, bench.name, folder));
        const series = this.latest(analysis?.series.filter((s) => s.name === bench.name && s.metric === 'time'));
        if (series) lenses.push(this.valueLens(range, series, folder));
      }
      return lenses;
    }
    if (!kindsForFile(document.fileName).length || !analysis) return [];
    const defs = findDefinitions(document.getText(), document.fileName);
    for (const def of defs) {
      const matches = analysis.series.filter((s) => matchDefinition(s.name, [def]) !== undefined && s.metric === 'time');
      const range = new vscode.Range(def.line - 1, 0, def.line - 1, 0);
      const benchmark = matches.map((s) => benchmarkNameOf(s)).find((n): n is string => !!n);
      if (benchmark) lenses.push(this.runLens(range, benchmark, folder), this.profileLens(range, benchmark, folder));
      const series = this.latest(matches);
      if (series) lenses.push(this.valueLens(range, series, folder));
    }
    return lenses;
  }

  private latest(list: SeriesAnalysis[] | undefined): SeriesAnalysis | undefined {
    return list?.filter((s) => s.latest).sort((a, b) => b.latest!.timestamp - a.latest!.timestamp)[0];
  }

  private runLens(range: vscode.Range, benchmark: string, folder: string): vscode.CodeLens {
    return new vscode.CodeLens(range, { title: '$(play) Run', tooltip: `Run ${benchmark} with Perf Pulse`, command: 'perfPulse.runBenchmark', arguments: [{ benchmark, folder }] });
  }

  private profileLens(range: vscode.Range, benchmark: string, folder: string): vscode.CodeLens {
    return new vscode.CodeLens(range, { title: '$(flame) Profile', tooltip: `Profile ${benchmark}: one run under its profiler, its hot functions marked where they are defined`, command: 'perfPulse.profileBenchmark', arguments: [{ benchmark, folder }] });
  }

  private valueLens(range: vscode.Range, s: SeriesAnalysis, folder: string): vscode.CodeLens {
    const value = formatValue(s.latest!.value, s.unit);
    const change = s.change ? ` (${formatChange(s.change.ratio)} vs baseline)` : '';
    const flag = s.status === 'regressed' || s.status === 'over-budget' ? '$(warning) ' : '';
    return new vscode.CodeLens(range, { title: `${flag}median ${value}${change}`, tooltip: `${s.name}: ${s.runs} runs, ${s.status}. Click for the trend.`, command: 'perfPulse.showTrends', arguments: [{ seriesId: s.id, folder }] });
  }
}

/** The perfpulse.json benchmark that produced a series, when it came from one. */
function benchmarkNameOf(s: SeriesAnalysis): string | undefined {
  return s.source === 'benchmark' ? s.group ?? s.name : undefined;
}
