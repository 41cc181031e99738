import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { FORMATS, FORMAT_MODULES, ParseError, detectFormat, makeInput, parseFile, parseText } from '../../../src/core/parsers';
import { SHARED } from './helpers';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : name === 'README.md' ? [] : [path];
  });
}

const FILES = [...filesUnder(join(SHARED, 'formats')), ...filesUnder(join(SHARED, 'test-reports')), ...filesUnder(join(SHARED, 'real'))].sort();

describe('parsers: format detection', () => {
  it('every shared file is claimed by exactly one detector (no format is confused with another)', () => {
    for (const file of FILES) {
      const name = relative(SHARED, file);
      const text = readFileSync(file, 'utf8');
      const claims = FORMAT_MODULES.filter((m) => m.detect(makeInput(text, name))).map((m) => m.name);
      if (/criterion[\\/].*benchmark\.json$/.test(name)) assert.deepEqual(claims, [], name);
      else assert.equal(claims.length, 1, `${name} is claimed by ${claims.join(', ') || 'nothing'}`);
    }
  });

  it('Windows line endings and a byte-order mark change nothing', () => {
    for (const file of FILES) {
      const name = relative(SHARED, file);
      const text = readFileSync(file, 'utf8');
      let plain;
      try {
        plain = parseText(text, { fileName: name });
      } catch {
        continue;
      }
      const windows = parseText('\uFEFF' + text.replace(/\r?\n/g, '\r\n'), { fileName: name });
      assert.equal(windows.format, plain.format, name);
      assert.deepEqual(windows.measurements, plain.measurements, name);
    }
  });

  it('input that matches nothing: a ParseError that lists every format tried', () => {
    assert.equal(detectFormat('hello\nworld\n'), undefined);
    assert.throws(() => parseText('hello\nworld\n', { fileName: 'notes.txt' }), (err: unknown) => {
      assert.ok(err instanceof ParseError);
      assert.equal(err.file, 'notes.txt');
      assert.deepEqual(err.tried, [...FORMATS]);
      assert.match(err.message, /^notes\.txt: the input matches no known benchmark or test report format; tried: gab-data-js, junit/);
      return true;
    });
    assert.throws(() => parseText(''), /the input is empty/);
  });

  it('a forced format that does not fit says which format and why', () => {
    assert.throws(() => parseText('{"results": []}', { format: 'jmh', fileName: 'x.json' }), (err: unknown) => {
      assert.ok(err instanceof ParseError);
      assert.match(err.message, /^x\.json: JMH JSON must be an array/);
      return true;
    });
    assert.throws(() => parseText('{}', { format: 'no-such-format' }), /unknown format 'no-such-format'. Known formats: gab-data-js/);
  });

  it('a detected format with nothing usable in it is an error, not an empty result', () => {
    assert.throws(() => parseText('{"results": [{"command": "x", "mean": "fast"}]}'), /hyperfine results\[0\] \("x"\) has neither "times" nor "mean"/);
  });

  it('parseFile names the file when it cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perf-pulse-parsers-'));
    try {
      await assert.rejects(parseFile(join(dir, 'missing.json')), (err: unknown) => err instanceof ParseError && /missing\.json: cannot read: no such file/.test(err.message));
      await assert.rejects(parseFile(dir), (err: unknown) => err instanceof ParseError && /is a directory/.test(err.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
