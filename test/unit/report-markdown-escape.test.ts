// The Markdown report (also the GitHub job summary) escapes every user-derived string:
// HTML, emphasis, code, links, headings, table pipes and line breaks print as written.
import { strict as assert } from 'node:assert';
import type { Analysis, Finding, SeriesAnalysis } from '../../src/core/findings/types';
import { buildReport, toMarkdown } from '../../src/core/report';
import { escapeMarkdown } from '../../src/core/report/markdown-escape';
import { seededRandom } from '../../src/core/stats/random';

/** What a CommonMark reader sees: a backslash before ASCII punctuation stands for that character. */
function unescape(text: string): string {
  return text.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/** Characters that are syntax when not escaped (the report's own `**`, `|`, `#` and `- ` are checked separately). */
const SPECIALS = new Set('\\`*_~[]()!<>&#|$');

/** Positions of special characters not preceded by an escaping backslash. */
function unescapedSpecials(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      i++; // the escaped character
      continue;
    }
    if (SPECIALS.has(text[i])) found.push(`${text[i]}@${i}`);
  }
  return found;
}

const HOSTILE = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'a | b | c',
  '`rm -rf /`',
  '*bold* _it_ ~~gone~~',
  '[click](https://evil.example) ![img](x.png)',
  '# heading',
  '## also a heading',
  '- list item',
  '+ plus item',
  '1. ordered',
  '---',
  '> quote',
  'first line\nsecond line\r\nthird\u2028fourth',
  'back\\slash\\|pipe',
  '&lt;entity&gt; &amp;',
  '$x^2$ math',
  '    indented',
  '<!-- comment -->',
  'toString',
];

