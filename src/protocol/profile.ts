/**
 * Profiles as the trends panel's flame graph receives them. Type-only, like `trends.ts`.
 * Costs are in the profile's `unit`; `secondsPerUnit` converts them (1 for seconds).
 */

export interface WireFrame {
  name: string;
  /** Workspace-relative when inside the workspace; '' when unknown. */
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
}

/** A call-tree node: index into `frames`, own cost, callees (absent when none, to keep the message small). */
export interface WireCallNode {
  f: number;
  s: number;
  c?: WireCallNode[];
}

export interface WireProfile {
  profiler: 'v8' | 'pprof' | 'cprofile' | 'callgrind';
  unit: 'seconds' | 'instructions' | 'bytes';
  secondsPerUnit: number;
  /** Milliseconds since the epoch when it was recorded. */
  timestamp: number;
  commit?: string;
  frames: WireFrame[];
  roots: WireCallNode[];
}

/** What the host answers to `requestProfile`: the latest profile and the latest differential, when there are any. */
export interface ProfileReply {
  seriesId: string;
  benchmark: string;
  latest?: WireProfile;
  /** The base revision's profile and the working tree's, of one differential profile. */
  diff?: { base: WireProfile; head: WireProfile };
  /** Why there is nothing to show, e.g. "No profile of sort-10k yet: run Perf Pulse: Profile Benchmark." */
  note?: string;
}
