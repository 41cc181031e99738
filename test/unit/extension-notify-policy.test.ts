import { strict as assert } from 'node:assert';
import type { Analysis, Finding } from '../../src/core/findings';
import { notificationLevel, toNotify } from '../../src/extension/services/notify-policy';

function finding(id: string, status: Finding['status'], extra: Partial<Finding> = {}): Finding {
  return {
    id,
    seriesId: id,
    name: id,
    kind: 'regression',
    severity: 'critical',
    message: `${id} is 30% slower`,
    firstBad: { recordId: 'r', timestamp: 0, value: 1 },
    unit: 's',
    status,
    ...extra,
  };
}

describe('editor notifications: only new regressions, never standing or environment ones', () => {
  const analysis: Analysis = {
    series: [],
    findings: [
      finding('new', 'new'),
      finding('old-format', undefined),
      finding('standing', 'standing'),
      finding('environment', 'environment', { severity: 'info' }),
      finding('suspect', 'suspect'),
      finding('risk', 'at-risk', { kind: 'budget', severity: 'warning' }),
      finding('faster', 'new', { kind: 'improvement', severity: 'info' }),
    ],
    events: [],
    environment: [
      { key: 'm|commit:abc|regression', timestamp: 0, cause: 'machine-wide', kind: 'regression', series: [], findingIds: [], seriesOfMachine: 5, message: 'moved' },
      { key: 'm|commit:abc|improvement', timestamp: 0, cause: 'machine-wide', kind: 'improvement', series: [], findingIds: [], seriesOfMachine: 5, message: 'moved' },
    ],
  };

  it('tells new findings (and those of analyses without a status), nothing standing, suspect, at risk or environment', () => {
    const { findings, environment } = toNotify(analysis, new Set());
    assert.deepEqual(findings.map((f) => f.id), ['new', 'old-format']);
    assert.deepEqual(environment.map((e) => e.key), ['m|commit:abc|regression']);
  });

  it('tells each once', () => {
    const { findings, environment } = toNotify(analysis, new Set(['new', 'environment:m|commit:abc|regression']));
    assert.deepEqual(findings.map((f) => f.id), ['old-format']);
    assert.deepEqual(environment, []);
  });

  it('raises an error only for a new critical regression or a new breach; a standing critical one is at most a warning', () => {
    assert.equal(notificationLevel([finding('a', 'new')]), 'error');
    assert.equal(notificationLevel([finding('b', 'new', { kind: 'budget', severity: 'warning' })]), 'error');
    assert.equal(notificationLevel([finding('c', 'standing')]), 'warning');
    assert.equal(notificationLevel([finding('d', 'environment', { severity: 'critical' })]), 'warning');
    assert.equal(notificationLevel([finding('e', 'new', { severity: 'warning' })]), 'warning');
  });
});
