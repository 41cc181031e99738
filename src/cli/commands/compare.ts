import * as path from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { compareSamples } from '../../core/detect/ab';
import { formatSpread } from '../../core/format';
import { RunCancelledError, RunError, runInterleaved, withWorktree, WorktreeError, type CommandSpec, type InterleavedResult } from '../../core/runner';
import { resultJson, selectBenchmarks } from './run';
import { BOOLEAN, numberValue, parseCommandLine, STRING, stringValue, UsageError, wholeNumberValue } from '../args';

const usage = `Usage: perf-pulse compare --a CMD --b CMD [--runs N] [--json]
       perf-pulse compare --rev REV [NAME...] [--runs N] [--json]

Runs two commands alternately (A B A B …) so that drift of the machine hits both
alike, and says whether B is faster or slower than A, with the ratio B/A and its
95% interval.

With --rev, the configured benchmarks (all, or the named ones) run alternately in a
temporary git worktree of REV (A) and in the workspace as it is now (B); the worktree
is removed afterwards, also on error or Ctrl-C.

Options:
  --a CMD, --b CMD   the two commands (argv, or a shell when they need one)
  --rev REV          compare the working tree against this revision
  --runs N           runs per side (default: until the medians are precise, ≥10 runs and ≥3 s)
  --workspace DIR    the workspace folder (default: the current folder)
  --seed N           seed of the statistics (default 1)
  --json             print { "comparisons": [...] } instead of text

Exit codes: 0 compared; 2 a config or run error (the reason is on stderr); 130 interrupted.
`;

interface Comparison {
  name: string;
  a: { label: string; result: InterleavedResult['a'] };
  b: { label: string; result: InterleavedResult['b'] };
  verdict: ReturnType<typeof compareSamples>;
}

function comparisonJson(c: Comparison): Record<string, unknown> {
  return {
    name: c.name,
    a: { label: c.a.label, ...resultJson(c.a.result) },
    b: { label: c.b.label, ...resultJson(c.b.result) },
    verdict: c.verdict.verdict,
    ratio: c.verdict.ratio,
    ratioCi: c.verdict.ratioCi,
    pValue: c.verdict.pValue,
    message: c.verdict.message,
  };
}

function comparisonText(c: Comparison): string {
  const line = (side: 'A' | 'B', label: string, r: InterleavedResult['a']) =>
    `  ${side} ${label}: median ${formatSpread(r.summary.median, r.summary.mad)} (${r.samples.length} runs${r.failedRuns ? `, ${r.failedRuns} failed` : ''})`;
  const ci = c.verdict.ratioCi;
  return [
    `${c.name}`,
    line('A', c.a.label, c.a.result),
    line('B', c.b.label, c.b.result),
    `  B/A = ${c.verdict.ratio.toFixed(3)} [${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}], p = ${c.verdict.pValue.toPrecision(2)}: ${c.verdict.verdict}`,
    `  ${c.verdict.message}`,
    '',
  ].join('\n');
}

async function compareOne(name: string, a: CommandSpec & { label: string }, b: CommandSpec & { label: string }, io: CliIO, cwd: string, runs: number | undefined, seed: number, json: boolean): Promise<Comparison> {
  const result = await runInterleaved({ ...a, name: `${name} (A)` }, { ...b, name: `${name} (B)` }, {
    cwd,
    runs,
    signal: io.signal,
    seed,
    log: json ? undefined : (l) => io.stderr(l + '\n'),
  });
  const res = { a: { ...result.a, name }, b: { ...result.b, name } };
  return { name, a: { label: a.label, result: res.a }, b: { label: b.label, result: res.b }, verdict: compareSamples(res.a.samples, res.b.samples, { seed }) };
}

export const command: CliCommand = {
  summary: 'compare two commands, or the working tree with a revision, run interleaved A B A B',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, { a: STRING, b: STRING, rev: STRING, runs: STRING, workspace: STRING, seed: STRING, json: BOOLEAN });
    const workspace = path.resolve(io.cwd, stringValue(values, 'workspace') ?? '.');
    const runs = wholeNumberValue(values, 'runs', 1);
    const seed = numberValue(values, 'seed') ?? 1;
    const json = values.json === true;
    const a = stringValue(values, 'a');
    const b = stringValue(values, 'b');
    const rev = stringValue(values, 'rev');
    if (rev !== undefined && (a !== undefined || b !== undefined)) throw new UsageError('use either --a/--b or --rev, not both');
    if (rev === undefined && (a === undefined || b === undefined)) throw new UsageError('give both --a and --b, or --rev');
    if (rev === undefined && positionals.length) throw new UsageError('benchmark names go with --rev; with --a/--b, quote each command');

    const comparisons: Comparison[] = [];
    try {
      if (rev === undefined) {
        comparisons.push(await compareOne(`${a} vs ${b}`, { command: a!, label: a! }, { command: b!, label: b! }, io, workspace, runs, seed, json));
      } else {
        const { benches } = await selectBenchmarks(workspace, positionals);
        await withWorktree(workspace, rev, async (revDir, commit) => {
          if (!json) io.stderr(`comparing the working tree (B) with ${rev} = ${commit.slice(0, 12)} (A), checked out in a temporary worktree\n`);
          for (const bench of benches) {
            if (bench.format) {
              io.stderr(`perf-pulse compare: skipping "${bench.name}": harness-format benchmarks report their own numbers and are not timed\n`);
              continue;
            }
            const inRev = { ...bench, cwd: path.resolve(revDir, bench.cwd ?? '.'), label: `${rev} (${commit.slice(0, 12)})` };
            const here = { ...bench, cwd: path.resolve(workspace, bench.cwd ?? '.'), label: 'working tree' };
            comparisons.push(await compareOne(bench.name, inRev, here, io, workspace, runs, seed, json));
          }
        });
      }
    } catch (err) {
      if (err instanceof RunCancelledError) {
        io.stderr('perf-pulse compare: interrupted; every benchmark process was stopped\n');
        return 130;
      }
      if (err instanceof RunError || err instanceof WorktreeError) throw new CliError(err.message);
      throw err;
    }
    if (json) io.stdout(JSON.stringify({ comparisons: comparisons.map(comparisonJson) }, null, 2) + '\n');
    else io.stdout(comparisons.map(comparisonText).join('\n'));
    return 0;
  },
};
