import { strict as assert } from 'node:assert';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Analysis, SeriesAnalysis, Finding } from '../../src/core/findings/types';
import { buildReport, recommend, toHtml, toJson, toJUnit, toMarkdown } from '../../src/core/report';

function s(over: Partial<SeriesAnalysis> & { id: string }): SeriesAnalysis {
  return {
    name: over.id,
    metric: 'time',
    unit: 's',
    direction: 'smaller',
    source: 'benchmark',
    runs: 20,
    latest: { recordId: `${over.id}-last`, timestamp: 0, value: 0.01 },
    latestSamples: 10,
    baseline: 0.01,
    change: { ratio: 1 },
    status: 'stable',
    noise: 0.01,
    changes: [],
    ignored: false,
    ...over,
  };
}

const NASTY = 'a<b>&"c"|d\'</failure>]]>';

function regression(seriesId: string, name: string): Finding {
  return {
    id: `${seriesId}:r:regression`,
    seriesId,
    name,
    kind: 'regression',
    severity: 'critical',
    message: `${name} is 18% slower since a1b2c3d (median 12.1 ms → 14.3 ms, 95% CI +12% to +24%, p < 0.001)`,
    lastGood: { recordId: 'g', commit: 'ffff0000aaaa', timestamp: 0, value: 0.0121 },
    firstBad: { recordId: 'r', commit: 'a1b2c3d4e5f6', timestamp: 1, value: 0.0143 },
    unit: 's',
  };
}

const analysis: Analysis = {
  series: [
    s({ id: 'n1', name: NASTY, status: 'regressed', latest: { recordId: 'x', timestamp: 0, value: 0.0143 }, baseline: 0.0121, change: { ratio: 1.18, ci: [1.12, 1.24], pValue: 1e-5 } }),
    s({ id: 'ok' }),
  ],
  findings: [regression('n1', NASTY)],
  events: [{ key: 'commit:a1b2c3d4e5f6', commit: 'a1b2c3d4e5f6', timestamp: 1, findingIds: ['n1:r:regression'] }],
};

