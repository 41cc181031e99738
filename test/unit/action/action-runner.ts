import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Runs a composite action's steps the way the GitHub runner does, as far as this action uses
 * it: inputs from `with:` over the declared defaults, `${{ }}` expressions evaluated in `env`,
 * `working-directory` and outputs, each `run:` script executed with GitHub's bash invocation
 * (`bash --noprofile --norc -eo pipefail FILE`), a fresh GITHUB_OUTPUT file per step read
 * back as the step's outputs, the job summary, and the first failing step ending the action.
 * An expression this runner does not know fails the test instead of being guessed.
 */

// js-yaml comes with mocha (it is not a direct dependency), hence the untyped require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { load(text: string): unknown };

export interface ActionStep {
  name?: string;
  id?: string;
  shell?: string;
  run?: string;
  uses?: string;
  if?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
}

export interface ActionDefinition {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

export function loadAction(file: string): ActionDefinition {
  return yaml.load(readFileSync(file, 'utf8')) as ActionDefinition;
}

export interface StepRun {
  name: string;
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

export interface ActionRun {
  steps: StepRun[];
  /** The action's outputs, from its `outputs:` expressions. */
  outputs: Record<string, string>;
  /** Did every step succeed? */
  success: boolean;
  /** Everything the steps appended to the job summary. */
  summary: string;
  stdout: string;
}

export interface RunOptions {
  actionPath: string;
  workspace: string;
  /** `with:` of the workflow step. */
  with?: Record<string, string>;
  /** Variables the runner sets for the job (GITHUB_EVENT_PATH, GITHUB_BASE_REF, …). */
  env?: Record<string, string>;
  /** What `${{ github.token }}` stands for. */
  token: string;
  /** A scratch folder for the runner's own files. */
  runnerTemp: string;
}

const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;

export async function runAction(options: RunOptions): Promise<ActionRun> {
  const action = loadAction(join(options.actionPath, 'action.yml'));
  if (action.runs.using !== 'composite') throw new Error(`this runner runs composite actions, not ${action.runs.using}`);
  const steps: Record<string, Record<string, string>> = {};
  const context = {
    github: { token: options.token, action_path: options.actionPath, workspace: options.workspace },
    inputs: {} as Record<string, string>,
  };
  const evaluate = (text: string): string =>
    text.replace(EXPRESSION, (_, expr: string) => {
      let m: RegExpExecArray | null;
      if ((m = /^inputs\.([\w-]+)$/.exec(expr))) {
        if (!(m[1] in action.inputs)) throw new Error(`the action reads an undeclared input: ${m[1]}`);
        return context.inputs[m[1]] ?? '';
      }
      if ((m = /^github\.(token|action_path|workspace)$/.exec(expr))) return context.github[m[1] as keyof typeof context.github];
      if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr))) return steps[m[1]]?.[m[2]] ?? '';
      throw new Error(`the test's runner does not know the expression \${{ ${expr} }}`);
    });

  for (const name of Object.keys(options.with ?? {})) if (!(name in action.inputs)) throw new Error(`unknown input ${name}`);
  for (const [name, input] of Object.entries(action.inputs)) {
    context.inputs[name] = options.with?.[name] ?? evaluate(input.default ?? '');
  }

  mkdirSync(options.runnerTemp, { recursive: true });
  const summaryParts: string[] = [];
  const runs: StepRun[] = [];
  let success = true;
  for (const [index, step] of action.runs.steps.entries()) {
    if (step.uses || step.if) throw new Error(`step ${index}: this runner only runs unconditional run: steps`);
    if (step.shell !== 'bash') throw new Error(`step ${index}: composite steps must name their shell (bash)`);
    const script = join(options.runnerTemp, `step-${index}.sh`);
    writeFileSync(script, step.run ?? '');
    const output = join(options.runnerTemp, `output-${index}`);
    const summary = join(options.runnerTemp, `summary-${index}`);
    writeFileSync(output, '');
    writeFileSync(summary, '');
    const stepEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = evaluate(String(v));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_ACTION_PATH: options.actionPath,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      RUNNER_TEMP: options.runnerTemp,
      ...options.env,
      ...stepEnv,
    };
    const cwd = resolve(options.workspace, evaluate(step['working-directory'] ?? '.'));
    const result = await spawnBash(script, cwd, env);
    const outputs = readOutputs(readFileSync(output, 'utf8'));
    if (step.id) steps[step.id] = outputs;
    summaryParts.push(readFileSync(summary, 'utf8'));
    runs.push({ name: step.name ?? `step ${index}`, ...result, outputs });
    if (result.code !== 0) {
      success = false;
      break;
    }
  }
  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(action.outputs)) outputs[name] = evaluate(output.value);
  return { steps: runs, outputs, success, summary: summaryParts.join(''), stdout: runs.map((r) => r.stdout).join('') };
}

function spawnBash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

/** `name=value` lines and `name<<DELIMITER` … `DELIMITER` blocks, as the runner reads GITHUB_OUTPUT. */
export function readOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      if (end < 0) throw new Error(`GITHUB_OUTPUT: ${heredoc[1]} has no closing ${heredoc[2]}`);
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`GITHUB_OUTPUT: not name=value: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export function git(dir: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir, GIT_CONFIG_NOSYSTEM: '1' } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A git repository with one commit on `branch`, pushed to a bare repository beside it as `origin`. */
export function scratchRepository(dir: string, branch: string): { remote: string } {
  const remote = `${dir}-origin.git`;
  git(dir, 'init', '-q', '-b', branch);
  git(dir, 'config', 'user.name', 'Perf Pulse test');
  git(dir, 'config', 'user.email', 'test@example.invalid');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'scratch');
  git(dir, 'init', '-q', '--bare', remote);
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'push', '-q', 'origin', branch);
  if (!existsSync(join(dir, '.git'))) throw new Error('no repository made');
  return { remote };
}
