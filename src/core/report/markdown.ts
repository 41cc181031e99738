import { escapeMarkdown as md } from './markdown-escape';
import { spentText, type ReportModel } from './model';

/** GitHub-flavoured Markdown: the CI report, the job summary and `perf-pulse report`. */

const HEALTH_LINE = {
  healthy: '✅ **Healthy**: no regressions and no budget over.',
  warning: '⚠️ **Warning**: see the findings below.',
  critical: '❌ **Critical**: see the findings below.',
} as const;

/** Table cells: user text, so escaped (pipes and newlines would break the row, the rest would format). */
export function cell(text: string): string {
  return md(text);
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

/** Appends lines one by one: `push(...lines)` passes every line as an argument and overflows the stack on large reports. */
function append(out: string[], lines: readonly string[], ...more: string[]): void {
  for (const line of lines) out.push(line);
  for (const line of more) out.push(line);
}

/** Why the check fails or passes, in one line: what is new, what is reported without failing. */
export function gateLine(report: ReportModel): string | undefined {
  const s = report.summary;
  if (s.failing === undefined || !report.failOn) return undefined;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const kept: string[] = [];
  if (s.standing && !report.failOn.includes('standing')) kept.push(`${plural(s.standing, 'standing finding')} (add ",standing" to --fail-on to fail on them)`);
  if (s.environment) kept.push(plural(s.environment, 'environment change'));
  if (s.suspect) kept.push(plural(s.suspect, 'suspect'));
  if (s.atRisk) kept.push(`${plural(s.atRisk, 'budget')} at risk`);
  if (s.unknown) kept.push(`${s.unknown} series unknown`);
  const rest = kept.length ? `; reported, not failing: ${kept.join(', ')}` : '';
  return s.failing
    ? `**Check fails** (--fail-on ${report.failOn}): ${plural(s.failing, 'finding')} at or above it${report.failOn.includes('standing') ? '' : ', new in the checked run'}${rest}.`
    : `**Check passes** (--fail-on ${report.failOn}): nothing new in the checked run${rest}.`;
}

export function toMarkdown(report: ReportModel): string {
  const out: string[] = [`# ${report.title}`, ''];
  out.push(HEALTH_LINE[report.health], '');
  const s = report.summary;
  out.push(`${s.series} series · ${s.regressions} regression${s.regressions === 1 ? '' : 's'} · ${s.budgets} budget${s.budgets === 1 ? '' : 's'} over · ${s.improvements} improvement${s.improvements === 1 ? '' : 's'}`, '');
  const facts: string[] = [`Generated ${report.generatedAt}`];
  if (report.vcs?.commit) facts.push(`commit ${md(report.vcs.commit.slice(0, 7))}${report.vcs.branch ? ` on ${md(report.vcs.branch)}` : ''}`);
  if (report.baseBranch) facts.push(`baseline: ${md(report.baseBranch)}`);
  if (report.machine) facts.push(`machine: ${md(report.machine.cpuModel)}, ${report.machine.cores} cores, ${md(report.machine.os)}`);
  out.push(facts.join(' · '), '');
  const gate = gateLine(report);
  if (gate) out.push(gate, '');

  if (report.regressions.length) {
    out.push('## Regressions', '');
    for (const r of report.regressions) {
      const tag = r.status ? ` (${r.status}, ${r.failing ? 'fails the check' : 'not failing'})` : '';
      const confirmed = r.confirmed || r.status === 'suspect' ? '' : ' (not yet confirmed by later runs)';
      out.push(`- **${md(r.severity)}**${tag}: ${md(r.message)}${r.commitRange ? ` — commits ${md(r.commitRange)}` : ''}${confirmed}${r.reason ? `. Why: ${md(r.reason)}` : ''}`);
    }
    out.push('');
  }

  if (report.environment?.length) {
    out.push('## Environment changes (not the code, not failing)', '');
    for (const e of report.environment) out.push(`- ${md(e.message)}`);
    out.push('');
  }

  out.push('## Series', '');
  if (report.series.length) {
    append(
      out,
      table(
        ['Series', 'Current', 'Baseline', 'Change', '95% CI', 'Verdict', 'Why'],
        report.series.map((r) => [r.name, r.current, r.baseline, r.change, r.interval, r.verdict, r.reason ? `${r.reason}${r.metric ? ` [${r.metric}]` : ''}` : '']),
      ),
      '',
    );
  } else {
    out.push('No series recorded yet.', '');
  }

  if (report.builds?.length) {
    out.push('## Build anatomy', '');
    for (const b of report.builds) {
      out.push(`### ${md(b.name)}`, '');
      out.push(`${b.wallSeconds.toFixed(1)} s wall, ${b.cpuSeconds.toFixed(1)} s CPU, parallel efficiency ${(b.parallelEfficiency * 100).toFixed(0)}%. Critical path: ${md(b.criticalPath || '–')}.`, '');
      for (const line of b.comparison) out.push(`- ${md(line)}`);
      if (b.comparison.length) out.push('');
      if (b.phases.length) append(out, table(['Phase', 'Seconds'], b.phases.map((p) => [p.name, p.seconds.toFixed(2)])), '');
    }
  }

  if (report.budgets.length) {
    out.push('## Budgets', '');
    for (const b of report.budgets) if (b.message) out.push(`- **over budget**: ${md(b.message)}`);
    for (const w of report.watch ?? []) out.push(`- **${w.status === 'at-risk' ? 'at risk' : w.status}** (not failing): ${md(w.message)}${w.reason ? `. Why: ${md(w.reason)}` : ''}`);
    if (report.budgets.some((b) => b.message) || report.watch?.length) out.push('');
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
      out.push(`- ${md(f.name)} will cross its budget of ${md(f.limit)} in about ${f.runs} run${f.runs === 1 ? '' : 's'}${f.days !== undefined ? ` (~${f.days < 1 ? '<1' : Math.round(f.days)} day${Math.round(f.days) === 1 ? '' : 's'})` : ''} at the current pace.`);
    }
    out.push('');
  }

  if (report.improvements.length) {
    out.push('## Improvements', '');
    for (const m of report.improvements) out.push(`- ${md(m)}`);
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
    for (const r of report.recommendations) out.push(`- ${md(r.text)}`);
    out.push('');
  }
  return out.join('\n');
}
