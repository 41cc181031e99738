import { spentText, type ReportModel } from './model';

/** GitHub-flavoured Markdown: the CI report, the job summary and `perf-pulse report`. */

const HEALTH_LINE = {
  healthy: '✅ **Healthy**: no regressions and no budget over.',
  warning: '⚠️ **Warning**: see the findings below.',
  critical: '❌ **Critical**: see the findings below.',
} as const;

/** Table cells: pipes and newlines would break the row. */
export function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

/** Appends lines one by one: `push(...lines)` passes every line as an argument and overflows the stack on large reports. */
function append(out: string[], lines: readonly string[], ...more: string[]): void {
  for (const line of lines) out.push(line);
  for (const line of more) out.push(line);
}

export function toMarkdown(report: ReportModel): string {
  const out: string[] = [`# ${report.title}`, ''];
  out.push(HEALTH_LINE[report.health], '');
  const s = report.summary;
  out.push(`${s.series} series · ${s.regressions} regression${s.regressions === 1 ? '' : 's'} · ${s.budgets} budget${s.budgets === 1 ? '' : 's'} over · ${s.improvements} improvement${s.improvements === 1 ? '' : 's'}`, '');
  const facts: string[] = [`Generated ${report.generatedAt}`];
  if (report.vcs?.commit) facts.push(`commit ${report.vcs.commit.slice(0, 7)}${report.vcs.branch ? ` on ${report.vcs.branch}` : ''}`);
  if (report.baseBranch) facts.push(`baseline: ${report.baseBranch}`);
  if (report.machine) facts.push(`machine: ${report.machine.cpuModel}, ${report.machine.cores} cores, ${report.machine.os}`);
  out.push(facts.join(' · '), '');

  if (report.regressions.length) {
    out.push('## Regressions', '');
    for (const r of report.regressions) {
      out.push(`- **${r.severity}**: ${r.message}${r.commitRange ? ` — commits ${r.commitRange}` : ''}${r.confirmed ? '' : ' (not yet confirmed by later runs)'}`);
    }
    out.push('');
  }

  out.push('## Series', '');
  if (report.series.length) {
    append(out, table(['Series', 'Current', 'Baseline', 'Change', '95% CI', 'Verdict'], report.series.map((r) => [r.name, r.current, r.baseline, r.change, r.interval, r.verdict])), '');
  } else {
    out.push('No series recorded yet.', '');
  }

  if (report.budgets.length) {
    out.push('## Budgets', '');
    for (const b of report.budgets) if (b.message) out.push(`- **over budget**: ${b.message}`);
    if (report.budgets.some((b) => b.message)) out.push('');
    append(
      out,
      table(
        ['Series', 'Statistic', 'Current', 'Budget', 'Runs over', 'Error budget spent', 'Status'],
        report.budgets.map((b) => [b.name, b.statistic, b.current, b.limit, `${b.overRuns} of ${b.runsInWindow}`, spentText(b.spentPercent), b.breached ? 'over' : 'within']),
      ),
      '',
    );
  }

  if (report.forecasts.length) {
    out.push('## Forecasts', '');
    for (const f of report.forecasts) {
      out.push(`- ${f.name} will cross its budget of ${f.limit} in about ${f.runs} run${f.runs === 1 ? '' : 's'}${f.days !== undefined ? ` (~${f.days < 1 ? '<1' : Math.round(f.days)} day${Math.round(f.days) === 1 ? '' : 's'})` : ''} at the current pace.`);
    }
    out.push('');
  }

  if (report.improvements.length) {
    out.push('## Improvements', '');
    for (const m of report.improvements) out.push(`- ${m}`);
    out.push('');
  }

  const { slowest, noisiest } = report.bottlenecks;
  if (slowest.length || noisiest.length) {
    out.push('## Bottlenecks', '');
    if (slowest.length) {
      append(out, table(['Slowest', 'Kind', 'Time', 'Share of total'], slowest.map((b) => [b.name, b.kind, b.value, `${b.sharePercent}%`])), '');
    }
    if (noisiest.length) {
      append(out, table(['Noisiest series', 'Noise (relative MAD)', 'Runs'], noisiest.map((n) => [n.name, `${n.noisePercent}%`, String(n.runs)])), '');
    }
  }

  if (report.recommendations.length) {
    out.push('## Recommendations', '');
    for (const r of report.recommendations) out.push(`- ${r.text}`);
    out.push('');
  }
  return out.join('\n');
}
