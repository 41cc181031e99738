// Mocha reporter: mocha's usual `spec` output on the terminal, plus the suite's totals written
// as JSON to the file named by PERF_PULSE_TEST_TOTALS, so scripts/test-all.sh can add up every
// suite without scraping human-readable text.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

class TotalsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const target = process.env.PERF_PULSE_TEST_TOTALS;
    if (!target) return;
    const failures = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, err) => {
      failures.push({ title: test.fullTitle(), message: String((err && err.message) || err) });
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = runner.stats || {};
      const totals = {
        passed: s.passes || 0,
        // Hook failures count as failures too: they abort tests that never report.
        failed: Math.max(s.failures || 0, failures.length),
        pending: s.pending || 0,
        durationMs: s.duration || 0,
        failures,
      };
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, JSON.stringify(totals, null, 2) + '\n');
    });
  }
}

module.exports = TotalsReporter;
