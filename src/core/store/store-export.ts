import type { HistoryStore } from './history-store';
import { StoreError } from './errors';
import { recordJson } from './migrate';
import { csvHeader, csvRow, jsonExportClose, jsonExportOpen } from './export-format';

/** The history (or some series) as one JSON document, streamed in chunks; `import` reads it back exactly. */
export async function* exportJson(store: HistoryStore, seriesIds?: string[]): AsyncIterable<string> {
  yield jsonExportOpen();
  let first = true;
  for (const id of selectSeries(store, seriesIds)) {
    for (const record of await store.readSeries(id)) {
      yield (first ? '' : ',\n') + recordJson(record);
      first = false;
    }
  }
  yield jsonExportClose();
}

/** The history (or some series) as CSV, one row per run; nested fields are JSON in their cells. */
export async function* exportCsv(store: HistoryStore, seriesIds?: string[]): AsyncIterable<string> {
  yield csvHeader();
  for (const id of selectSeries(store, seriesIds)) {
    const rows: string[] = [];
    for (const record of await store.readSeries(id)) rows.push(csvRow(record));
    if (rows.length) yield rows.join('');
  }
}

function selectSeries(store: HistoryStore, seriesIds?: string[]): string[] {
  if (!seriesIds || seriesIds.length === 0) return store.listSeries().map((s) => s.seriesId);
  const unknown = seriesIds.filter((id) => !store.hasSeries(id));
  if (unknown.length) throw new StoreError(`No series with id ${unknown.join(', ')} in ${store.dir}`);
  return seriesIds;
}
