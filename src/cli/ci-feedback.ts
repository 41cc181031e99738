import type { CliIO } from './cli-types';
import type { OptionSpecs, OptionValues } from './args';
import type { BenchmarkConfig, LoadedConfig } from '../core/config';
import type { Analysis, Finding } from '../core/findings/types';
import type { VcsInfo } from '../core/model';
import {
  commentBody,
  escapeData,
  findingAnnotations,
  placedAnnotations,
  type Annotation,
  type BenchmarkNote,
  gitHubTarget,
  isGitHubActions,
  NoPullRequestError,
  runUrl,
  upsertPullRequestComment,
  workflowCommand,
} from '../core/ci';

/**
 * Pull-request feedback after `perf-pulse check` (and `check --base`) has built its report:
 * workflow-command annotations on GitHub Actions, and (with --comment) the pull request's comment. Neither
 * can change the check's exit code: a failed comment is a warning.
 */

export const CI_FEEDBACK_OPTIONS = `  --comment              post the report as a comment on the pull request, updated in place
                         on later runs (GitHub Actions; token from --github-token or GITHUB_TOKEN)
  --github-token TOKEN   the token for --comment (prefer the GITHUB_TOKEN variable)
  --no-annotations       on GitHub Actions, do not put ::error/::warning annotations on the
                         benchmarks' source lines
`;
export const CI_FEEDBACK_SPECS: OptionSpecs = {
  'github-token': { type: 'string' },
  comment: { type: 'boolean' },
  'no-annotations': { type: 'boolean' },
};

export interface CiFeedbackInput {
  flags: OptionValues;
  io: CliIO;
  analysis: Analysis;
  /** The report's Markdown, as written to --report and the job summary. */
  markdown: string;
  fails: (finding: Finding) => boolean;
  config?: LoadedConfig;
  workspace: string;
  vcs?: VcsInfo;
}

/** What any report gives for feedback: its annotations (computed only on GitHub Actions) and its Markdown. */
export interface FeedbackInput {
  flags: OptionValues;
  io: CliIO;
  markdown: string;
  annotations: (where: { workspace: string; repositoryRoot?: string }) => Annotation[];
  workspace: string;
  vcs?: VcsInfo;
}

/** `check`: one annotation per finding of the analysis (ignored series left out). */
export async function ciFeedback(input: CiFeedbackInput): Promise<void> {
  const ignored = new Set(input.analysis.series.filter((s) => s.ignored).map((s) => s.id));
  return reportFeedback({
    ...input,
    annotations: (where) =>
      findingAnnotations(
        input.analysis.findings.filter((f) => !ignored.has(f.seriesId)),
        { fails: input.fails, ...(input.config ? { benchmarks: input.config.config.benchmarks } : {}), ...where },
      ),
  });
}

/** `check --base`: notes about benchmarks (their verdicts), placed at their configured source lines. */
export async function benchmarkNotesFeedback(input: Omit<FeedbackInput, 'annotations'> & { notes: BenchmarkNote[]; benchmarks: readonly BenchmarkConfig[] }): Promise<void> {
  return reportFeedback({ ...input, annotations: (where) => placedAnnotations(input.notes, { benchmarks: input.benchmarks, ...where }) });
}

async function reportFeedback(input: FeedbackInput): Promise<void> {
  const { flags, io } = input;
  if (isGitHubActions(io.env) && !flags['no-annotations']) {
    const annotations = input.annotations({ workspace: input.workspace, ...(io.env.GITHUB_WORKSPACE ? { repositoryRoot: io.env.GITHUB_WORKSPACE } : {}) });
    if (annotations.length) io.stdout(annotations.map(workflowCommand).join('\n') + '\n');
  }
  if (flags.comment) await postComment(input);
}

async function postComment(input: FeedbackInput): Promise<void> {
  const { flags, io } = input;
  const warn = (text: string) => io.stderr(isGitHubActions(io.env) ? `::warning::${escapeData(`perf-pulse check: ${text}`)}\n` : `perf-pulse check: ${text}\n`);
  const token = typeof flags['github-token'] === 'string' ? flags['github-token'] : io.env.GITHUB_TOKEN;
  if (!token) return warn('no comment posted: no token (set GITHUB_TOKEN or --github-token)');
  let target;
  try {
    target = await gitHubTarget(io.env);
  } catch (err) {
    // Not a pull request (a push to main, GitLab): nothing to comment on, and no fault.
    if (err instanceof NoPullRequestError) return io.stderr(`perf-pulse check: no comment posted: ${err.message}\n`);
    return warn(`no comment posted: ${(err as Error).message.split('\n')[0]}`);
  }
  const links = { runUrl: runUrl(io.env), commit: input.vcs?.commit };
  try {
    const result = await upsertPullRequestComment(target, {
      token,
      body: (previous) => commentBody(input.markdown, { ...(links.runUrl ? { runUrl: links.runUrl } : {}), ...(links.commit ? { commit: links.commit } : {}) }, previous),
      signal: io.signal,
    });
    io.stderr(`perf-pulse check: ${result.action} the comment on pull request #${target.pullRequest}${result.url ? ` (${result.url})` : ''}\n`);
  } catch (err) {
    warn(`could not comment on pull request #${target.pullRequest}: ${(err as Error).message.split('\n')[0]}`);
  }
}
