#!/usr/bin/env node
// Builds every contract into contracts/out-artifacts/<Name>.json (ABI, bytecode, deployed bytecode,
// storage layout) and keeps the storage-layout baselines in contracts/storage-layouts/ up to date.
//
//   node contracts/scripts/build.js                              build; refuse incompatible layouts
//   node contracts/scripts/build.js --allow-incompatible-layout  accept them (never after a release)
'use strict';
const fs = require('fs');
const path = require('path');
const p = require('./lib/pipeline');

function main() {
  const allowIncompatible = process.argv.includes('--allow-incompatible-layout');
  const compiled = p.compile();
  for (const w of compiled.warnings) process.stderr.write(w.formattedMessage + '\n');
  const arts = p.artifacts(compiled);

  fs.mkdirSync(p.LAYOUTS_DIR, { recursive: true });
  let failed = false;
  for (const name of p.LAYOUT_CHECKED) {
    const art = arts.get(name);
    if (!art) throw new Error(`layout-checked contract ${name} was not built`);
    const baselineFile = path.join(p.LAYOUTS_DIR, name + '.json');
    if (fs.existsSync(baselineFile)) {
      const problems = p.layoutProblems(name, JSON.parse(fs.readFileSync(baselineFile, 'utf8')), art.storageLayout);
      if (problems.length > 0) {
        process.stderr.write(`incompatible storage layout change in ${name}:\n  ${problems.join('\n  ')}\n`);
        if (!allowIncompatible) {
          failed = true;
          continue;
        }
      }
    }
    fs.writeFileSync(baselineFile, p.serialise(art.storageLayout));
  }
  if (failed) {
    process.stderr.write(
      'build refused: existing storage moved or changed type. Append new state instead, or pass\n' +
        '--allow-incompatible-layout if no deployment uses the old layout.\n',
    );
    return 1;
  }
  p.writeArtifacts(p.ARTIFACTS_DIR, arts);
  process.stdout.write(`built ${arts.size} artifacts into ${path.relative(process.cwd(), p.ARTIFACTS_DIR) || '.'}\n`);
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  process.stderr.write(String(e.message || e) + '\n');
  process.exitCode = 1;
}
