/**
 * Which history record a profile belongs to. Its own small module, without imports, so that the
 * editor's services bundle can use it without carrying the profile storage.
 */

/** The id of the latest timing record of `benchmark` at `commit`, from a store's series. */
export async function latestRunIn(
  store: { listSeries(): Array<{ seriesId: string; name: string; metric: string }>; readSeries(id: string): Promise<Array<{ id: string; timestamp: number; vcs?: { commit?: string } }>> },
  benchmark: string,
  commit: string,
): Promise<string | undefined> {
  let best: { id: string; timestamp: number } | undefined;
  for (const series of store.listSeries()) {
    if (series.name !== benchmark || series.metric !== 'time') continue;
    for (const run of await store.readSeries(series.seriesId)) {
      if (run.vcs?.commit === commit && (!best || run.timestamp > best.timestamp)) best = { id: run.id, timestamp: run.timestamp };
    }
  }
  return best?.id;
}
