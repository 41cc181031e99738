/**
 * Finds where benchmarks and tests are defined in source text, by each harness's
 * naming rules, so that a finding can point at the line that defines its series.
 * Pure text scanning: no parsing of the languages, no file access.
 */

export type DefinitionKind =
  | 'go-benchmark'      // func BenchmarkX(b *testing.B)
  | 'google-benchmark'  // BENCHMARK(BM_X)
  | 'pytest'            // def test_x(
  | 'criterion'         // bench_function("x"
  | 'vitest-bench'      // bench('x'
  | 'jmh'               // @Benchmark on a Java/Kotlin method
  | 'benchmarkdotnet'   // [Benchmark] on a C# method
  | 'libtest-bench';    // #[bench] fn x

export interface Definition {
  kind: DefinitionKind;
  /** The name as the harness derives series names from it. */
  name: string;
  /** 1-based line of the definition. */
  line: number;
}

/** Which scanners apply to a file, by its extension. */
export function kindsForFile(fileName: string): DefinitionKind[] {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.go')) return ['go-benchmark'];
  if (/\.(cc|cpp|cxx|c\+\+|h|hpp)$/.test(lower)) return ['google-benchmark'];
  if (lower.endsWith('.py')) return ['pytest'];
  if (lower.endsWith('.rs')) return ['criterion', 'libtest-bench'];
  if (/\.(ts|js|mts|mjs|cts|cjs|tsx|jsx)$/.test(lower)) return ['vitest-bench'];
  if (/\.(java|kt)$/.test(lower)) return ['jmh'];
  if (lower.endsWith('.cs')) return ['benchmarkdotnet'];
  return [];
}

