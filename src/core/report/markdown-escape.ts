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
 * breaks become spaces: every piece of text stays on its line. Other control characters
 * (terminal escapes, bell, bidirectional overrides) are shown as `\uXXXX`: the report is also
 * printed on terminals and in CI logs, which would act on them.
 */

const INLINE_SPECIALS = /[\\`*_~[\]()!<>&#|$]/g;
const LINE_BREAKS = /\r\n|[\n\r\u2028\u2029\u0085\v\f]/g;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped here
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** `- x`, `+ x`, `---`, `1. x`, `1) x`: what would start a list or a rule (a `-5%` or `1.5 ms` would not). */
const LEADING_BLOCK_MARKER = /^(\s*)(?:([-+])(?=[\s-]|$)|(\d{1,9})([.)])(?=\s|$))/;

export function escapeMarkdown(text: string): string {
  const flat = String(text)
    .replace(LINE_BREAKS, ' ')
    .replace(INLINE_SPECIALS, (c) => `\\${c}`)
    // After the backslashes: `\u` is no escape in Markdown, so it renders as written.
    .replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return flat.replace(LEADING_BLOCK_MARKER, (_all, space: string, sign?: string, digits?: string, dot?: string) =>
    sign !== undefined ? `${space}\\${sign}` : `${space}${digits}\\${dot}`,
  );
}
