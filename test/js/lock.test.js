// package-lock.json agrees with package.json, so that `npm ci` (which refuses a lock out of sync)
// installs: the root's dependency specs are package.json's, and every dependency is locked at a
// version that its spec accepts (for the exact and caret specs package.json uses).
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const pkg = require(path.join(root, 'package.json'));
const lock = require(path.join(root, 'package-lock.json'));

const kinds = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta'];

/** Whether version satisfies spec: '1.2.3' exactly, '^1.2.3' (same major, or same minor for 0.x, and not lower), or '>=1.2.3'. */
function satisfies (version, spec) {
  const parse = (v) => v.split('-')[0].split('.').map(Number);
  const [v, s] = [parse(version), parse(spec.replace(/^(\^|>=)/, ''))];
  const cmp = v[0] - s[0] || v[1] - s[1] || v[2] - s[2];
  if (spec.startsWith('>=')) {
    return cmp >= 0;
  }
  if (spec.startsWith('^')) {
    return cmp >= 0 && v[0] === s[0] && (s[0] !== 0 || v[1] === s[1]);
  }
  return cmp === 0;
}

test('lock: the root entry lists package.json\'s dependencies', () => {
  assert.equal(lock.name, pkg.name);
  assert.equal(lock.version, pkg.version);
  assert.equal(lock.lockfileVersion, 3);
  const locked = lock.packages[''];
  for (const kind of kinds) {
    assert.deepEqual(locked[kind], pkg[kind], kind);
  }
});

test('lock: each dependency is locked at a version its spec accepts', () => {
  for (const kind of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    for (const [name, spec] of Object.entries(pkg[kind] || {})) {
      const entry = lock.packages[`node_modules/${name}`];
      assert.ok(entry, `${name} is locked`);
      assert.ok(satisfies(entry.version, spec), `${name}@${entry.version} satisfies ${spec}`);
      assert.match(entry.integrity || '', /^sha512-/, `${name} has an integrity hash`);
    }
  }
  // and what they depend on, e.g. sharp's @img/colour
  for (const [key, entry] of Object.entries(lock.packages)) {
    for (const [name, spec] of Object.entries(entry.dependencies || {})) {
      const dep = lock.packages[`${key}/node_modules/${name}`] || lock.packages[`node_modules/${name}`];
      assert.ok(dep, `${key || 'root'} needs ${name}, which is locked`);
      if (/^(\^|>=)?\d+\.\d+\.\d+$/.test(spec)) {
        assert.ok(satisfies(dep.version, spec), `${name}@${dep.version} satisfies ${key}'s ${spec}`);
      }
    }
  }
  assert.equal(satisfies('1.4.0', '^1.1.0'), true);
  assert.equal(satisfies('2.0.0', '^1.1.0'), false);
  assert.equal(satisfies('1.0.9', '^1.1.0'), false);
  assert.equal(satisfies('0.35.6', '0.35.5'), false);
});
