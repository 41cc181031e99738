/**
 * A small streaming XML scanner for reports: it hands on start and end tags with their attributes
 * and checks that the document is well-formed, skipping text, CDATA, processing instructions and
 * a DOCTYPE without reading them; short comments are handed on to a handler that asks for them. Written for test reports of hundreds of
 * thousands of elements: it finds tags with `indexOf` and one anchored regular expression instead
 * of stepping character by character, and builds no object per tag (attributes are read from a
 * reused list), which makes it several times faster than a general SAX parser.
 *
 * Well-formedness as a strict SAX parser (sax) checks it: tags nest and match, attribute values are quoted, entities are XML's own five or character references (no DTD is read), no text
 * outside the root element, the root is closed. Each problem is an `XmlProblem` naming the line.
 * No recursion and no buffering beyond one unfinished tag, so any depth and any amount of text is fine.
 */

export class XmlProblem extends Error {
  constructor(
    readonly problem: string,
    /** 1-based line where the problem was found. */
    readonly line: number,
  ) {
    super(problem);
    this.name = 'XmlProblem';
  }
}

export interface XmlTagHandler {
  /** A start tag; `attributes` is valid only during the call. Self-closing tags (`selfClosing`) get `close` right after. */
  open(name: string, attributes: XmlAttributes, selfClosing: boolean): void;
  close(name: string): void;
  /**
   * The text between `<!--` and `-->` of each comment up to MAX_COMMENT_CHARS long (longer ones are
   * skipped unread, so a huge comment costs no memory). Without it comments are not read at all.
   */
  comment?(text: string): void;
}

/** The longest comment handed on (reports put short facts in comments, e.g. Node's `duration_ms`). */
export const MAX_COMMENT_CHARS = 1024;

/**
 * The attributes of the tag being handed on, read in place: positions in the document text, so that
 * a tag costs no strings but the values asked for. The first of each name counts; values are decoded.
 */
export class XmlAttributes {
  text = '';
  /** name start, name end, value start, value end of each attribute. */
  bounds = new Int32Array(64);
  count = 0;
  /** The line of the tag, for a problem met while decoding a value (worked out only then). */
  lineOfTag: () => number = () => 0;

  get(name: string): string | undefined {
    const { text, bounds } = this;
    for (let i = 0; i < this.count * 4; i += 4) {
      if (bounds[i + 1] - bounds[i] === name.length && text.startsWith(name, bounds[i])) {
        const raw = text.slice(bounds[i + 2], bounds[i + 3]);
        return raw.includes('&') ? decodeEntities(raw, this.lineOfTag) : raw;
      }
    }
    return undefined;
  }

  add(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    const { text, bounds } = this;
    const length = nameEnd - nameStart;
    for (let i = 0; i < this.count * 4; i += 4) {
      if (bounds[i + 1] - bounds[i] === length && sameText(text, bounds[i], nameStart, length)) return;
    }
    if (this.count * 4 + 4 > bounds.length) {
      const bigger = new Int32Array(bounds.length * 2);
      bigger.set(bounds);
      this.bounds = bigger;
    }
    const at = this.count * 4;
    this.bounds[at] = nameStart;
    this.bounds[at + 1] = nameEnd;
    this.bounds[at + 2] = valueStart;
    this.bounds[at + 3] = valueEnd;
    this.count++;
  }
}

function sameText(text: string, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (text.charCodeAt(a + i) !== text.charCodeAt(b + i)) return false;
  return true;
}

