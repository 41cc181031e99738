export { baseBranchFromEnv, gitHubTarget, isGitHubActions, NoPullRequestError, pullRequestNumber, runUrl, type Env, type GitHubTarget } from './environment';
export { escapeData, escapeProperty, findingAnnotations, placedAnnotations, workflowCommand, type Annotation, type BenchmarkNote, type AnnotationLevel, type AnnotationOptions } from './annotations';
export { COMMENT_MARKER, commentBody, GitHubApiError, isPerfPulseComment, MAX_COMMENT_LENGTH, nextPageUrl, upsertPullRequestComment, type CommentResult, type UpsertOptions } from './github-comment';
