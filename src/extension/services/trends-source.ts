import vscode = require('vscode');
import type { Analysis, SeriesAnalysis } from '../../core/findings';
import { verdictSentence } from '../../core/findings/verdicts';
import type { RunRecord } from '../../core/model';
import { compareSamples } from '../../core/detect/ab';
import { formatChange } from '../../core/format';
import type {
  CompareRequest,
  CompareResult,
  CompareSide,
  RunPoint,
  SeriesDetail,
  SeriesOverview,
  SeriesStatus,
} from '../../protocol/trends';
import { downsampleForSparkline, sourceKindOf } from '../trends/shaping';
import type { TrendsDataSource } from '../trends/data-source';
import { Disposable } from '../disposable';
import { judgedRuns, type FindingsService } from './findings-service';
import type { HistoryService } from './history-service';

/** The trends panel's data: the real history, judged by the current analysis. */
export class HistoryTrendsSource extends Disposable implements TrendsDataSource {
  private readonly changed = this._register(new vscode.EventEmitter<string[]>());
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly history: HistoryService,
    private readonly findings: FindingsService,
  ) {
    super();
    this._register(findings.onDidChange((a) => this.changed.fire(a.series.map((s) => s.id))));
  }

  private async analysis(): Promise<Analysis> {
    return this.findings.analysis ?? this.findings.refresh();
  }

  async listSeries(): Promise<SeriesOverview[]> {
    const analysis = await this.analysis();
    const out: SeriesOverview[] = [];
    for (const s of analysis.series) {
      const runs = judgedRuns(await this.history.readSeries(s.id));
      out.push(overviewOf(s, runs));
    }
    return out;
  }

  async loadSeries(seriesId: string): Promise<SeriesDetail> {
    const analysis = await this.analysis();
    const s = analysis.series.find((x) => x.id === seriesId);
    if (!s) throw new Error(`No series with id ${seriesId} in the history`);
    const runs = judgedRuns(await this.history.readSeries(seriesId)).sort((a, b) => a.timestamp - b.timestamp);
    const points: RunPoint[] = runs.map(pointOf);
    const last = s.changes.filter((c) => c.confirmed).at(-1);
    const detail: SeriesDetail = {
      series: overviewOf(s, runs),
      runs: points,
      changePoints: s.changes.map((c) => ({ index: c.index, kind: c.kind, ratio: c.ratio, ratioCi: c.ratioCi, pValue: c.pValue, severity: c.severity, provisional: !c.confirmed })),
    };
    if (s.baseline !== undefined && runs.length) {
      const noise = (s.noise ?? 0) * s.baseline;
      detail.baseline = { from: last ? last.index : 0, to: runs.length - 1, median: s.baseline, lo: s.baseline - 2 * noise, hi: s.baseline + 2 * noise };
    }
    // The panel shows the share of recent runs over the limit (0..1), not the share of the error budget used.
    if (s.budget) {
      const b = s.budget;
      detail.budget = { statistic: b.statistic, max: b.limit, spent: b.runsInWindow ? b.overRuns / b.runsInWindow : undefined, overRuns: b.overRuns, runsInWindow: b.runsInWindow, allowedShare: b.allowedShare };
    }
    if (s.forecast && s.latest) {
      const steps = Math.max(1, Math.min(Math.ceil(s.forecast.runs) + 2, 50));
      const spread = 2 * (s.noise ?? 0.02) * s.latest.value;
      const values = Array.from({ length: steps }, (_, i) => s.latest!.value + s.forecast!.slopePerRun * (i + 1));
      detail.forecast = {
        values,
        lo: values.map((v, i) => v - spread * Math.sqrt(1 + i / 4)),
        hi: values.map((v, i) => v + spread * Math.sqrt(1 + i / 4)),
        note: `at this rate ${s.name} passes its budget in about ${Math.ceil(s.forecast.runs)} runs${s.forecast.days !== undefined ? ` (${Math.ceil(s.forecast.days)} days)` : ''}`,
      };
    }
    return detail;
  }

  async compare(request: CompareRequest): Promise<CompareResult> {
    const s = (await this.analysis()).series.find((x) => x.id === request.seriesId);
    if (!s) throw new Error(`No series with id ${request.seriesId} in the history`);
    const runs = judgedRuns(await this.history.readSeries(request.seriesId));
    const a = samplesOf(runs, request.a);
    const b = samplesOf(runs, request.b);
    if (!a.samples.length || !b.samples.length) throw new Error(`No runs match ${!a.samples.length ? describe(request.a) : describe(request.b)}`);
    const v = compareSamples(a.samples, b.samples, { seed: 1, direction: s.direction });
    return {
      request,
      unit: s.unit,
      direction: s.direction,
      labelA: a.label,
      labelB: b.label,
      samplesA: a.samples,
      samplesB: b.samples,
      verdict: v.verdict,
      ratio: v.ratio,
      ratioCi: v.ratioCi,
      pValue: v.pValue,
      message: v.message,
    };
  }
}

