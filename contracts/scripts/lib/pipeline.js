// The contracts build pipeline shared by build.js and check.js: compiles every Solidity source under
// contracts/src (plus OpenZeppelin's ERC1967Proxy) with the pinned solc-js, turns the output into one
// deterministic artifact per contract, and checks storage layouts for upgrade safety.
'use strict';
const fs = require('fs');
const path = require('path');

const CONTRACTS_DIR = path.resolve(__dirname, '..', '..');
const REPO_DIR = path.resolve(CONTRACTS_DIR, '..');
const NODE_MODULES = path.join(REPO_DIR, 'node_modules');
const ARTIFACTS_DIR = path.join(CONTRACTS_DIR, 'out-artifacts');
const LAYOUTS_DIR = path.join(CONTRACTS_DIR, 'storage-layouts');

/// Extra sources compiled alongside contracts/src: the proxy every upgradeable contract sits behind.
const EXTRA_SOURCES = ['@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol'];

/// Contracts whose storage must stay compatible across upgrades: the L1 contracts behind proxies and
/// the L2 system contracts whose state lives at fixed genesis addresses.
const LAYOUT_CHECKED = [
  'OnChainProposer',
  'CommonBridge',
  'AttestationVerifier',
  'L2Bridge',
  'L2Messenger',
  'L2TokenFactory',
  'CanonicalERC20',
];

/// Compiler settings; part of every artifact so a reader can reproduce the bytecode.
const SETTINGS = {
  evmVersion: 'cancun',
  optimizer: { enabled: true, runs: 200 },
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'storageLayout'] },
  },
};

function requireSolc() {
  const solcDir = path.join(NODE_MODULES, 'solc');
  if (!fs.existsSync(solcDir)) {
    throw new Error('node_modules/solc is missing: run `npm ci` at the repository root first');
  }
  return require(solcDir);
}

function listSolidity(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSolidity(full));
    else if (entry.name.endsWith('.sol')) out.push(full);
  }
  return out;
}

/// Source unit name -> file on disk: project sources are relative to contracts/, packages resolve
/// into node_modules.
function resolveSource(unitName) {
  if (unitName.startsWith('@')) return path.join(NODE_MODULES, unitName);
  return path.join(CONTRACTS_DIR, unitName);
}

function compile() {
  const solc = requireSolc();
  const sources = {};
  const own = listSolidity(path.join(CONTRACTS_DIR, 'src')).map((f) => path.relative(CONTRACTS_DIR, f).split(path.sep).join('/'));
  for (const unit of [...own, ...EXTRA_SOURCES]) {
    sources[unit] = { content: fs.readFileSync(resolveSource(unit), 'utf8') };
  }
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const findImports = (unit) => {
    const file = resolveSource(unit);
    return fs.existsSync(file) ? { contents: fs.readFileSync(file, 'utf8') } : { error: 'not found: ' + unit };
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  const warnings = (output.errors || []).filter((e) => e.severity !== 'error');
  if (errors.length > 0) {
    throw new Error('solc failed:\n' + errors.map((e) => e.formattedMessage).join('\n'));
  }
  return { solcVersion: solc.version(), ownSources: own, output, warnings };
}

/// Removes AST ids (e.g. `t_struct(Batch)1234_storage` -> `t_struct(Batch)_storage`) and the
/// per-compilation `astId`/`contract` fields, so a layout only changes when storage really changes.
function normaliseLayout(layout) {
  const stripIds = (s) => s.replace(/(t_(?:struct|contract|enum|userDefinedValueType)\([^)]*\))\d+/g, '$1');
  const entry = (e) => ({ label: e.label, slot: e.slot, offset: e.offset, type: stripIds(e.type) });
  const storage = (layout && layout.storage ? layout.storage : []).map(entry);
  const types = {};
  for (const [id, t] of Object.entries((layout && layout.types) || {}).sort(([a], [b]) => a.localeCompare(b))) {
    const nt = { encoding: t.encoding, label: t.label, numberOfBytes: t.numberOfBytes };
    if (t.key) nt.key = stripIds(t.key);
    if (t.value) nt.value = stripIds(t.value);
    if (t.base) nt.base = stripIds(t.base);
    if (t.members) nt.members = t.members.map(entry);
    types[stripIds(id)] = nt;
  }
  return { storage, types };
}

