import type { WireCallNode, WireProfile } from '../../protocol/profile';
import type { CallNode, Profile } from '../../core/profile/model';
import type { StoredProfileMeta } from '../../core/profile/store';
import type { ProfileSource } from '../trends/profile-source';
import { tools } from './load-tools';

/** Stored profiles read to find a benchmark's latest differential (each is a small gzipped file). */
const DIFF_LOOKBACK = 20;

/** A profile as the panel's message carries it: frames once, the tree with short keys. */
export function toWireProfile(profile: Profile, meta: Pick<StoredProfileMeta, 'timestamp' | 'commit'>): WireProfile {
  // Iterative copy: stacks can be thousands deep.
  const convert = (roots: CallNode[]): WireCallNode[] => {
    const out: WireCallNode[] = [];
    const work: Array<{ node: CallNode; into: WireCallNode[] }> = roots.map((node) => ({ node, into: out }));
    while (work.length) {
      const { node, into } = work.shift()!;
      const wire: WireCallNode = { f: node.frame, s: node.self };
      into.push(wire);
      if (node.children.length) {
        wire.c = [];
        for (const child of node.children) work.push({ node: child, into: wire.c });
      }
    }
    return out;
  };
  return {
    profiler: profile.profiler,
    unit: profile.unit,
    secondsPerUnit: profile.secondsPerUnit,
    timestamp: meta.timestamp,
    ...(meta.commit ? { commit: meta.commit } : {}),
    frames: profile.frames.map((f) => ({ name: f.name, file: f.file, line: f.line })),
    roots: convert(profile.roots),
  };
}

/**
 * The profiles kept beside the history: the newest is the latest profile; the newest head of a
 * differential profile (one with a `baseCommit`) with the profile stored for that base commit
 * is the latest differential.
 */
export function storedProfileSource(historyDir: () => string): ProfileSource {
  return {
    async profilesOf(benchmark) {
      const { listProfiles, loadProfile } = tools();
      const files = (await listProfiles(historyDir(), benchmark)).slice(0, DIFF_LOOKBACK);
      const loaded: Array<Awaited<ReturnType<typeof loadProfile>>> = [];
      for (const file of files) {
        try {
          loaded.push(await loadProfile(file));
        } catch {
          // A damaged or vanished file (retention runs concurrently) is skipped, not fatal.
        }
      }
      const newest = loaded[0];
      const head = loaded.find((p) => p.meta.baseCommit);
      const base = head ? loaded.find((p) => p !== head && p.meta.commit === head.meta.baseCommit && !p.meta.baseCommit) : undefined;
      return {
        ...(newest ? { latest: toWireProfile(newest.profile, newest.meta) } : {}),
        ...(head && base ? { diff: { base: toWireProfile(base.profile, base.meta), head: toWireProfile(head.profile, head.meta) } } : {}),
      };
    },
  };
}
