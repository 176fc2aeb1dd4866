// Compiles one Solidity file with the pinned npm solc and prints
// {"<Contract>": {"abi": [...], "bytecode": "0x..."}} for the end-to-end tests.
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const file = process.argv[2];
if (!file) {
  console.error("usage: node tests/e2e/compile.js <file.sol>");
  process.exit(2);
}
const input = {
  language: "Solidity",
  sources: { [path.basename(file)]: { content: fs.readFileSync(file, "utf8") } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length > 0) {
  console.error(errors.map((e) => e.formattedMessage).join("\n"));
  process.exit(1);
}
const result = {};
for (const contracts of Object.values(output.contracts)) {
  for (const [name, contract] of Object.entries(contracts)) {
    result[name] = { abi: contract.abi, bytecode: "0x" + contract.evm.bytecode.object };
  }
}
process.stdout.write(JSON.stringify(result));
