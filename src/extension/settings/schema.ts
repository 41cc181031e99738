/**
 * Every Perf Pulse setting, typed, with its default and the scope it is read at. The one place
 * that knows the keys: `settings.ts` reads them through VS Code, and a unit test checks this
 * table against package.json, so a key, a default or a scope cannot drift between the two.
 * No `vscode` import: the table and the parsing are plain data.
 */

export type SettingScope = 'window' | 'resource';

interface Spec<T> {
  default: T;
  scope: SettingScope;
  /** Keeps a value of the right type and shape; anything else reads as the default. */
  accept(value: unknown): value is T;
}

const bool = (def: boolean, scope: SettingScope): Spec<boolean> => ({ default: def, scope, accept: (v): v is boolean => typeof v === 'boolean' });
const text = (def: string, scope: SettingScope): Spec<string> => ({ default: def, scope, accept: (v): v is string => typeof v === 'string' });
const count = (def: number, min: number, scope: SettingScope): Spec<number> => ({ default: def, scope, accept: (v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min });
const oneOf = <T extends string>(values: readonly T[], def: T, scope: SettingScope): Spec<T> => ({ default: def, scope, accept: (v): v is T => typeof v === 'string' && (values as readonly string[]).includes(v) });
const strings = (def: string[], scope: SettingScope): Spec<string[]> => ({ default: def, scope, accept: (v): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string') });

export const DEFAULT_TERMINAL_PATTERNS = [
  '^(npm|pnpm|yarn|bun)( run)? (build|test)\\b',
  '^npx tsc\\b',
  '^tsc\\b',
  '^cargo (build|test|bench)\\b',
  '^go (build|test)\\b',
  '^make\\b',
  '^cmake --build\\b',
  '^mvn\\b',
  '^(\\./)?gradlew?\\b',
  '^(python -m )?pytest\\b',
  '^dotnet (build|test)\\b',
];

/**
 * Keys under `perfPulse.`. `resource` settings may differ per workspace folder (each folder has its
 * own history, detection and sharing); `window` ones are about the editor as a whole (the terminal
 * and the tasks are the window's, notifications are the user's).
 */
export const SETTINGS = {
  'capture.tasks': bool(true, 'window'),
  'capture.terminal': bool(true, 'window'),
  'capture.terminalPatterns': strings(DEFAULT_TERMINAL_PATTERNS, 'window'),
  'capture.terminalLowConfidence': bool(false, 'window'),
  'capture.reports': bool(true, 'resource'),
  'capture.reportGlobs': strings(['**/junit*.xml', '**/TEST-*.xml', '**/test-results/**/*.xml'], 'resource'),
  'notifications.level': oneOf(['all', 'critical', 'off'] as const, 'all', 'window'),
  'detection.sensitivity': oneOf(['low', 'default', 'high'] as const, 'default', 'resource'),
  'history.location': oneOf(['workspaceStorage', 'workspace'] as const, 'workspaceStorage', 'resource'),
  'history.path': text('', 'resource'),
  'history.rawRunsPerSeries': count(50, 1, 'resource'),
  'history.maxRunsPerSeries': count(5000, 10, 'resource'),
  'codeLens.enabled': bool(true, 'resource'),
  'sync.afterRun': bool(false, 'resource'),
  'sync.remote': text('origin', 'resource'),
  'share.includeHostname': bool(false, 'resource'),
  'terminal.addCli': bool(true, 'window'),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K] extends Spec<infer T> ? T : never;
export type Settings = { readonly [K in SettingKey]: SettingValue<K> };

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** All settings from a reader of raw values (`get('history.path')`); a missing or malformed value reads as the default. */
export function parseSettings(get: (key: SettingKey) => unknown): Settings {
  const out: Record<string, unknown> = Object.create(null);
  for (const key of SETTING_KEYS) {
    const spec = SETTINGS[key] as Spec<unknown>;
    const value = get(key);
    out[key] = spec.accept(value) ? value : spec.default;
  }
  return out as Settings;
}