const NAME_START = 'A-Za-z_:\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
// The combining marks U+0300–U+036F come first in their class, so that they cannot be read as combined with the character before.
const NAME = `[${NAME_START}][\\u0300-\\u036F${NAME_START}\\u00B7\\u203F-\\u2040.0-9-]*`;
/** XML's white space (`\\s` would take other spaces too). */
const S = '[ \\t\\r\\n]';
/** A whole start tag: name, attributes (each quoted), optional `/`, `>`. A `<` in a value is taken, as sax takes it. */
const START_TAG = new RegExp(`<${NAME}(?:${S}+${NAME}${S}*=${S}*(?:"[^"]*"|'[^']*'))*${S}*/?>`, 'y');
/** The start of a start tag cut by the end of the text so far. */
const START_TAG_PREFIX = new RegExp(`<(?:${NAME}(?:${S}+${NAME}${S}*=${S}*(?:"[^"]*"|'[^']*'))*(?:${S}+(?:${NAME}(?:${S}*(?:=${S}*(?:"[^"]*|'[^']*)?)?)?)?|${S}*/)?)?$`, 'y');
const END_TAG = new RegExp(`</${NAME}${S}*>`, 'y');
const ENTITY = /&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/y;
const NON_SPACE = /[^ \t\r\n\uFEFF]/;

function decodeEntities(raw: string, line: () => number): string {
  return raw.replace(/&([^;&]*);?/g, (whole, body: string) => {
    if (!whole.endsWith(';')) throw new XmlProblem('Invalid character entity', line());
    switch (body) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
    }
    const code = /^#x[0-9a-fA-F]+$/.test(body) ? parseInt(body.slice(2), 16) : /^#[0-9]+$/.test(body) ? parseInt(body.slice(1), 10) : NaN;
    if (!(code >= 0 && code <= 0x10ffff)) throw new XmlProblem('Invalid character entity', line());
    return String.fromCodePoint(code);
  });
}

/** What the scanner is inside when a chunk ends there: the text that ends it. */
type Skipping = '-->' | ']]>' | '?>' | undefined;

export class XmlScanner {
  private buf = '';
  /** Newlines before `buf`. */
  private linesBefore = 0;
  private readonly stack: string[] = [];
  private rootSeen = false;
  private skipping: Skipping;
  /** The text of the comment being skipped, while it is short enough to hand on (see `comment`). */
  private commentText: string | undefined;
  private readonly attributes = new XmlAttributes();
  /** Where the tag being handed on starts in `buf`. */
  private tagStart = 0;
  /** `ampAt` is the first `&` at or after `ampFrom` in the text being scanned. */
  private ampFrom = Infinity;
  private ampAt = Infinity;

  constructor(private readonly handler: XmlTagHandler) {
    // Counting lines costs a pass over the text: done only when a value turns out undecodable.
    this.attributes.lineOfTag = () => this.lineAt(this.tagStart);
  }

  write(chunk: string): void {
    this.buf = this.buf.length ? this.buf + chunk : chunk;
    this.scan(false);
  }

  /** The end of the document: whatever is unfinished is a problem. */
  close(): void {
    this.scan(true);
    if (this.buf.length) this.fail(0, this.skipping ? 'Unclosed comment, CDATA or processing instruction' : 'Unexpected end of document inside a tag');
    if (this.stack.length) this.fail(0, 'Unclosed root tag');
  }

  private fail(at: number, problem: string): never {
    throw new XmlProblem(problem, this.lineAt(at));
  }

  private lineAt(at: number): number {
    let line = this.linesBefore + 1;
    for (let i = this.buf.indexOf('\n'); i >= 0 && i < at; i = this.buf.indexOf('\n', i + 1)) line++;
    return line;
  }

  /** Drops `buf` before `at`, counting its lines. */
  private consume(at: number): void {
    const buf = this.buf;
    let lines = 0;
    for (let i = buf.indexOf('\n'); i >= 0 && i < at; i = buf.indexOf('\n', i + 1)) lines++;
    this.linesBefore += lines;
    this.buf = at >= buf.length ? '' : buf.slice(at);
  }

