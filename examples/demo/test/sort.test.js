'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { sortNumbers } = require('../src/sort');

test('sorts numbers ascending', () => {
  assert.deepStrictEqual(sortNumbers([3, 1, 2]), [1, 2, 3]);
});

test('leaves the input alone', () => {
  const input = [2, 1];
  sortNumbers(input);
  assert.deepStrictEqual(input, [2, 1]);
});
