/** Polls `condition` until it holds or `ms` pass; true when it held. */
export async function waitFor(condition: () => boolean, ms: number, everyMs = 10): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return condition();
}