  private scan(final: boolean): void {
    const buf = this.buf;
    let pos = 0;
    this.ampFrom = Infinity;
    for (;;) {
      if (this.skipping) {
        const end = buf.indexOf(this.skipping, pos);
        if (end < 0) {
          // Keep only what could be the start of the terminator.
          const kept = Math.max(pos, buf.length - (this.skipping.length - 1));
          if (this.commentText !== undefined) this.noteComment(buf, pos, kept);
          pos = kept;
          break;
        }
        if (this.commentText !== undefined) {
          this.noteComment(buf, pos, end);
          const text = this.commentText;
          this.commentText = undefined;
          if (text) this.handler.comment?.(text); // an empty comment says nothing (sax does not hand it on either)
        }
        pos = end + this.skipping.length;
        this.skipping = undefined;
        continue;
      }
      const lt = buf.indexOf('<', pos);
      const textEnd = lt < 0 ? buf.length : lt;
      if (textEnd > pos) {
        const kept = this.text(buf, pos, textEnd, final || lt >= 0);
        pos = kept;
        if (kept < textEnd) break;
      }
      if (lt < 0) break;
      pos = lt;
      const next = buf.charCodeAt(lt + 1);
      if (next !== next) break; // NaN: '<' is the last character so far.
      if (next === 0x21 /* ! */) {
        if (buf.startsWith('<!--', lt)) {
          pos = lt + 4;
          this.skipping = '-->';
          if (this.handler.comment) this.commentText = '';
          continue;
        }
        if (buf.startsWith('<![CDATA[', lt)) {
          if (!this.stack.length) this.fail(lt, 'Text data outside of root node.');
          pos = lt + 9;
          this.skipping = ']]>';
          continue;
        }
        if (buf.startsWith('<!DOCTYPE', lt) && !this.rootSeen) {
          const end = doctypeEnd(buf, lt);
          if (end < 0) break;
          pos = end;
          continue;
        }
        const rest = buf.slice(lt, lt + 9);
        if (!final && rest.length < 9 && ['<!--', '<![CDATA[', '<!DOCTYPE'].some((opening) => opening.startsWith(rest))) break;
        this.fail(lt, 'Malformed comment, CDATA or DOCTYPE');
      }
      if (next === 0x3f /* ? */) {
        pos = lt + 2;
        this.skipping = '?>';
        continue;
      }
      if (next === 0x2f /* / */) {
        END_TAG.lastIndex = lt;
        if (!END_TAG.test(buf)) {
          if (!final && buf.indexOf('>', lt) < 0 && buf.indexOf('<', lt + 1) < 0) break; // not all here yet
          this.fail(lt, 'Invalid tagname in closing tag');
        }
        const end = END_TAG.lastIndex;
        const open = this.stack.pop();
        if (open === undefined) this.fail(lt, `Unmatched closing tag: ${buf.slice(lt + 2, nameEnd(buf, lt + 2))}`);
        if (nameEnd(buf, lt + 2) !== lt + 2 + open.length || !buf.startsWith(open, lt + 2)) this.fail(lt, 'Unexpected close tag');
        pos = end;
        this.handler.close(open);
        continue;
      }
      START_TAG.lastIndex = lt;
      if (!START_TAG.test(buf)) {
        START_TAG_PREFIX.lastIndex = lt;
        const cut = START_TAG_PREFIX.test(buf);
        if (cut && !final) break; // the rest of the tag is still to come
        this.fail(lt, cut ? 'Unexpected end of document inside a tag' : 'Invalid tag');
      }
      const end = START_TAG.lastIndex;
      pos = end;
      if (!this.stack.length && this.rootSeen) this.fail(lt, 'Text data outside of root node.');
      this.rootSeen = true;
      const afterName = nameEnd(buf, lt + 1);
      const name = buf.slice(lt + 1, afterName);
      const selfClosing = buf.charCodeAt(end - 2) === 0x2f; /* / */
      this.tagStart = lt;
      this.readAttributes(buf, afterName, selfClosing ? end - 2 : end - 1, lt);
      this.stack.push(name);
      this.handler.open(name, this.attributes, selfClosing);
      if (selfClosing) {
        this.stack.pop();
        this.handler.close(name);
      }
    }
    this.consume(pos);
  }

