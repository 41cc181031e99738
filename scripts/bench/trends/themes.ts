/**
 * A subset of the CSS variables VS Code gives a webview, with the values of the
 * Default Light Modern and Default Dark Modern themes, so the harness page looks like
 * the panel inside VS Code.
 */
export type HarnessTheme = 'light' | 'dark';

const LIGHT: Record<string, string> = {
  'font-family': "system-ui, -apple-system, 'Segoe UI', 'Ubuntu', 'Droid Sans', sans-serif",
  'font-size': '13px',
  'editor-font-family': "'Droid Sans Mono', 'monospace', monospace",
  foreground: '#3b3b3b',
  descriptionForeground: '#3b3b3b',
  'editor-background': '#ffffff',
  'panel-border': '#e5e5e5',
  focusBorder: '#005fb8',
  'list-hoverBackground': '#f2f2f2',
  'list-activeSelectionBackground': '#e8e8e8',
  'list-activeSelectionForeground': '#000000',
  'charts-blue': '#1a85ff',
  'charts-red': '#e51400',
  'charts-green': '#388a34',
  'charts-orange': '#d18616',
  'charts-yellow': '#bf8803',
  'charts-purple': '#652d90',
  'button-background': '#005fb8',
  'button-foreground': '#ffffff',
  'button-secondaryBackground': '#e5e5e5',
  'button-secondaryForeground': '#3b3b3b',
  'button-secondaryHoverBackground': '#cccccc',
  'input-background': '#ffffff',
  'input-foreground': '#3b3b3b',
  'input-border': '#cecece',
  'editorHoverWidget-background': '#f8f8f8',
  'editorHoverWidget-border': '#c8c8c8',
  'sideBarSectionHeader-background': '#f8f8f8',
  'editorRuler-foreground': '#d3d3d3',
  'widget-shadow': 'rgba(0, 0, 0, 0.16)',
};

const DARK: Record<string, string> = {
  ...LIGHT,
  foreground: '#cccccc',
  descriptionForeground: '#9d9d9d',
  'editor-background': '#1f1f1f',
  'panel-border': '#2b2b2b',
  focusBorder: '#0078d4',
  'list-hoverBackground': '#2a2d2e',
  'list-activeSelectionBackground': '#04395e',
  'list-activeSelectionForeground': '#ffffff',
  'charts-blue': '#3794ff',
  'charts-red': '#f14c4c',
  'charts-green': '#89d185',
  'charts-orange': '#d18616',
  'charts-yellow': '#cca700',
  'charts-purple': '#b180d7',
  'button-background': '#0078d4',
  'button-secondaryBackground': '#313131',
  'button-secondaryForeground': '#cccccc',
  'button-secondaryHoverBackground': '#3c3c3c',
  'input-background': '#313131',
  'input-foreground': '#cccccc',
  'input-border': '#3c3c3c',
  'editorHoverWidget-background': '#202020',
  'editorHoverWidget-border': '#454545',
  'sideBarSectionHeader-background': '#181818',
  'editorRuler-foreground': '#3a3a3a',
  'widget-shadow': 'rgba(0, 0, 0, 0.36)',
};

/** A stylesheet that sets the theme variables on `html`, as VS Code does. */
export function themeCss(theme: HarnessTheme): string {
  const vars = theme === 'light' ? LIGHT : DARK;
  return `html { ${Object.entries(vars).map(([k, v]) => `--vscode-${k}: ${v};`).join(' ')} }\n`;
}
