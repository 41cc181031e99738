import * as path from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { compareSamples } from '../../core/detect/ab';
import { formatSeconds } from '../../core/format';
import { RunCancelledError, RunError, runInterleaved, withWorktree, WorktreeError, type CommandSpec, type InterleavedResult } from '../../core/runner';
import { flagValue, parseCliArgs, resultJson, selectBenchmarks } from './run';

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

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--${name} must be a whole number of at least 1 (got "${value}")`);
  return n;
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
    `  ${side} ${label}: median ${formatSeconds(r.summary.median)} ± ${formatSeconds(r.summary.mad)} (${r.samples.length} runs${r.failedRuns ? `, ${r.failedRuns} failed` : ''})`;
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
    const args = parseCliArgs(argv, ['a', 'b', 'rev', 'runs', 'workspace', 'seed'], ['json'], usage);
    const workspace = path.resolve(io.cwd, flagValue(args, 'workspace') ?? '.');
    const runs = positiveInt(flagValue(args, 'runs'), 'runs');
    const seed = flagValue(args, 'seed') !== undefined ? Number(flagValue(args, 'seed')) : 1;
    if (!Number.isFinite(seed)) throw new CliError(`--seed must be a number`);
    const json = args.flags.json === true;
    const a = flagValue(args, 'a');
    const b = flagValue(args, 'b');
    const rev = flagValue(args, 'rev');
    if (rev !== undefined && (a !== undefined || b !== undefined)) throw new CliError(`use either --a/--b or --rev, not both\n\n${usage}`);
    if (rev === undefined && (a === undefined || b === undefined)) throw new CliError(`give both --a and --b, or --rev\n\n${usage}`);
    if (rev === undefined && args.positional.length) throw new CliError(`benchmark names go with --rev; with --a/--b, quote each command\n\n${usage}`);

    const comparisons: Comparison[] = [];
    try {
      if (rev === undefined) {
        comparisons.push(await compareOne(`${a} vs ${b}`, { command: a!, label: a! }, { command: b!, label: b! }, io, workspace, runs, seed, json));
      } else {
        const { benches } = await selectBenchmarks(workspace, args.positional);
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