function overviewOf(s: SeriesAnalysis, runs: RunRecord[]): SeriesOverview {
  const values = runs.map((r) => r.value);
  const change = s.change?.ratio;
  const lastChange = s.changes.at(-1);
  const status: SeriesStatus = s.status;
  const overview: SeriesOverview = {
    id: s.id,
    name: s.name,
    metric: s.metric,
    unit: s.unit,
    direction: s.direction,
    source: sourceKindOf(s.source),
    status: lastChange && !lastChange.confirmed && status === 'stable' ? 'suspect' : status,
    sparkline: downsampleForSparkline(values),
    latest: s.latest?.value ?? values.at(-1) ?? NaN,
    runs: s.runs,
    lastTimestamp: s.latest?.timestamp ?? runs.at(-1)?.timestamp ?? 0,
  };
  if (s.group) overview.group = s.group;
  if (change !== undefined) overview.changeRatio = change;
  const machine = runs.at(-1)?.machine?.id;
  if (machine) overview.machineId = machine;
  if (lastChange) overview.statusNote = `${formatChange(lastChange.ratio)} at run ${lastChange.index + 1}${runs[lastChange.index]?.vcs.commit ? ` (${runs[lastChange.index].vcs.commit!.slice(0, 7)})` : ''}, p = ${lastChange.pValue.toPrecision(2)}`;
  // The decision layer's verdict, with its reason: the same words as check, the report and the diagnostics.
  if (s.verdict && s.verdict.kind !== 'fine') overview.statusNote = verdictSentence(s.verdict);
  if (s.verdict?.kind === 'suspect' && overview.status === 'stable') overview.status = 'suspect';
  return overview;
}

function pointOf(r: RunRecord): RunPoint {
  const p: RunPoint = { id: r.id, value: r.value, timestamp: r.timestamp };
  if (r.summary) {
    p.lo = r.summary.medianCi?.[0] ?? r.summary.min;
    p.hi = r.summary.medianCi?.[1] ?? r.summary.max;
    p.n = r.summary.n;
    if (r.summary.n >= 4) p.percentiles = { p50: r.summary.median, p90: r.summary.p90, p95: r.summary.p95, p99: r.summary.p99 };
  } else if (r.spread) {
    p.lo = r.value - r.spread.value;
    p.hi = r.value + r.spread.value;
  }
  if (r.vcs.commit) p.commit = r.vcs.commit;
  if (r.vcs.branch) p.branch = r.vcs.branch;
  if (r.machine?.id) p.machine = `${r.machine.cpuModel} (${r.machine.id})`;
  const message = r.config?.commitMessage;
  if (typeof message === 'string') p.message = message;
  return p;
}

function describe(side: CompareSide): string {
  return `${side.kind} ${side.ref}`;
}

function samplesOf(runs: RunRecord[], side: CompareSide): { samples: number[]; label: string } {
  const pick = (list: RunRecord[]) => list.flatMap((r) => (r.samples?.length ? r.samples : [r.value]));
  switch (side.kind) {
    case 'run': {
      const run = runs.find((r) => r.id === side.ref);
      return { samples: run ? pick([run]) : [], label: run ? `run ${new Date(run.timestamp).toLocaleString()}` : side.ref };
    }
    case 'commit':
      return { samples: pick(runs.filter((r) => r.vcs.commit?.startsWith(side.ref))), label: `commit ${side.ref.slice(0, 7)}` };
    case 'branch':
      return { samples: pick(runs.filter((r) => r.vcs.branch === side.ref).slice(-10)), label: `branch ${side.ref}` };
  }
}
