'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { greeting } = require('./greeting.js');

test('greets', () => {
  assert.match(greeting(), /\S/);
});
