// Unit tests of the storage-layout upgrade check (node --test contracts/scripts/).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { layoutProblems } = require('./lib/pipeline');

const T = {
  t_uint256: { encoding: 'inplace', label: 'uint256', numberOfBytes: '32' },
  t_address: { encoding: 'inplace', label: 'address', numberOfBytes: '20' },
  t_bool: { encoding: 'inplace', label: 'bool', numberOfBytes: '1' },
};

function layout(storage, extraTypes = {}) {
  return { storage, types: { ...T, ...extraTypes } };
}
const v = (label, slot, type, offset = 0) => ({ label, slot: String(slot), offset, type });

function structTypes(members, bytes) {
  return {
    't_struct(Batch)_storage': { encoding: 'inplace', label: 'struct Batch', numberOfBytes: String(bytes), members },
    't_mapping(t_uint256,t_struct(Batch)_storage)': {
      encoding: 'mapping',
      label: 'mapping(uint256 => struct Batch)',
      numberOfBytes: '32',
      key: 't_uint256',
      value: 't_struct(Batch)_storage',
    },
  };
}

const base = layout([v('a', 0, 't_uint256'), v('owner', 1, 't_address'), v('flag', 1, 't_bool', 20)]);

test('identical layouts are compatible', () => {
  assert.deepStrictEqual(layoutProblems('C', base, base), []);
});

test('appending state is compatible', () => {
  const next = layout([...base.storage, v('b', 2, 't_uint256')]);
  assert.deepStrictEqual(layoutProblems('C', base, next), []);
});

test('filling unused bytes of a packed slot is compatible', () => {
  const next = layout([...base.storage, v('other', 1, 't_bool', 21)]);
  assert.deepStrictEqual(layoutProblems('C', base, next), []);
});

test('inserting state before existing state moves it and fails', () => {
  const next = layout([v('inserted', 0, 't_uint256'), v('a', 1, 't_uint256'), v('owner', 2, 't_address'), v('flag', 2, 't_bool', 20)]);
  const problems = layoutProblems('C', base, next);
  assert.ok(problems.some((p) => p.includes('a: moved from slot 0+0 to slot 1+0')), problems.join('\n'));
  assert.ok(problems.some((p) => p.includes('owner: moved from slot 1+0 to slot 2+0')), problems.join('\n'));
});

test('retyping state fails', () => {
  const next = layout([v('a', 0, 't_address'), v('owner', 1, 't_address'), v('flag', 1, 't_bool', 20)]);
  const problems = layoutProblems('C', base, next);
  assert.ok(problems.some((p) => p.includes('type uint256 became address')), problems.join('\n'));
});

test('removing state fails', () => {
  const next = layout([v('a', 0, 't_uint256'), v('owner', 1, 't_address')]);
  const problems = layoutProblems('C', base, next);
  assert.ok(problems.some((p) => p.includes('flag: removed')), problems.join('\n'));
});

test('a struct in a mapping may grow at its end but not change its members', () => {
  const m = 't_mapping(t_uint256,t_struct(Batch)_storage)';
  const oldL = layout([v('batches', 0, m)], structTypes([v('root', 0, 't_uint256')], 32));
  const grown = layout([v('batches', 0, m)], structTypes([v('root', 0, 't_uint256'), v('count', 1, 't_uint256')], 64));
  assert.deepStrictEqual(layoutProblems('C', oldL, grown), []);
  const retyped = layout([v('batches', 0, m)], structTypes([v('root', 0, 't_address')], 32));
  assert.ok(layoutProblems('C', oldL, retyped).length > 0);
});

test('a struct held directly in storage may not change size', () => {
  const s = 't_struct(Batch)_storage';
  const oldL = layout([v('batch', 0, s)], structTypes([v('root', 0, 't_uint256')], 32));
  const grown = layout([v('batch', 0, s)], structTypes([v('root', 0, 't_uint256'), v('count', 1, 't_uint256')], 64));
  const problems = layoutProblems('C', oldL, grown);
  assert.ok(problems.some((p) => p.includes('changed size')), problems.join('\n'));
});