/// One artifact per contract defined in contracts/src, plus the extra sources' contracts.
function artifacts(compiled) {
  const result = new Map();
  const wanted = new Set([...compiled.ownSources, ...EXTRA_SOURCES]);
  for (const unit of Object.keys(compiled.output.contracts).sort()) {
    if (!wanted.has(unit)) continue;
    for (const name of Object.keys(compiled.output.contracts[unit]).sort()) {
      if (result.has(name)) throw new Error(`two contracts named ${name}; artifact names must be unique`);
      const c = compiled.output.contracts[unit][name];
      result.set(name, {
        contractName: name,
        sourceName: unit,
        compiler: { version: compiled.solcVersion, settings: { evmVersion: SETTINGS.evmVersion, optimizer: SETTINGS.optimizer } },
        abi: c.abi,
        bytecode: '0x' + c.evm.bytecode.object,
        deployedBytecode: '0x' + c.evm.deployedBytecode.object,
        storageLayout: normaliseLayout(c.storageLayout),
      });
    }
  }
  return result;
}

function serialise(value) {
  return JSON.stringify(value, null, 2) + '\n';
}

/// Writes `<Name>.json` for each artifact into `dir`, removing stale artifacts.
function writeArtifacts(dir, arts) {
  fs.mkdirSync(dir, { recursive: true });
  for (const file of fs.readdirSync(dir)) {
    if (file.endsWith('.json') && !arts.has(file.slice(0, -5))) fs.unlinkSync(path.join(dir, file));
  }
  for (const [name, art] of arts) fs.writeFileSync(path.join(dir, name + '.json'), serialise(art));
}

// --------------------------------------------------------------------------------------------------
// Storage layout compatibility
// --------------------------------------------------------------------------------------------------

/// Is `newId` (in `newTypes`) a safe replacement for `oldId` (in `oldTypes`)? `growable` is true where
/// a struct may gain members at its end (a mapping's value: nothing is laid out after it).
function typeCompatible(oldTypes, oldId, newTypes, newId, growable, where, problems) {
  const o = oldTypes[oldId];
  const n = newTypes[newId];
  if (!o || !n) {
    if (oldId !== newId) problems.push(`${where}: type ${oldId} became ${newId}`);
    return;
  }
  if (o.encoding !== n.encoding) {
    problems.push(`${where}: encoding ${o.encoding} became ${n.encoding}`);
    return;
  }
  if (o.members) {
    if (!n.members) {
      problems.push(`${where}: struct ${o.label} became ${n.label}`);
      return;
    }
    if (!growable && o.numberOfBytes !== n.numberOfBytes) {
      problems.push(`${where}: struct ${o.label} changed size (${o.numberOfBytes} -> ${n.numberOfBytes} bytes)`);
    }
    compareEntries(oldTypes, o.members, newTypes, n.members, `${where}.${o.label}`, problems);
    return;
  }
  if (o.encoding === 'mapping') {
    typeCompatible(oldTypes, o.key, newTypes, n.key, false, `${where}[key]`, problems);
    typeCompatible(oldTypes, o.value, newTypes, n.value, true, `${where}[value]`, problems);
    return;
  }
  if (o.base) {
    if (o.numberOfBytes !== n.numberOfBytes) problems.push(`${where}: ${o.label} became ${n.label}`);
    typeCompatible(oldTypes, o.base, newTypes, n.base, false, `${where}[]`, problems);
    return;
  }
  if (o.label !== n.label || o.numberOfBytes !== n.numberOfBytes) {
    problems.push(`${where}: type ${o.label} became ${n.label}`);
  }
}

/// Every old entry must still be at the same slot and offset with a compatible type; new entries may
/// only be appended (or fill space the old layout never used).
function compareEntries(oldTypes, oldEntries, newTypes, newEntries, where, problems) {
  for (const o of oldEntries) {
    const n = newEntries.find((e) => e.slot === o.slot && e.offset === o.offset);
    const sameLabel = newEntries.find((e) => e.label === o.label);
    if (sameLabel && (sameLabel.slot !== o.slot || sameLabel.offset !== o.offset)) {
      problems.push(`${where}.${o.label}: moved from slot ${o.slot}+${o.offset} to slot ${sameLabel.slot}+${sameLabel.offset}`);
      continue;
    }
    if (!n) {
      problems.push(`${where}.${o.label}: removed from slot ${o.slot}+${o.offset}`);
      continue;
    }
    if (n.label !== o.label) problems.push(`${where}: slot ${o.slot}+${o.offset} ${o.label} became ${n.label}`);
    typeCompatible(oldTypes, o.type, newTypes, n.type, false, `${where}.${o.label}`, problems);
  }
}

/// Problems (empty when compatible) of replacing layout `oldLayout` by `newLayout`.
function layoutProblems(name, oldLayout, newLayout) {
  const problems = [];
  compareEntries(oldLayout.types, oldLayout.storage, newLayout.types, newLayout.storage, name, problems);
  return problems;
}

module.exports = {
  ARTIFACTS_DIR,
  LAYOUTS_DIR,
  LAYOUT_CHECKED,
  compile,
  artifacts,
  writeArtifacts,
  serialise,
  layoutProblems,
};
