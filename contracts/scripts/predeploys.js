#!/usr/bin/env node
// Re-derives the predeploys' runtime code (crates/contracts/predeploys/*.hex) from the published
// npm packages named in docs/l2-genesis.md, and checks it byte for byte against the committed
// files and by keccak against the recorded mainnet hashes. Needs the npm registry; not part of CI
// (the Rust tests check the committed files' hashes offline).
//
//   node contracts/scripts/predeploys.js          check
//   node contracts/scripts/predeploys.js --write  rewrite the files from the packages
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { ethers } = require('ethers');

const DIR = path.join(__dirname, '..', '..', 'crates', 'contracts', 'predeploys');
const unpacked = [];

/// Unpacks `spec` (name@version) from the registry into a temp dir; returns its package root.
function unpack(spec) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'predeploy-'));
  unpacked.push(tmp);
  const tgz = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', tmp], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop();
  execFileSync('tar', ['xzf', path.join(tmp, tgz), '-C', tmp]);
  return path.join(tmp, 'package');
}

function preinstall(source, name) {
  const m = source.match(new RegExp(`bytes internal constant ${name}\\s*=\\s*hex"([0-9a-fA-F]+)"`));
  if (!m) throw new Error(`${name} not found in Preinstalls.sol`);
  return Buffer.from(m[1], 'hex');
}

/// Runtime code a keyless deployment transaction's init code returns, for init code of the form
/// "copy the runtime, store address(this) at the listed immutable offsets, return it" (solc).
function createxRuntime(rawTx) {
  const tx = ethers.Transaction.from(rawTx);
  const self = ethers.getCreateAddress({ from: tx.from, nonce: tx.nonce });
  const init = Buffer.from(tx.data.slice(2), 'hex');
  const hex = init.toString('hex');
  const m = hex.match(/60805161([0-9a-f]{4})61([0-9a-f]{4})600039/);
  const [len, off] = [parseInt(m[1], 16), parseInt(m[2], 16)];
  const runtime = Buffer.from(init.subarray(off, off + len));
  const word = Buffer.from(ethers.zeroPadValue(self, 32).slice(2), 'hex');
  const refs = hex.slice(hex.indexOf('600039'), off * 2).matchAll(/61([0-9a-f]{4})0152/g);
  for (const r of refs) word.copy(runtime, parseInt(r[1], 16));
  return { address: self, runtime };
}

function derive() {
  const out = {};
  const op = fs.readFileSync(
    path.join(unpack('@eth-optimism/contracts-bedrock@0.17.3'), 'src/libraries/Preinstalls.sol'),
    'utf8',
  );
  out['deterministic-deployment-proxy'] = preinstall(op, 'DeterministicDeploymentProxyCode');
  out['create2deployer'] = preinstall(op, 'Create2DeployerCode');
  out['multicall3'] = preinstall(op, 'MultiCall3Code');
  out['permit2'] = preinstall(op, 'Permit2TemplateCode');

  const safe = require(path.join(unpack('@safe-global/safe-singleton-factory@2.0.0'), 'artifacts/1/deployment.json'));
  const safeInit = Buffer.from(ethers.Transaction.from(safe.transaction).data.slice(2), 'hex');
  out['safe-singleton-factory'] = safeInit.subarray(14); // 604580600e600039806000f350fe ‖ runtime

  const ignition = fs.readFileSync(
    path.join(unpack('@nomicfoundation/ignition-core@3.1.9'), 'src/internal/execution/strategy/createx-artifact.ts'),
    'utf8',
  );
  const createx = createxRuntime(ignition.match(/presignedTx =\s*"(0x[0-9a-f]+)"/)[1]);
  if (createx.address !== '0xba5Ed099633D3B313e4D5F7bdc1305d3c28ba5Ed') throw new Error('CreateX address');
  out['createx'] = createx.runtime;

  const bin = path.join(unpack('hardhat-predeploy@0.4.1'), 'bin');
  out['entrypoint-v0.8'] = fs.readFileSync(path.join(bin, '0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108.bytecode'));
  out['sender-creator-v0.8'] = fs.readFileSync(path.join(bin, '0x449ED7C3e6Fee6a97311d4b55475DF59C44AdD33.bytecode'));
  return out;
}

function main() {
  const write = process.argv.includes('--write');
  let failed = false;
  for (const [name, code] of Object.entries(derive())) {
    const file = path.join(DIR, `${name}.hex`);
    const text = code.toString('hex') + '\n';
    if (write) fs.writeFileSync(file, text);
    const same = fs.readFileSync(file, 'utf8') === text;
    process.stdout.write(`${same ? 'ok ' : 'DIFFERS'} ${name} ${code.length} bytes ${ethers.keccak256(code)}\n`);
    failed ||= !same;
  }
  // WETH9 comes from a deployment record, not a package: only its hash is checked here.
  const weth = fs.readFileSync(path.join(DIR, 'weth9.hex'), 'utf8').trim();
  process.stdout.write(`    weth9 ${weth.length / 2} bytes ${ethers.keccak256('0x' + weth)}\n`);
  return failed ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (e) {
  process.stderr.write(String(e.message || e) + '\n');
  process.exitCode = 1;
} finally {
  for (const dir of unpacked) fs.rmSync(dir, { recursive: true, force: true });
}
