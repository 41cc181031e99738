import { strict as assert } from 'node:assert';
import type { SeriesOverview } from '../../src/protocol/trends';
import type { WireProfile } from '../../src/protocol/profile';
import { profileReply, seriesOfBenchmark, type ProfileSource } from '../../src/extension/trends/profile-source';

const series = (partial: Partial<SeriesOverview>): SeriesOverview => ({
  id: 'id', name: 'work', metric: 'time', unit: 's', direction: 'smaller', source: 'benchmark', status: 'stable', sparkline: [], latest: 1, runs: 1, lastTimestamp: 0, ...partial,
});
const wire: WireProfile = { profiler: 'v8', unit: 'seconds', secondsPerUnit: 1, timestamp: 1, frames: [{ name: 'f', file: 'a.js', line: 1 }], roots: [{ f: 0, s: 1 }] };

describe('trends panel: profile source glue', () => {
  it('answers with the latest profile and the differential of the series\' benchmark', async () => {
    const asked: string[] = [];
    const source: ProfileSource = { profilesOf: async (b) => (asked.push(b), { latest: wire, diff: { base: wire, head: wire } }) };
    const reply = await profileReply(source, series({ id: 's1' }));
    assert.deepEqual(asked, ['work']);
    assert.equal(reply.seriesId, 's1');
    assert.equal(reply.latest, wire);
    assert.equal(reply.note, undefined);
  });

  it('says why there is nothing to show', async () => {
    const none: ProfileSource = { profilesOf: async () => ({}) };
    assert.match((await profileReply(none, series({}))).note ?? '', /No profile of work yet/);
    assert.match((await profileReply(undefined, series({}))).note ?? '', /try again/);
    assert.match((await profileReply(none, series({ source: 'test' }))).note ?? '', /only benchmarks are profiled/);
  });

  it('finds the time series of a profiled benchmark', () => {
    const all = [series({ id: 'mem', metric: 'B/op' }), series({ id: 'time' }), series({ id: 'other', name: 'x' })];
    assert.equal(seriesOfBenchmark(all, 'work')?.id, 'time');
    assert.equal(seriesOfBenchmark(all, 'nope'), undefined);
  });
});
