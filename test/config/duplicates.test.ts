// A key given twice in a config file: JSON.parse keeps the last without a word, so the scanner
// must find it wherever it sits, and must not be fooled by keys inside strings or escapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { findDuplicateKey } from '../../src/config/duplicates';
import { PRESET_DIR, presetNames, readJsonFile } from '../../src/config/load';
import { UsageError } from '../../src/errors';
import { tmpDir } from '../helpers/cli';

const dup = (text: string) => {
  JSON.parse(text); // every case is valid JSON: the scanner only ever sees such text
  return findDuplicateKey(text);
};

test('a repeated key is found with its path, at any depth', () => {
  assert.deepEqual(dup('{"a": 1, "a": 2}'), { key: 'a', path: 'a' });
  assert.deepEqual(dup('{"train": {"lr": [0.01], "steps": 5, "lr": [0.1]}}'), { key: 'lr', path: 'train.lr' });
  assert.deepEqual(dup('{"sweep": {"grid": {"model.experts": [4], "model.experts": [8]}}}'), { key: 'model.experts', path: 'sweep.grid.model.experts' });
  assert.deepEqual(dup('{"train": {}, "data": {"dim": 3}, "train": {"steps": 1}}'), { key: 'train', path: 'train' }, 'a repeated section');
  // arrays of objects: each element is its own object, the path names the element
  assert.equal(dup('{"runs": [{"seed": 1}, {"seed": 2}]}'), null);
  assert.deepEqual(dup('{"runs": [{"seed": 1}, {"seed": 2, "x": [], "seed": 3}]}'), { key: 'seed', path: 'runs[1].seed' });
  assert.deepEqual(dup('[[1, {"a": {}}], [{"b": 1, "b": 1}]]'), { key: 'b', path: '[1][0].b' });
  // the first repeat in reading order
  assert.deepEqual(dup('{"x": {"p": 1, "p": 2}, "y": 1, "y": 2}'), { key: 'p', path: 'x.p' });
});

test('equal keys in different objects, keys inside strings and escaped quotes are not repeats', () => {
  assert.equal(dup('{"a": {"b": 1}, "c": {"b": 2}, "b": 3}'), null);
  assert.equal(dup('{"a": "\\"a\\": 1, \\"a\\": 2", "b": "{\\"b\\": [1], \\"b\\": 2}"}'), null, 'keys inside string values');
  assert.equal(dup('{"description": "x, \\"y\\": {", "y": 1}'), null, 'a comma, quote and brace inside a string');
  assert.equal(dup('{"a\\"": 1, "a": 2, "a\\\\": 3}'), null, '"a\\"", "a" and "a\\\\" are three keys');
  assert.deepEqual(dup('{"a\\\\": 1, "a\\\\": 2}'), { key: 'a\\', path: 'a\\' }, 'a key ending in a backslash');
  assert.deepEqual(dup('{"a": 1, "\\u0061": 2}'), { key: 'a', path: 'a' }, 'an escaped spelling is the same key to JSON.parse');
  assert.equal(dup('{"__proto__": 1, "constructor": 2, "toString": {}}'), null);
  assert.deepEqual(dup('{"__proto__": 1, "__proto__": 2}'), { key: '__proto__', path: '__proto__' });
  assert.equal(dup('{}'), null);
  assert.equal(dup('[]'), null);
  assert.equal(dup('42'), null);
  assert.equal(dup('{ "a" : [ ] , "b" : { } , "c" : null , "d" : true , "e" : -1.5e3 }'), null);
});

test('deep nesting does not overflow the stack', () => {
  const n = 50_000;
  const deep = `${'['.repeat(n)}{"a": 1, "a": 2}${']'.repeat(n)}`;
  const found = findDuplicateKey(deep); // JSON.parse may not manage this depth; the scanner must
  assert.equal(found?.key, 'a');
  assert.equal(found?.path, `${'[0]'.repeat(n)}.a`);
});

test('a config file or preset with a repeated key is refused, naming the file, the key and its path', () => {
  const dir = tmpDir('dup-config');
  const file = path.join(dir, 'c.json');
  fs.writeFileSync(file, '{\n  "train": {"lr": [0.01], "lr": [0.1]}\n}\n');
  assert.throws(() => readJsonFile(file, '--config'), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.equal(e.message, `--config ${JSON.stringify(file)} has the key "lr" twice (at train.lr); allowed: each key once in an object (JSON would silently keep the last)`);
    return true;
  });
  // every committed preset is free of repeats (each is read through the same check)
  for (const name of presetNames()) assert.equal(findDuplicateKey(fs.readFileSync(path.join(PRESET_DIR, `${name}.json`), 'utf8')), null, name);
});
