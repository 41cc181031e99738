/**
 * Writes a commented starter perfpulse.json from what a workspace contains.
 * Pure: the caller gathers the facts (file names, package.json scripts).
 */

export interface WorkspaceFacts {
  /** Scripts from the root package.json, if any. */
  npmScripts?: Record<string, string>;
  /** Workspace-relative paths of files that look like benchmarks (a bounded sample). */
  files: string[];
}

interface Suggestion {
  comment: string;
  entry: Record<string, unknown>;
}

function suggestions(facts: WorkspaceFacts): Suggestion[] {
  const out: Suggestion[] = [];
  const files = facts.files;
  for (const [name, script] of Object.entries(facts.npmScripts ?? {})) {
    if (/^bench/.test(name)) {
      const vitest = /\bvitest\b.*\bbench\b/.test(script);
      out.push({
        comment: vitest ? `from package.json script "${name}" (vitest bench: results parsed from its JSON output)` : `from package.json script "${name}"`,
        entry: vitest
          ? { name, command: `npx vitest bench --run --outputJson .perfpulse/vitest-bench.json`, format: 'vitest-bench', output: { file: '.perfpulse/vitest-bench.json' } }
          : { name, command: `npm run -s ${name}`, warmup: 1 },
      });
    }
  }
  if (files.some((f) => f.endsWith('_test.go'))) {
    out.push({ comment: 'Go benchmarks (func BenchmarkX): each becomes its own series', entry: { name: 'go', command: 'go test -run ^$ -bench . -count 10 ./...', format: 'go-test-bench', output: 'stdout', timeoutMs: 600000 } });
  }
  if (files.some((f) => /(^|\/)benches\/.*\.rs$/.test(f))) {
    out.push({ comment: 'cargo benchmarks (criterion or libtest), parsed from the bencher output format', entry: { name: 'cargo', command: 'cargo bench -- --output-format bencher', format: 'criterion-bencher', output: 'stdout', timeoutMs: 1800000 } });
  }
  if (files.some((f) => /(^|\/)(test_[^/]*|[^/]*_test)\.py$/.test(f))) {
    out.push({ comment: 'pytest-benchmark, if the project uses it', entry: { name: 'pytest-benchmark', command: 'pytest --benchmark-only --benchmark-json=.perfpulse/pytest-benchmark.json', format: 'pytest-benchmark', output: { file: '.perfpulse/pytest-benchmark.json' } } });
  }
  if (!out.length) {
    const script = files.find((f) => /\.(m?js|cjs)$/.test(f));
    out.push({
      comment: 'an example: replace with a command worth timing',
      entry: { name: 'example', command: script ? `node ${script}` : 'node -e "for (let i = 0; i < 1e7; i++);"', warmup: 1, minRuns: 10 },
    });
  }
  return out;
}

/** The text of a starter config, with comments that explain each choice. */
export function starterConfig(facts: WorkspaceFacts): string {
  const lines = [
    '{',
    '  // Perf Pulse configuration. Each benchmark is run several times and its history kept.',
    '  // Fields: name, command, cwd, env, warmup, minRuns/maxRuns, minTime/maxTime, timeoutMs,',
    '  // prepare, shell, format + output (parse a harness\'s output), source (where it is defined), budget.',
    '  "$schema": "https://perf-pulse.dev/schemas/perfpulse.schema.json",',
    '  "version": 1,',
    '  "benchmarks": [',
  ];
  const items = suggestions(facts);
  items.forEach((s, i) => {
    lines.push(`    // ${s.comment}`);
    lines.push(`    ${JSON.stringify(s.entry).replace(/,"/g, ', "').replace(/":/g, '": ')}${i < items.length - 1 ? ',' : ''}`);
  });
  lines.push('  ],');
  lines.push('  // Budgets: a limit for a statistic of a series, e.g. { "series": "build", "statistic": "p95", "max": "60s" }');
  lines.push('  "budgets": []');
  lines.push('}');
  return lines.join('\n') + '\n';
}
