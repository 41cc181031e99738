'use strict';
const { sortNumbers } = require('../src/sort');

// A fixed pseudo-random input, so that every run does the same work.
let seed = 42;
const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const input = Array.from({ length: 10_000 }, next);
for (let i = 0; i < 20; i++) sortNumbers(input);
