'use strict';
// Shared by the tests: the package, the repository, descriptor counting,
// and the peers (other processes) the descriptor tests talk to.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const rmsg = require('..');

const packageDir = path.join(__dirname, '..');
const repo = path.join(packageDir, '..', '..');

function openFds() {
  return fs.readdirSync('/proc/self/fd').length;
}

// Wraps a test body: the process must hold no more descriptors after it
// than before (counted in /proc/self/fd).
function noLeak(body) {
  return async (t) => {
    const before = openFds();
    await body(t);
    // Let closes queued on the loop (Node's own handles) finish.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(openFds(), before, 'descriptors left open by the test');
  };
}

function readAll(fd) {
  const chunks = [];
  const buf = Buffer.alloc(256);
  for (;;) {
    let n;
    try {
      n = fs.readSync(fd, buf);
    } catch (e) {
      if (e.code === 'EAGAIN') continue;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString();
}

// Runs a peer process with one end of a socket pair as its descriptor 3;
// resolves with its exit code and output.
function runPeer(command, args, fd, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe', fd],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

module.exports = { rmsg, repo, packageDir, openFds, noLeak, readAll, runPeer };