  /** Adds `buf[from, to)` to the comment being read, or stops reading it once it is too long to hand on. */
  private noteComment(buf: string, from: number, to: number): void {
    const text = this.commentText as string;
    this.commentText = text.length + (to - from) <= MAX_COMMENT_CHARS ? text + buf.slice(from, to) : undefined;
  }

  /** Notes where each attribute of a tag (already checked by START_TAG) lies in `buf[from, to)`. */
  private readAttributes(buf: string, from: number, to: number, tagStart: number): void {
    const attributes = this.attributes;
    attributes.text = buf;
    attributes.count = 0;
    let p = from;
    for (;;) {
      while (p < to && isSpace(buf.charCodeAt(p))) p++;
      if (p >= to) break;
      const nameStart = p;
      p = nameEnd(buf, p);
      const nameStop = p;
      p = buf.indexOf('=', p) + 1;
      while (isSpace(buf.charCodeAt(p))) p++;
      const quote = buf[p];
      const valueStart = p + 1;
      const valueEnd = buf.indexOf(quote, valueStart);
      if (this.nextAmp(buf, valueStart) < valueEnd) {
        for (let a = this.nextAmp(buf, valueStart); a < valueEnd; a = this.nextAmp(buf, a + 1)) {
          ENTITY.lastIndex = a;
          if (!ENTITY.test(buf) || ENTITY.lastIndex > valueEnd) this.fail(tagStart, 'Invalid character entity');
        }
      }
      attributes.add(nameStart, nameStop, valueStart, valueEnd);
      p = valueEnd + 1;
    }
  }

  /**
   * Checks text between tags (its entities; outside the root, that it is only white space) and
   * returns where checking stopped: before an entity cut by the end of the chunk, unless `complete`.
   */
  private text(buf: string, from: number, to: number, complete: boolean): number {
    if (!this.stack.length) {
      const at = buf.slice(from, to).search(NON_SPACE);
      if (at >= 0) this.fail(from + at, this.rootSeen ? 'Text data outside of root node.' : 'Non-whitespace before first tag.');
      return to;
    }
    if (this.nextAmp(buf, from) >= to) return to;
    if (!complete) {
      // An entity cut by the chunk's end waits for the next chunk (entities are short).
      const last = buf.lastIndexOf('&', to - 1);
      if (last >= from && buf.indexOf(';', last) < 0 && to - last < 64) to = last;
    }
    for (let amp = this.nextAmp(buf, from); amp < to; amp = this.nextAmp(buf, amp + 1)) {
      ENTITY.lastIndex = amp;
      if (!ENTITY.test(buf) || ENTITY.lastIndex > to) this.fail(amp, 'Invalid character entity');
    }
    return to;
  }

  /**
   * The first `&` at or after `from` (Infinity when none): remembered, so that checking the text
   * between every two tags does not search the rest of the chunk each time.
   */
  private nextAmp(buf: string, from: number): number {
    if (this.ampFrom > from || this.ampAt < from) {
      const at = buf.indexOf('&', from);
      this.ampAt = at < 0 ? Infinity : at;
    }
    this.ampFrom = from;
    return this.ampAt;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Where the name starting at `from` ends (names end at white space, `=`, `/` or `>`). */
function nameEnd(buf: string, from: number): number {
  let p = from;
  for (;;) {
    const c = buf.charCodeAt(p);
    if (c !== c || isSpace(c) || c === 0x3d || c === 0x2f || c === 0x3e) return p;
    p++;
  }
}

/** Where a `<!DOCTYPE …>` (with an internal subset in brackets, if any) ends, or -1 when not all of it is here. */
function doctypeEnd(buf: string, from: number): number {
  let inSubset = false;
  for (let i = from + 9; i < buf.length; i++) {
    const c = buf.charCodeAt(i);
    if (c === 0x5b /* [ */) inSubset = true;
    else if (c === 0x5d /* ] */) inSubset = false;
    else if (c === 0x3e /* > */ && !inSubset) return i + 1;
  }
  return -1;
}
