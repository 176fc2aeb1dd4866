#!/usr/bin/env node
// CI check: rebuilds every contract into a temporary directory and fails if
//   - the committed artifacts (contracts/out-artifacts) differ from what the sources compile to, or
//   - a storage layout changed incompatibly against the committed baseline (contracts/storage-layouts):
//     existing state moved, removed or retyped fails; appended state passes.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const p = require('./lib/pipeline');

function main() {
  const compiled = p.compile();
  const arts = p.artifacts(compiled);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'basalt-artifacts-'));
  const problems = [];
  try {
    p.writeArtifacts(tmp, arts);
    const committed = fs.existsSync(p.ARTIFACTS_DIR)
      ? fs.readdirSync(p.ARTIFACTS_DIR).filter((f) => f.endsWith('.json')).sort()
      : [];
    const rebuilt = fs.readdirSync(tmp).sort();
    for (const f of rebuilt) {
      if (!committed.includes(f)) problems.push(`out-artifacts/${f} is missing`);
      else if (fs.readFileSync(path.join(tmp, f), 'utf8') !== fs.readFileSync(path.join(p.ARTIFACTS_DIR, f), 'utf8')) {
        problems.push(`out-artifacts/${f} differs from what the sources compile to`);
      }
    }
    for (const f of committed) if (!rebuilt.includes(f)) problems.push(`out-artifacts/${f} has no source any more`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const artifactsStale = problems.length > 0;

  for (const name of p.LAYOUT_CHECKED) {
    const baselineFile = path.join(p.LAYOUTS_DIR, name + '.json');
    if (!fs.existsSync(baselineFile)) {
      problems.push(`storage-layouts/${name}.json (baseline) is missing`);
      continue;
    }
    const baseline = JSON.parse(fs.readFileSync(baselineFile, 'utf8'));
    for (const problem of p.layoutProblems(name, baseline, arts.get(name).storageLayout)) {
      problems.push(`incompatible storage layout: ${problem}`);
    }
  }

  if (problems.length > 0) {
    process.stderr.write('contracts check failed:\n  ' + problems.join('\n  ') + '\n');
    if (artifactsStale) process.stderr.write('run `npm run contracts:build` and commit contracts/out-artifacts.\n');
    return 1;
  }
  process.stdout.write(`contracts check passed: ${arts.size} artifacts match their sources; storage layouts compatible\n`);
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  process.stderr.write(String(e.message || e) + '\n');
  process.exitCode = 1;
}
