import vscode = require('vscode');
import { parseSettings, type SettingKey, type Settings } from './schema';

export type { SettingKey, Settings } from './schema';

/**
 * The settings as they apply to `scope`: a workspace folder (or a file in it) for per-folder
 * settings in a multi-root workspace, nothing for the window. The only place that calls
 * `getConfiguration` for Perf Pulse.
 */
export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const section = vscode.workspace.getConfiguration('perfPulse', scope ?? null);
  return parseSettings((key) => section.get(key));
}

/** One setting, as it applies to `scope`. */
export function setting<K extends SettingKey>(key: K, scope?: vscode.ConfigurationScope): Settings[K] {
  return readSettings(scope)[key];
}

/** Did this change touch any of `keys` (for `scope`, when given)? Keys may name a group: `history` covers `history.path`. */
export function affects(e: vscode.ConfigurationChangeEvent, keys: readonly (SettingKey | string)[], scope?: vscode.ConfigurationScope): boolean {
  return keys.some((k) => e.affectsConfiguration(`perfPulse.${k}`, scope));
}
