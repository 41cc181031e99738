import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parser as saxParser } from 'sax';
import { MAX_COMMENT_CHARS, XmlProblem, XmlScanner } from '../../../src/core/parsers/xml-scanner';

/**
 * The JUnit reader's XML scanner: the same tags and attribute values as a strict SAX parser (sax)
 * on every JUnit fixture, whatever the chunk boundaries, and the same documents refused.
 */
const FIXTURES = path.join(__dirname, '../../fixtures/reference/test-reports');
const ATTRIBUTES = ['name', 'classname', 'time', 'file', 'line', 'message', 'type', 'value', 'tests', 'timestamp'];

function scannerEvents(text: string, chunk = text.length): string[] {
  const out: string[] = [];
  const scanner = new XmlScanner({
    open: (name, attributes) => out.push(`<${name} ${ATTRIBUTES.map((a) => `${a}=${attributes.get(a) ?? '-'}`).join(' ')}`),
    close: (name) => out.push(`</${name}`),
  });
  for (let i = 0; i < text.length; i += chunk) scanner.write(text.slice(i, i + chunk));
  scanner.close();
  return out;
}

function saxEvents(text: string): string[] {
  const out: string[] = [];
  const sax = saxParser(true);
  sax.onerror = (err) => {
    throw err;
  };
  sax.onopentag = (tag) => {
    const attributes = tag.attributes as Record<string, string>;
    out.push(`<${tag.name} ${ATTRIBUTES.map((a) => `${a}=${Object.prototype.hasOwnProperty.call(attributes, a) ? attributes[a] : '-'}`).join(' ')}`);
  };
  sax.onclosetag = (name) => out.push(`</${name}`);
  sax.write(text).close();
  return out;
}

describe('parsers: XML scanner', () => {
  const fixtures = fs.readdirSync(FIXTURES).filter((f) => f.startsWith('junit') && f.endsWith('.xml'));

  it('gives the tags and attributes sax gives on every JUnit fixture, in one piece and in chunks of 1 to 7 characters', () => {
    assert.ok(fixtures.length >= 8);
    for (const f of fixtures) {
      const text = fs.readFileSync(path.join(FIXTURES, f), 'utf8').replace(/^\uFEFF/, '');
      const expected = saxEvents(text);
      assert.ok(expected.length > 2, f);
      for (const chunk of [text.length, 1, 2, 3, 7]) assert.deepEqual(scannerEvents(text, chunk), expected, `${f} in chunks of ${chunk}`);
    }
  });

  it('reads entities, CDATA, comments, processing instructions and a DOCTYPE the way sax does', () => {
    const text = `<?xml version="1.0"?>\n<!DOCTYPE testsuites>\n<!-- a <comment> -->\n<testsuites>\n<testsuite name="a &amp; b &lt;c&gt; &#233;&#x4E2D; &quot;q&quot; &apos;" tests='2'>` +
      `<testcase name='x "y"' time="1.5"><![CDATA[ <testcase name="not"/> & ]]><system-out>a &amp; b &#10; c</system-out></testcase>` +
      `<testcase\n  name="multi\nline a<b>c"\n  time="2" /></testsuite><?pi data?></testsuites>\n<!-- after -->\n`;
    const expected = saxEvents(text);
    for (const chunk of [text.length, 1, 5]) assert.deepEqual(scannerEvents(text, chunk), expected);
    assert.ok(expected[1].includes('name=a & b <c> é中 "q" \''));
  });

  it('hands on comments as sax does, whatever the chunks, and skips those too long to hand on', () => {
    const long = 'x'.repeat(MAX_COMMENT_CHARS + 1);
    const text = `<!-- before -->\n<testsuites><!-- duration_ms 524.7 --><testsuite/><!--${long}--><!----></testsuites>\n<!-- after - - -->`;
    const sax = saxParser(true);
    const expected: string[] = [];
    sax.oncomment = (comment) => expected.push(comment);
    sax.write(text).close();
    assert.deepEqual(expected.filter((c) => c !== long), [' before ', ' duration_ms 524.7 ', ' after - - ']);
    for (const chunk of [text.length, 1, 2, 3, 7, 100]) {
      const comments: string[] = [];
      const scanner = new XmlScanner({ open: () => undefined, close: () => undefined, comment: (c) => comments.push(c) });
      for (let i = 0; i < text.length; i += chunk) scanner.write(text.slice(i, i + chunk));
      scanner.close();
      assert.deepEqual(comments, expected.filter((c) => c !== long), `chunks of ${chunk}`);
    }
  });

  it('tells the handler which tags close themselves', () => {
    const tags: string[] = [];
    const scanner = new XmlScanner({ open: (name, _attributes, selfClosing) => tags.push(`${name}${selfClosing ? '/' : ''}`), close: () => undefined });
    scanner.write('<testsuites><testcase name="a"/><testcase name="b"><skipped /></testcase><testcase\n/></testsuites>');
    scanner.close();
    assert.deepEqual(tags, ['testsuites', 'testcase/', 'testcase', 'skipped/', 'testcase/']);
  });

  it('refuses HTML entities, which XML does not define (sax decodes a few of them)', () => {
    assert.throws(() => scannerEvents('<testsuites><testcase name="&nbsp;"/></testsuites>'), /Invalid character entity/);
    assert.throws(() => scannerEvents('<testsuites>\n\nfish &bogus; chips</testsuites>'), (err: unknown) => err instanceof XmlProblem && err.line === 3);
  });

  it('refuses what is not well-formed, naming the line', () => {
    const broken: Array<[string, RegExp, number]> = [
      ['<testsuites>\n<testsuite>\n</testsuites>', /Unexpected close tag/, 3],
      ['<testsuites></testsuite>', /Unexpected close tag/, 1],
      ['<testsuites>\n<testcase name=x/>\n</testsuites>', /Invalid tag/, 2],
      ['<testsuites><testcase name="a" time=/></testsuites>', /Invalid tag/, 1],
      ['<testsuites><testcase name="a & b"/></testsuites>', /Invalid character entity/, 1],
      ['<testsuites>\n\nfish & chips</testsuites>', /Invalid character entity/, 3],
      ['text<testsuites/>', /Non-whitespace before first tag/, 1],
      ['<testsuites/>\ntrailing', /Text data outside of root node/, 2],
      ['<testsuites>\n<testsuite name="a">\n', /Unclosed root tag/, 3],
      ['<testsuites><testcase name="a"', /end of document inside a tag/, 1],
      ['<testsuites><!-- never closed', /Unclosed comment/, 1],
      ['</testsuites>', /Unmatched closing tag/, 1],
    ];
    for (const [text, problem, line] of broken) {
      for (const chunk of [text.length, 1]) {
        assert.throws(() => scannerEvents(text, chunk), (err: unknown) => {
          assert.ok(err instanceof XmlProblem, `${text}: ${String(err)}`);
          assert.match(err.problem, problem, text);
          assert.equal(err.line, line, text);
          return true;
        });
      }
      assert.throws(() => saxEvents(text), Error, `sax accepts ${text}`);
    }
  });
});
