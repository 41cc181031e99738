import { strict as assert } from 'node:assert';
import { CommitGate, commitMarkerOf, encodeCommitMarker } from '../../../src/core/store/append-commit';
import { encodeFrame, scanFrames, type FrameVisitor } from '../../../src/core/store/framing';

/** Scans `bytes` through a commit gate; returns what it let through and where the committed part ends. */
function scan(bytes: Buffer): { records: string[]; problems: Array<[number, string]>; end: number; lines: number } {
  const records: string[] = [];
  const problems: Array<[number, string]> = [];
  const inner: FrameVisitor = {
    record: (json) => records.push(JSON.parse(json).id),
    problem: (offset, _length, _line, message) => problems.push([offset, message]),
  };
  const gate = new CommitGate(inner, 0, 0);
  scanFrames(bytes, 0, 0, gate);
  return { records, problems, end: gate.committedEnd, lines: gate.committedLines };
}

const frame = (id: string) => encodeFrame(JSON.stringify({ v: 1, id }));
function append(...ids: string[]): Buffer {
  const frames = Buffer.concat(ids.map(frame));
  return Buffer.concat([frames, encodeCommitMarker(ids.length, frames.length)]);
}

describe('all-or-nothing appends: the commit gate', () => {
  it('recognises only its own marker frames', () => {
    const marker = encodeCommitMarker(3, 120).toString('utf8');
    const json = marker.slice(marker.indexOf('{'), -1);
    assert.deepEqual(commitMarkerOf(json), { records: 3, bytes: 120 });
    assert.equal(commitMarkerOf('{"v":1,"id":"x","kind":"commit"}'), undefined);
  });

  it('lets an append through only when its marker follows, and ends the committed part there', () => {
    const first = append('a', 'b');
    const unfinished = Buffer.concat([frame('c'), frame('d')]);
    const r = scan(Buffer.concat([first, unfinished]));
    assert.deepEqual(r.records, ['a', 'b']);
    assert.deepEqual(r.problems, []);
    assert.equal(r.end, first.length);
    assert.equal(r.lines, 3);
  });

  it('a damaged marker holds its append back until the next marker, which commits both; the damage is reported', () => {
    const first = append('a', 'b');
    // Overwrite a byte inside the first marker's JSON: its checksum no longer matches.
    first[first.length - 5] = 0x39;
    const second = append('c');
    const r = scan(Buffer.concat([first, second]));
    assert.deepEqual(r.records, ['a', 'b', 'c']);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0][1], /checksum mismatch/);
    assert.equal(r.end, first.length + second.length);
  });

  it('reports a marker that does not match what precedes it, and keeps the records', () => {
    const frames = Buffer.concat([frame('a'), frame('b')]);
    const r = scan(Buffer.concat([frames, encodeCommitMarker(3, frames.length + 40)]));
    assert.deepEqual(r.records, ['a', 'b']);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0][1], /damaged append: its commit marker counts 3 records in \d+ bytes, the file holds 2/);
  });
});
