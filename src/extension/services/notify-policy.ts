import type { Analysis, EnvironmentChange, Finding } from '../../core/findings';

/**
 * Which findings a notification tells about, apart from how it is shown (no `vscode` import:
 * unit-tested). Only what is new and is the code's doing: a standing finding was already there
 * (the view and the status bar list it), suspects and budgets at risk wait for more runs (and are
 * not remembered, so that they are told once confirmed), environment changes are information of
 * their own, told once per event and only when they made things worse.
 */
export function toNotify(analysis: Analysis, notified: ReadonlySet<string>): { findings: Finding[]; environment: EnvironmentChange[] } {
  return {
    findings: analysis.findings.filter((f) => f.kind !== 'improvement' && !notified.has(f.id) && (f.status === undefined || f.status === 'new')),
    environment: (analysis.environment ?? []).filter((e) => e.kind === 'regression' && !notified.has(`environment:${e.key}`)),
  };
}

/** How loud a finding event is: an error only for new critical regressions and new breaches; a warning otherwise. */
export function notificationLevel(group: readonly Finding[]): 'error' | 'warning' {
  return group.some((f) => (f.status === undefined || f.status === 'new') && (f.severity === 'critical' || f.kind === 'budget')) ? 'error' : 'warning';
}
