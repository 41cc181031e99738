// The pure core: no `vscode` import anywhere below this folder (a test enforces it).
export * from './model';
export * from './series-id';
