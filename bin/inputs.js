// The CLI's inputs: files, directories (their images, optionally recursive) and glob patterns
// (*, ?, **, [...], {a,b}), each with the path its output keeps under --out.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const imageExtensions = new Set([
  '.jpg', '.jpeg', '.jpe', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.heif', '.svg'
]);

const isImage = (file) => imageExtensions.has(path.extname(file).toLowerCase());
const isGlob = (s) => /[*?[{]/.test(s);

/** A RegExp for a glob pattern over '/'-separated relative paths. */
function globToRegExp (pattern) {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      // '**/' matches any number of directories, a trailing '**' anything
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
      } else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = pattern.indexOf('}', i + 1);
      if (end < 0) {
        re += '\\{';
      } else {
        re += `(?:${pattern.slice(i + 1, end).split(',').map((alt) => globToRegExp(alt).source.slice(1, -1)).join('|')})`;
        i = end;
      }
    } else {
      re += c.replace(/[.+^$()|\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

/** Files under dir (recursively when asked), as paths relative to dir with '/' separators. */
async function walk (dir, recursive, prefix = '') {
  const out = [];
  const entries = await fs.promises.readdir(path.join(dir, prefix), { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (recursive) {
        out.push(...await walk(dir, recursive, relative));
      }
    } else if (entry.isFile()) {
      out.push(relative);
    }
  }
  return out;
}

/** The glob's directory part without magic characters, and the rest. */
function splitGlob (pattern) {
  const parts = pattern.split(/[\\/]/);
  const base = [];
  while (parts.length > 1 && !isGlob(parts[0])) {
    base.push(parts.shift());
  }
  return { base: base.join('/') || '.', rest: parts.join('/') };
}

const statOrNull = (p) => fs.promises.stat(p).catch(() => null);

/**
 * Expands the inputs to { items: [{ file, relative }], missing: [input] }. `relative` is the path
 * under --out: a file's name, a path inside a directory input, or inside a glob's base.
 */
async function expandInputs (inputs, recursive) {
  const items = [];
  const missing = [];
  for (const input of inputs) {
    const stat = await statOrNull(input);
    const before = items.length;
    if (stat && stat.isFile()) {
      items.push({ file: input, relative: path.basename(input) });
    } else if (stat && stat.isDirectory()) {
      for (const relative of await walk(input, recursive)) {
        if (isImage(relative)) {
          items.push({ file: path.join(input, relative), relative });
        }
      }
    } else if (isGlob(input)) {
      const { base, rest } = splitGlob(input);
      const re = globToRegExp(rest);
      const deep = rest.includes('**') || rest.includes('/');
      if (await statOrNull(base)) {
        for (const relative of await walk(base, deep)) {
          if (re.test(relative)) {
            items.push({ file: path.join(base, relative), relative });
          }
        }
      }
    }
    if (items.length === before) {
      missing.push(input);
    }
  }
  return { items, missing };
}

module.exports = { expandInputs, globToRegExp };
