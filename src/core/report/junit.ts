import type { ReportModel } from './model';

/** JUnit XML: one test case per series, failing on an active finding, so CI test views show it. */

export function xmlEscape(text: string): string {
  return text
    // Characters XML 1.0 cannot hold at all.
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed here
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function toJUnit(report: ReportModel): string {
  const failures = report.series.filter((s) => s.failing).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="perf-pulse" tests="${report.series.length}" failures="${failures}">`,
    `  <testsuite name="perf-pulse" tests="${report.series.length}" failures="${failures}" errors="0" skipped="0" timestamp="${xmlEscape(report.generatedAt)}">`,
  ];
  for (const s of report.series) {
    const open = `    <testcase classname="perf-pulse" name="${xmlEscape(s.name)}" time="0"`;
    const detail = `current ${s.current}, baseline ${s.baseline}, change ${s.change} (95% CI ${s.interval}), ${s.runs} runs: ${s.verdict}${s.reason ? ` (${s.reason})` : ''}`;
    if (s.failing) {
      lines.push(`${open}>`);
      lines.push(`      <failure message="${xmlEscape(s.failures[0])}" type="performance">${xmlEscape([...s.failures, detail].join('\n'))}</failure>`);
      lines.push('    </testcase>');
    } else {
      lines.push(`${open}>`, `      <system-out>${xmlEscape(detail)}</system-out>`, '    </testcase>');
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
