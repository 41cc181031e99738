/**
 * Colour for a terminal, in the conventions most tools share: on when the stream is a terminal
 * (and TERM is not "dumb"); `NO_COLOR` (any non-empty value, see no-color.org) turns it off;
 * `FORCE_COLOR` turns it on even into a pipe ("0" or "false" turns it off), and wins over
 * NO_COLOR as Node's own tty module decides.
 */

export function colourWanted(isTerminal: boolean, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === '0' || force.toLowerCase() === 'false');
  if (env.NO_COLOR) return false;
  return isTerminal && env.TERM !== 'dumb';
}

export interface Paint {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

const COLOURED: Paint = { enabled: true, bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) };
const same = (text: string) => text;
const PLAIN: Paint = { enabled: false, bold: same, dim: same, red: same, green: same, yellow: same, cyan: same };

export function paint(enabled: boolean): Paint {
  return enabled ? COLOURED : PLAIN;
}

/** Whether text is running under a CI service: no live progress there, whatever the stream. */
export function underCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** Visible width of text with SGR escapes left out (for fitting a line to the terminal). */
export function visibleLength(text: string): number {
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}
