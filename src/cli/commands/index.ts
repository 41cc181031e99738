import type { CliCommand } from '../cli-types';
import { lookupTable } from '../../core/own-keys';

/**
 * The registry of sub-commands. Each lives in its own module next to this one;
 * add one line here to expose it.
 */
// Without a prototype: `perf-pulse constructor` is an unknown command, not Object's constructor.
export const commands: Record<string, () => Promise<CliCommand>> = lookupTable({
  check: async () => (await import('./check')).command,
  detect: async () => (await import('./detect')).command,
  parse: async () => (await import('./parse')).command,
  report: async () => (await import('./report')).command,
  export: async () => (await import('./export')).command,
  sync: async () => (await import('./sync')).command,
  run: async () => (await import('./run')).command,
  compare: async () => (await import('./compare')).command,
  history: async () => (await import('./history')).command,
  import: async () => (await import('./import')).command,
  trace: async () => (await import('./trace')).command,
  profile: async () => (await import('./profile')).command,
});