describe('report: formats', () => {
  const report = buildReport(analysis, { generatedAt: Date.UTC(2026, 0, 2), vcs: { commit: 'a1b2c3d4e5f6', branch: 'main' } });

  it('JUnit: valid XML, one test case per series, the regressed one failing with the finding message', () => {
    const xml = toJUnit(report);
    assert.equal(XMLValidator.validate(xml), true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', htmlEntities: true }).parse(xml);
    const suite = parsed.testsuites.testsuite;
    assert.equal(suite['@name'], 'perf-pulse');
    assert.equal(suite['@failures'], '1');
    const cases = ([] as Array<{ '@name': string; failure?: { '@message': string; '#text': string } }>).concat(suite.testcase);
    // The escaped name comes back exactly as it went in.
    assert.deepEqual(cases.map((c) => c['@name']), [NASTY, 'ok']);
    const failing = cases.find((c) => c.failure);
    assert.ok(failing?.failure);
    assert.equal(failing['@name'], NASTY);
    assert.match(failing.failure['@message'], /is 18% slower since a1b2c3d \(median 12\.1 ms → 14\.3 ms/);
    assert.match(failing.failure['#text'], /current 14\.3 ms, baseline 12\.1 ms, change \+18%/);
    assert.equal(cases.filter((c) => c.failure).length, 1);
  });

  it('HTML: self-contained and escaped', () => {
    const html = toHtml(report);
    assert.ok(!html.includes(NASTY), 'raw name never appears');
    assert.ok(html.includes('a&lt;b&gt;&amp;&quot;c&quot;|d&#39;&lt;/failure&gt;]]&gt;'));
    assert.doesNotMatch(html, /<script|src=|href=|@import|url\(/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.match(html, /<tr class="bad">/);
  });

  it('Markdown: health, the numbers, commit range, table with escaped pipes', () => {
    const md = toMarkdown(report);
    assert.match(md, /❌ \*\*Critical\*\*/);
    assert.match(md, /- \*\*critical\*\*: .* is 18% slower since a1b2c3d .* — commits ffff000\.\.a1b2c3d/);
    // The name is user data: escaped, so that it renders as written (see report-markdown-escape.test.ts).
    assert.ok(md.includes('| a\\<b\\>\\&"c"\\|d\'\\</failure\\>\\]\\]\\> | 14.3 ms | 12.1 ms | +18% | +12% to +24% | regressed |'), md);
    assert.match(md, /\| ok \| 10 ms \| 10 ms \| \+0\.0% \| – \| no change \|/);
    assert.match(md, /commit a1b2c3d on main/);
  });

  it('JSON: versioned, parseable, same findings', () => {
    const j = JSON.parse(toJson(report));
    assert.equal(j.version, 1);
    assert.equal(j.health, 'critical');
    assert.equal(j.findings[0].firstBad.commit, 'a1b2c3d4e5f6');
    assert.equal(j.series.length, 2);
  });

  it('a healthy history says so and has no regressions section', () => {
    const healthy = buildReport({ series: [s({ id: 'ok' })], findings: [], events: [] }, { generatedAt: 0 });
    const md = toMarkdown(healthy);
    assert.match(md, /✅ \*\*Healthy\*\*/);
    assert.doesNotMatch(md, /## Regressions/);
    assert.equal(healthy.health, 'healthy');
  });
});

describe('report: why a check fails or passes', () => {
  const standing: Finding = { ...regression('n1', 'sort'), status: 'standing', reason: 'already in earlier runs: since a1b2c3d, 41 days, 63 runs', metric: "time (each run's median)" };
  const env: Finding = { ...regression('e1', 'parse'), id: 'e1:r:regression', status: 'environment', severity: 'info', reason: 'moved with 2 other series of this machine at a1b2c3d (3 of 4): the environment, not the code' };
  const mixed: Analysis = {
    series: [
      s({ id: 'n1', name: 'sort', status: 'regressed', verdict: { kind: 'standing', reason: `standing regression: ${standing.reason}`, metric: "time (each run's median)", findingIds: [standing.id] } }),
      s({ id: 'e1', name: 'parse', verdict: { kind: 'environment', reason: `environment change: ${env.reason}`, metric: 'time', findingIds: [env.id] } }),
      s({ id: 'u1', name: 'json', verdict: { kind: 'unknown', reason: 'unknown: only 3 earlier runs to learn the run-to-run noise from: need 5 more runs, or use check --base', metric: 'time', findingIds: [] } }),
    ],
    findings: [standing, env],
    events: [],
    environment: [{ key: 'm|commit:a1b2c3d4e5f6|regression', commit: 'a1b2c3d4e5f6', timestamp: 1, cause: 'machine-wide', kind: 'regression', series: [{ seriesId: 'e1', name: 'parse', ratio: 1.3 }], findingIds: [env.id], seriesOfMachine: 4, message: '3 of 4 series of this machine moved worse together at a1b2c3d: the environment (runner, toolchain, machine), not the code (parse, x, y)' }],
  };

  it('standing findings are reported and do not fail unless --fail-on asks; the environment is its own section', () => {
    const report = buildReport(mixed, { generatedAt: 0, failOn: { level: 'regression', standing: false } });
    assert.equal(report.summary.failing, 0);
    assert.deepEqual([report.summary.standing, report.summary.environment, report.summary.unknown, report.summary.regressions], [1, 1, 1, 1]);
    assert.deepEqual(report.series.map((r) => r.failing), [false, false, false]);
    const md = toMarkdown(report);
    assert.match(md, /\*\*Check passes\*\* \(--fail-on regression\): nothing new in the checked run; reported, not failing: 1 standing finding \(add ",standing" to --fail-on to fail on them\), 1 environment change, 1 series unknown\./);
    assert.match(md, /- \*\*critical\*\* \(standing, not failing\): sort is 18% slower .*Why: already in earlier runs: since a1b2c3d, 41 days, 63 runs/);
    assert.match(md, /## Environment changes \(not the code, not failing\)\n\n- 3 of 4 series of this machine moved worse together at a1b2c3d/);
    assert.doesNotMatch(md, /parse is 18% slower/, 'the environment change is not listed as a regression');
    assert.match(md, /\| json \|.*\| unknown \| unknown: only 3 earlier runs .* \\\[time\\\] \|/);
    assert.match(toHtml(report), /<h2>Environment changes \(not the code, not failing\)<\/h2>/);
    const j = JSON.parse(toJson(report));
    assert.equal(j.regressions[0].status, 'standing');
    assert.equal(j.regressions[0].failing, false);
    assert.match(j.regressions[0].notFailing, /^standing: /);
    assert.equal(j.failOn, 'regression');

    const asked = buildReport(mixed, { generatedAt: 0, failOn: { level: 'regression', standing: true } });
    assert.equal(asked.summary.failing, 1);
    assert.equal(asked.series[0].failing, true);
    assert.match(toMarkdown(asked), /\*\*Check fails\*\* \(--fail-on regression,standing\): 1 finding at or above it; reported, not failing: 1 environment change, 1 series unknown\./);
    assert.match(toJUnit(asked), /<failure message="sort is 18% slower/);
  });
});

describe('report: recommendations and bottlenecks follow from the data', () => {
  it('nothing to recommend for quiet series', () => {
    assert.deepEqual(recommend({ series: [s({ id: 'a' }), s({ id: 'b', noise: 0.049 })], findings: [], events: [] }), []);
  });

  it('a noisy series: more runs (with the count), no shell only when it used one, a quieter machine only when load was high', () => {
    const recs = recommend({
      series: [
        s({ id: 'noisy-shell', noise: 0.12, latestSamples: 7, ranThroughShell: true, loadAverage: 3.5, cores: 4 }),
        s({ id: 'noisy-plain', noise: 0.08, latestSamples: 30, ranThroughShell: false, loadAverage: 0.2, cores: 4 }),
      ],
      findings: [],
      events: [],
    });
    assert.equal(recs.length, 2);
    assert.match(recs[0].text, /noisy-shell varies by 12\.0% between runs: run it more times per measurement \(currently 7\); run the command without a shell.*quieter machine \(load average was 3\.5 on 4 cores\)/);
    assert.match(recs[1].text, /currently 30\)\.$/);
    assert.doesNotMatch(recs[1].text, /shell|quieter/);
  });

  it('a test whose share of the test time grew: split or parallelise; bottlenecks list shares', () => {
    const test = (id: string, first: number, last: number) =>
      s({ id, source: 'report', firstLevel: first, latest: { recordId: id, timestamp: 0, value: last } });
    const a: Analysis = { series: [test('slow-growing', 1, 4), test('steady', 3, 3), test('small', 1, 1)], findings: [], events: [] };
    const recs = recommend(a);
    assert.equal(recs.length, 1);
    assert.match(recs[0].text, /slow-growing takes a growing share of the test time \(20% → 50%\): split it or run it in parallel\./);
    const report = buildReport(a, { generatedAt: 0 });
    assert.deepEqual(report.bottlenecks.slowest.map((b) => [b.name, b.kind, b.sharePercent]), [['slow-growing', 'test', 50], ['steady', 'test', 37.5], ['small', 'test', 12.5]]);
    assert.match(toMarkdown(report), /\| slow-growing \| test \| 4 s \| 50% \|/);
  });
});
