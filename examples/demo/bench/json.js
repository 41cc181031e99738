'use strict';
// The document grows with the project (scripts/demo/record-history.ts adds items commit by
// commit): json-roundtrip drifts towards its budget, and Perf Pulse forecasts when it gets there.
const ITEMS = 20_800;
const doc = { items: Array.from({ length: ITEMS }, (_, i) => ({ id: i, name: `item-${i}`, tags: ['a', 'b', String(i % 7)], price: i * 1.25 })) };
for (let i = 0; i < 5; i++) JSON.parse(JSON.stringify(doc));