const LINE_RULES: Partial<Record<DefinitionKind, RegExp>> = {
  'go-benchmark': /^\s*func\s+(Benchmark[A-Za-z0-9_]*)\s*\(\s*\w+\s+\*testing\.B\s*\)/,
  'google-benchmark': /^\s*BENCHMARK(?:_TEMPLATE\d?|_CAPTURE)?\s*\(\s*([A-Za-z_][A-Za-z0-9_:<>]*)/,
  pytest: /^\s*(?:async\s+)?def\s+(test_[A-Za-z0-9_]*)\s*\(/,
  criterion: /\bbench_(?:function|with_input)\s*\(\s*(?:BenchmarkId::new\(\s*)?"([^"\n]+)"/,
  'vitest-bench': /\bbench(?:\.(?:skip|only|todo))?\s*\(\s*(['"`])((?:(?!\1).){1,200})\1/,
};

/** Every recognised definition in a file's text. */
export function findDefinitions(text: string, fileName: string): Definition[] {
  const kinds = kindsForFile(fileName);
  if (!kinds.length) return [];
  const lines = text.split(/\r?\n/);
  const found: Definition[] = [];
  let pendingAnnotation: { kind: DefinitionKind; line: number } | undefined;
  let libtestBenchPending = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.length > 2000) continue;
    for (const kind of kinds) {
      const rule = LINE_RULES[kind];
      if (rule) {
        const m = rule.exec(line);
        if (m) found.push({ kind, name: kind === 'vitest-bench' ? m[2] : m[1], line: i + 1 });
      }
    }
    if (kinds.includes('jmh') && /^\s*@Benchmark\b/.test(line)) pendingAnnotation = { kind: 'jmh', line: i + 1 };
    if (kinds.includes('benchmarkdotnet') && /^\s*\[Benchmark\b[^\]]*\]/.test(line)) pendingAnnotation = { kind: 'benchmarkdotnet', line: i + 1 };
    if (kinds.includes('libtest-bench') && /^\s*#\[bench\]/.test(line)) libtestBenchPending = true;
    if (pendingAnnotation) {
      // The annotated method: the first following line that declares `name(`.
      const method = /^\s*(?:[\w<>[\],?]+\s+)+([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(line);
      if (method && !/^\s*[@[]/.test(line) && !/^(if|for|while|switch|return|new)$/.test(method[1])) {
        found.push({ kind: pendingAnnotation.kind, name: method[1], line: i + 1 });
        pendingAnnotation = undefined;
      }
    }
    if (libtestBenchPending) {
      const fn = /^\s*(?:pub\s+)?fn\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(line);
      if (fn) {
        found.push({ kind: 'libtest-bench', name: fn[1], line: i + 1 });
        libtestBenchPending = false;
      }
    }
  }
  return found;
}

/**
 * The candidate definition names a series name can come from, most specific first.
 * `BenchmarkSort/size=10-8` → BenchmarkSort; `BM_Sort/1024_mean` → BM_Sort;
 * `test_parse[fast]` → test_parse; `com.acme.Bench.parse` → parse; `group/x` → x, group/x.
 */
export function candidateNames(seriesName: string): string[] {
  const names = new Set<string>();
  const bare = seriesName.replace(/\s+\([^)]*\)$/, '').trim(); // drop a metric suffix like " (B/op)"
  names.add(bare);
  const noProcs = bare.replace(/-\d+$/, '');
  names.add(noProcs);
  const beforeSlash = noProcs.split('/')[0];
  names.add(beforeSlash);
  names.add(beforeSlash.replace(/_(mean|median|stddev|cv)$/, ''));
  const beforeBracket = bare.split('[')[0];
  names.add(beforeBracket);
  const lastSlash = noProcs.split('/').pop()!;
  names.add(lastSlash);
  const dotted = beforeBracket.split('(')[0].split('.');
  if (dotted.length > 1) names.add(dotted[dotted.length - 1]);
  const arrow = bare.split(' › ');
  if (arrow.length > 1) names.add(arrow[arrow.length - 1]);
  names.delete('');
  return [...names];
}

/** The definition a series most likely comes from, or undefined. */
export function matchDefinition(seriesName: string, definitions: readonly Definition[]): Definition | undefined {
  for (const candidate of candidateNames(seriesName)) {
    const hit = definitions.find((d) => d.name === candidate);
    if (hit) return hit;
  }
  return undefined;
}

/** Parses a `source` setting of perfpulse.json: "file.ts", "file.ts:42" or { file, line }. */
export function parseSourceSetting(source: string | { file: string; line?: number }): { file: string; line?: number } {
  if (typeof source !== 'string') return source;
  const m = /^(.*?):(\d+)$/.exec(source);
  return m ? { file: m[1], line: Number(m[2]) } : { file: source };
}

/**
 * Globs where a test suite named like a class or module may live: `com.acme.FooTest` →
 * `**∕com/acme/FooTest.{java,kt,…}` and `**∕FooTest.*`; `tests.test_io` → `**∕tests/test_io.py`.
 */
export function suiteFileGlobs(suite: string): string[] {
  const clean = suite.trim().replace(/\s+/g, '');
  if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(clean)) return [];
  const parts = clean.split('.');
  const last = parts[parts.length - 1];
  const globs = [`**/${parts.join('/')}.{java,kt,scala,cs,py,go,rs,ts,js}`];
  if (parts.length > 1) globs.push(`**/${last}.{java,kt,scala,cs,py,ts,js}`);
  return globs;
}

/** The 1-based line that defines a test named `name` in a file's text (JUnit, pytest, jest/mocha/vitest, Go), if any. */
export function findTestLine(text: string, name: string): number | undefined {
  const bare = name.replace(/\[.*\]$/, '').replace(/\(\)$/, '').trim();
  if (!bare) return undefined;
  const escaped = bare.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const rules = [
    new RegExp(`\\b(?:def|func|fn|void|fun|public|async)\\s+(?:\\w+\\s+)*${escaped}\\s*\\(`),
    new RegExp(`\\b(?:it|test|bench)(?:\\.\\w+)?\\s*\\(\\s*(['"\`])${escaped}\\1`),
  ];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].length < 2000 && rules.some((r) => r.test(lines[i]))) return i + 1;
  }
  return undefined;
}