describe('report: Markdown escaping of user data', () => {
  it('each hostile string becomes inert text that reads back as written (line breaks as spaces)', () => {
    for (const text of HOSTILE) {
      const escaped = escapeMarkdown(text);
      assert.deepEqual(unescapedSpecials(escaped), [], `${JSON.stringify(text)} -> ${escaped}`);
      assert.doesNotMatch(escaped, /[\r\n\u2028\u2029]/);
      assert.doesNotMatch(escaped, /^\s*(?:[-+](?:\s|$)|\d+[.)](?:\s|$)|-{3,})/, `no block marker at the start: ${escaped}`);
      assert.equal(unescape(escaped), text.replace(/\r\n|[\r\n\u2028]/g, ' '));
    }
    // Numbers and words that only look like markers stay readable.
    assert.equal(escapeMarkdown('1.5 ms'), '1.5 ms');
    assert.equal(escapeMarkdown('-5%'), '-5%');
    assert.equal(escapeMarkdown('+18%'), '+18%');
    assert.equal(escapeMarkdown('sort-10k'), 'sort-10k');
  });

  it('terminal escapes, the bell and bidirectional overrides are shown as \\uXXXX, never raw (the report is printed on terminals and CI logs)', () => {
    const escaped = escapeMarkdown('x\u001b]0;title\u0007\u001b[2J\u009b31m\u202eevil\u0000');
    // eslint-disable-next-line no-control-regex -- the absence of control characters is the point
    assert.doesNotMatch(escaped, /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u202a-\u202e]/);
    assert.equal(escaped, 'x\\u001b\\]0;title\\u0007\\u001b\\[2J\\u009b31m\\u202eevil\\u0000');
    assert.equal(escapeMarkdown('a\tb'), 'a\tb', 'a tab is plain text');
  });

  it('a seeded stream of random strings from a hostile alphabet: inert, one line, reversible', () => {
    const random = seededRandom(20261203);
    const alphabet = ['\\', '`', '*', '_', '~', '[', ']', '(', ')', '!', '<', '>', '&', '#', '|', '$', '-', '+', '1', '.', ' ', '\n', '\r', 'a', 'é', '😀', '\u2028', '\t', '=', ':'];
    for (let n = 0; n < 2000; n++) {
      const length = 1 + Math.floor(random() * 24);
      let text = '';
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      const escaped = escapeMarkdown(text);
      assert.deepEqual(unescapedSpecials(escaped), [], JSON.stringify(text));
      assert.doesNotMatch(escaped, /[\r\n\u2028\u2029]/);
      assert.equal(unescape(escaped), text.replace(/\r\n|[\r\n\u2028]/g, ' '), JSON.stringify(text));
    }
  });

  it('the report escapes names, units, messages, branches and the machine everywhere it prints them', () => {
    const series: SeriesAnalysis[] = HOSTILE.map((name, i) => ({
      id: `s${i}`,
      name,
      metric: 'time',
      unit: i % 2 ? 's' : `ops|<b>${i}</b>`,
      direction: 'smaller',
      source: i % 3 ? 'benchmark' : 'task',
      group: 'test',
      runs: 20,
      latest: { recordId: `r${i}`, timestamp: 0, value: 2 },
      latestSamples: 10,
      baseline: 1,
      change: { ratio: 2, ci: [1.5, 2.5] },
      status: 'regressed',
      noise: 0.2,
      changes: [],
      ignored: false,
      budget: { limit: 1.5, statistic: 'median', current: 2, window: 10, allowedShare: 0.1, overRuns: 5, runsInWindow: 10, spent: 5, breached: true },
      forecast: { runs: 3, days: 2, slopePerRun: 0.1 },
    }));
    const findings: Finding[] = series.flatMap((s) => [
      { id: `${s.id}:r`, seriesId: s.id, name: s.name, kind: 'regression', severity: 'critical', message: `${s.name} is 100% slower`, firstBad: { recordId: 'x', commit: '<b>c0ffee</b>', timestamp: 1, value: 2 }, lastGood: { recordId: 'y', commit: '|#*', timestamp: 0, value: 1 }, unit: s.unit },
      { id: `${s.id}:b`, seriesId: s.id, name: s.name, kind: 'budget', severity: 'warning', message: `${s.name} is over its budget`, firstBad: { recordId: 'x', timestamp: 1, value: 2 }, unit: s.unit },
      { id: `${s.id}:i`, seriesId: s.id, name: s.name, kind: 'improvement', severity: 'info', message: `${s.name} got faster`, firstBad: { recordId: 'x', timestamp: 1, value: 2 }, unit: s.unit },
    ]);
    const analysis: Analysis = { series, findings, events: [] };
    const machine = { id: 'm', cpuModel: '<script>cpu</script>', cores: 2, os: 'linux | *x*', arch: 'x64', runtimes: {} };
    const report = buildReport(analysis, { generatedAt: 0, machine, vcs: { commit: '<a href>', branch: 'feature/<script>|`x`' }, baseBranch: '# main' });
    assert.ok(report.recommendations.length && report.forecasts.length && report.bottlenecks.slowest.length, 'every section is present');
    const md = toMarkdown(report);

    assert.doesNotMatch(md, /(^|[^\\])<[A-Za-z/!?]/m, 'no HTML tag or comment');
    // The forecast's own "(~2 days)" aside, nothing may format.
    assert.doesNotMatch(md.replace(/ \(~/g, ' ('), /(^|[^\\])[`_[\]~$]/m, 'no code, emphasis with _, link, strikethrough or math from user data');
    const headings = md.split('\n').filter((l) => /^\s*#/.test(l));
    assert.deepEqual(headings.filter((h) => !/^#{1,2} [A-Z][A-Za-z ]+$/.test(h)), [], 'only the report\'s own headings');
    const ownStars = /\*\*(?:Critical|Warning|Healthy|critical|warning|info|over budget)\*\*/g;
    assert.doesNotMatch(md.replace(ownStars, ''), /(^|[^\\])\*/m, 'no emphasis from user data');
    const lines = md.split('\n');
    const pipes = (line: string) => unescapedSpecials(line).filter((p) => p.startsWith('|')).length;
    let columns = 0;
    let rows = 0;
    lines.forEach((line, i) => {
      if (!line.startsWith('|')) return;
      if (lines[i + 1]?.startsWith('|---')) columns = pipes(line);
      else if (!line.startsWith('|---')) {
        rows++;
        assert.equal(pipes(line), columns, `a row keeps its columns: ${line}`);
      }
    });
    assert.ok(rows >= HOSTILE.length * 2, `table rows checked: ${rows}`);
    for (const line of md.split('\n').filter((l) => l.startsWith('- '))) {
      assert.doesNotMatch(line.slice(2), /^\s*(?:[-+>](?:\s|$)|\d+[.)](?:\s|$)|#)/, `a list item holds no nested block: ${line}`);
    }
    // And every name is still there, readable, once the Markdown is read.
    const read = unescape(md);
    for (const name of HOSTILE) assert.ok(read.includes(name.replace(/\r\n|[\r\n\u2028]/g, ' ')), `the report names ${JSON.stringify(name)}`);
    assert.ok(read.includes('feature/<script>|`x`') && read.includes('<script>cpu</script>') && read.includes('baseline: # main'));
  });
});
