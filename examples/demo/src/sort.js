'use strict';
// The code the sort-10k benchmark measures. Creating a file named SLOW next to
// perfpulse.json (or setting PERF_PULSE_DEMO_SLOW=1) swaps in a slower sort,
// so that Perf Pulse has a real regression to find.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

function sortNumbers(values) {
  if (process.env.PERF_PULSE_DEMO_SLOW === '1' || existsSync(join(__dirname, '..', 'SLOW'))) {
    return insertionSortPart(values.slice());
  }
  return values.slice().sort((a, b) => a - b);
}

/** Deliberately slow: insertion sort of the first 6,000 values, then the built-in sort. */
function insertionSortPart(values) {
  const n = Math.min(values.length, 6000);
  for (let i = 1; i < n; i++) {
    const v = values[i];
    let j = i - 1;
    while (j >= 0 && values[j] > v) {
      values[j + 1] = values[j];
      j--;
    }
    values[j + 1] = v;
  }
  return values.sort((a, b) => a - b);
}

module.exports = { sortNumbers };
