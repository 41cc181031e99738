import { spentText, type ReportModel } from './model';

/**
 * A self-contained HTML page (inline style, no scripts, no remote resources). Every piece of
 * text goes through `esc`: series names come from user config and harness output.
 */

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function table(header: string[], rows: string[][], rowClass?: (i: number) => string): string {
  return (
    '<table><thead><tr>' + header.map((h) => `<th>${esc(h)}</th>`).join('') + '</tr></thead><tbody>' +
    rows.map((r, i) => `<tr${rowClass?.(i) ? ` class="${rowClass(i)}"` : ''}>` + r.map((c) => `<td>${esc(c)}</td>`).join('') + '</tr>').join('') +
    '</tbody></table>'
  );
}

const STYLE = `body{font:14px/1.5 system-ui,sans-serif;margin:2em;max-width:70em;color:#1f2328}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left}
th{background:#f6f8fa}tr.bad td{background:#ffebe9}.healthy{color:#1a7f37}.warning{color:#9a6700}.critical{color:#cf222e}`;

export function toHtml(report: ReportModel): string {
  const parts: string[] = [];
  parts.push(`<h1>${esc(report.title)}</h1>`);
  parts.push(`<p class="${report.health}"><strong>${esc(report.health)}</strong>: ${report.summary.series} series, ${report.summary.regressions} regressions, ${report.summary.budgets} budgets over, ${report.summary.improvements} improvements</p>`);
  const facts = [`Generated ${report.generatedAt}`];
  if (report.vcs?.commit) facts.push(`commit ${report.vcs.commit.slice(0, 7)}${report.vcs.branch ? ` on ${report.vcs.branch}` : ''}`);
  if (report.machine) facts.push(`machine: ${report.machine.cpuModel}, ${report.machine.cores} cores, ${report.machine.os}`);
  parts.push(`<p>${esc(facts.join(' · '))}</p>`);
  if (report.regressions.length) {
    parts.push(
      '<h2>Regressions</h2><ul>' +
        report.regressions
          .map((r) => `<li><strong>${esc(r.severity)}</strong>${r.status ? ` (${esc(r.status)}, ${r.failing ? 'fails the check' : 'not failing'})` : ''}: ${esc(r.message)}${r.commitRange ? ` — commits <code>${esc(r.commitRange)}</code>` : ''}${r.reason ? `. Why: ${esc(r.reason)}` : ''}</li>`)
          .join('') +
        '</ul>',
    );
  }
  if (report.environment?.length) {
    parts.push('<h2>Environment changes (not the code, not failing)</h2><ul>' + report.environment.map((e) => `<li>${esc(e.message)}</li>`).join('') + '</ul>');
  }
  parts.push('<h2>Series</h2>');
  parts.push(
    table(
      ['Series', 'Current', 'Baseline', 'Change', '95% CI', 'Verdict', 'Why'],
      report.series.map((r) => [r.name, r.current, r.baseline, r.change, r.interval, r.verdict, r.reason ? `${r.reason}${r.metric ? ` [${r.metric}]` : ''}` : '']),
      (i) => (report.series[i].failing ? 'bad' : ''),
    ),
  );
  if (report.budgets.length) {
    parts.push('<h2>Budgets</h2>');
    const over = report.budgets.filter((b) => b.message);
    const watch = report.watch ?? [];
    if (over.length || watch.length) {
      parts.push(
        '<ul>' +
          over.map((b) => `<li><strong>over budget</strong>: ${esc(b.message!)}</li>`).join('') +
          watch.map((w) => `<li><strong>${esc(w.status === 'at-risk' ? 'at risk' : w.status)}</strong> (not failing): ${esc(w.message)}</li>`).join('') +
          '</ul>',
      );
    }
    parts.push(table(['Series', 'Statistic', 'Current', 'Budget', 'Runs over', 'Error budget spent', 'Status'], report.budgets.map((b) => [b.name, b.statistic, b.current, b.limit, `${b.overRuns} of ${b.runsInWindow}`, spentText(b.spentPercent), b.breached ? 'over' : 'within'])));
  }
  if (report.forecasts.length) {
    parts.push('<h2>Forecasts</h2><ul>' + report.forecasts.map((f) => `<li>${esc(`${f.name} will cross ${f.limit} in about ${f.runs} runs${f.days !== undefined ? ` (~${Math.max(1, Math.round(f.days))} days)` : ''}`)}</li>`).join('') + '</ul>');
  }
  if (report.improvements.length) parts.push('<h2>Improvements</h2><ul>' + report.improvements.map((m) => `<li>${esc(m)}</li>`).join('') + '</ul>');
  if (report.bottlenecks.slowest.length) {
    parts.push('<h2>Bottlenecks</h2>');
    parts.push(table(['Slowest', 'Kind', 'Time', 'Share of total'], report.bottlenecks.slowest.map((b) => [b.name, b.kind, b.value, `${b.sharePercent}%`])));
  }
  if (report.bottlenecks.noisiest.length) {
    parts.push(table(['Noisiest series', 'Noise (relative MAD)', 'Runs'], report.bottlenecks.noisiest.map((n) => [n.name, `${n.noisePercent}%`, String(n.runs)])));
  }
  if (report.recommendations.length) parts.push('<h2>Recommendations</h2><ul>' + report.recommendations.map((r) => `<li>${esc(r.text)}</li>`).join('') + '</ul>');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(report.title)}</title><style>${STYLE}</style></head>
<body>
${parts.join('\n')}
</body></html>
`;
}
