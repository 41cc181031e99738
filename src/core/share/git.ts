// Sharing runs git through the one hardened runner of `core/git`.
export { Git, GitError, type GitOptions, type GitResult } from '../git';
