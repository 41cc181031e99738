/**
 * User-derived text (series names, units, messages, commit subjects, branch names)
 * as inert Markdown: it reads the same once rendered, but can neither format, link,
 * embed HTML, break a table row nor start a block. The Markdown report, the GitHub
 * job summary and pull-request comments are rendered by GitHub, so a series named
 * `<img src=x onerror=…>` or `a | b` must print as exactly that.
 *
 * CommonMark lets any ASCII punctuation be escaped with a backslash (GFM tables
 * honour `\|` too), so escaping is a backslash before each character that has a
 * meaning inline: emphasis `*_~`, code `` ` ``, links and images `[]()!`, HTML and
 * autolinks `<>`, entities `&`, headings and issue references `#`, table cells `|`,
 * math `$`, and the backslash itself. A list marker (`-`, `+`, `1.`) or quote at the
 * start is escaped too, since the text may follow a list item's own marker. Line
 * breaks become spaces: every piece of text stays on its line.
 */

const INLINE_SPECIALS = /[\\`*_~[\]()!<>&#|$]/g;
const LINE_BREAKS = /\r\n|[\n\r\u2028\u2029\u0085\v\f]/g;
/** `- x`, `+ x`, `---`, `1. x`, `1) x`: what would start a list or a rule (a `-5%` or `1.5 ms` would not). */
const LEADING_BLOCK_MARKER = /^(\s*)(?:([-+])(?=[\s-]|$)|(\d{1,9})([.)])(?=\s|$))/;

export function escapeMarkdown(text: string): string {
  const flat = String(text).replace(LINE_BREAKS, ' ').replace(INLINE_SPECIALS, (c) => `\\${c}`);
  return flat.replace(LEADING_BLOCK_MARKER, (_all, space: string, sign?: string, digits?: string, dot?: string) =>
    sign !== undefined ? `${space}\\${sign}` : `${space}${digits}\\${dot}`,
  );
}
