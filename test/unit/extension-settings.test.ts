import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseSettings, SETTING_KEYS, SETTINGS } from '../../src/extension/settings/schema';

interface DeclaredSetting {
  default?: unknown;
  scope?: string;
  enum?: string[];
}

const manifest = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, DeclaredSetting> } };
};
const declared = manifest.contributes.configuration.properties;

describe('extension settings: one typed table, the same as package.json', () => {
  it('declares every key of the table in package.json and no other', () => {
    assert.deepEqual(Object.keys(declared).sort(), SETTING_KEYS.map((k) => `perfPulse.${k}`).sort());
  });

  it('has the defaults package.json declares', () => {
    for (const key of SETTING_KEYS) assert.deepEqual(SETTINGS[key].default, declared[`perfPulse.${key}`].default, key);
  });

  it('reads per-folder settings at resource scope, as package.json declares them', () => {
    for (const key of SETTING_KEYS) {
      const scope = declared[`perfPulse.${key}`].scope ?? 'window';
      assert.equal(scope, SETTINGS[key].scope, `perfPulse.${key}: package.json says ${scope}`);
    }
    // Each folder of a multi-root workspace keeps its own history and judges it its own way.
    for (const key of ['history.location', 'history.path', 'detection.sensitivity', 'sync.remote'] as const) assert.equal(SETTINGS[key].scope, 'resource', key);
  });

  it('accepts exactly the enum values package.json offers', () => {
    for (const key of SETTING_KEYS) {
      const values = declared[`perfPulse.${key}`].enum;
      if (!values) continue;
      for (const v of values) assert.equal(parseSettings((k) => (k === key ? v : undefined))[key], v, `${key}=${v}`);
      assert.equal(parseSettings((k) => (k === key ? 'nonsense' : undefined))[key], SETTINGS[key].default);
    }
  });

  it('reads a malformed value as the default, not as whatever was written', () => {
    const raw: Record<string, unknown> = { 'history.rawRunsPerSeries': -3, 'capture.reportGlobs': ['ok', 7], 'codeLens.enabled': 'yes', 'history.path': 42 };
    const s = parseSettings((k) => raw[k]);
    assert.equal(s['history.rawRunsPerSeries'], 50);
    assert.deepEqual(s['capture.reportGlobs'], SETTINGS['capture.reportGlobs'].default);
    assert.equal(s['codeLens.enabled'], true);
    assert.equal(s['history.path'], '');
    assert.equal(parseSettings((k) => (k === 'history.maxRunsPerSeries' ? 20 : undefined))['history.maxRunsPerSeries'], 20);
  });

  it('is the only reader of the configuration in the extension', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
    const readers = files(join(__dirname, '../../src/extension')).filter((f) => /getConfiguration\(/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(readers.map((f) => f.slice(f.indexOf('src/extension'))), ['src/extension/settings/index.ts']);
  });
});
