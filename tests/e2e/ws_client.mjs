// End-to-end check of a dev L1 (`basalt l1`, or anvil for comparison) with ethers v6.
//
//   node tests/e2e/ws_client.mjs <http-url> <ws-url>
//
// Over WebSocket: subscribes to `newHeads` and to `logs` (address and topic filters) with
// `eth_subscribe`, deploys Store and StoreBatch, sends transactions that emit events, and checks
// every notification against `eth_getBlockByNumber`, the receipts and `eth_getLogs`; also the
// ethers-level `provider.on("block")` and `contract.on("Stored")` listeners, and
// `eth_unsubscribe`. Over HTTP: `eth_call` (latest and historical), `estimateGas`, and that
// reverts (custom error, revert string, mined failure) reach ethers with their revert data.
//
// Prints "ok (<seconds>): ..." per passed check and "all checks passed", exiting 0; or prints
// "FAIL: <what>" with the evidence and exits 1 (also after 25 s without finishing).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  ContractFactory,
  Interface,
  JsonRpcProvider,
  Wallet,
  WebSocketProvider,
  getCreateAddress,
  id,
  toQuantity,
  zeroPadValue,
} from "ethers";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TIMEOUT_MS = 25_000;
const CHAIN_ID = 31337n;
// The first two accounts of the "test test ... junk" dev mnemonic (well-known test keys).
const KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
];
const HEADER_FIELDS = [
  "number",
  "hash",
  "parentHash",
  "timestamp",
  "gasLimit",
  "gasUsed",
  "baseFeePerGas",
  "miner",
  "stateRoot",
  "transactionsRoot",
  "receiptsRoot",
  "logsBloom",
  "extraData",
  "difficulty",
  "sha3Uncles",
  "mixHash",
  "nonce",
];
const LOG_FIELDS = [
  "address",
  "topics",
  "data",
  "blockNumber",
  "blockHash",
  "transactionHash",
  "transactionIndex",
  "logIndex",
  "removed",
];

class CheckFailed extends Error {}

// Every id `eth_subscribe` returned, checked for their form at the end.
const subscriptionIds = [];

function check(condition, message, detail) {
  if (!condition) {
    const extra = detail === undefined ? "" : `\n  ${stringify(detail)}`;
    throw new CheckFailed(message + extra);
  }
}

const STARTED = Date.now();

function ok(message) {
  console.log(`ok (${((Date.now() - STARTED) / 1000).toFixed(1)} s): ${message}`);
}

function stringify(value) {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v));
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Resolves when `predicate()` holds, or fails the check after `ms`.
async function waitFor(predicate, ms, message, detail) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) check(false, `timed out: ${message}`, detail?.());
    await sleep(25);
  }
}

// Compiles contracts/<file> for each file, in one solc-js run (loading solc-js is the slow part).
function compile(files) {
  const require = createRequire(import.meta.url);
  const solc = require("solc");
  const sources = Object.fromEntries(files.map((f) => [f, { content: readFileSync(path.join(HERE, "contracts", f), "utf8") }]));
  const input = {
    language: "Solidity",
    sources,
    settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  check(errors.length === 0, "the e2e contracts compile", errors.map((e) => e.formattedMessage));
  const artifacts = {};
  for (const contracts of Object.values(output.contracts)) {
    for (const [name, c] of Object.entries(contracts)) artifacts[name] = { abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
  }
  return artifacts;
}

function lower(value) {
  return typeof value === "string" ? value.toLowerCase() : value;
}

// Fields of `got` that differ from `want` (compared case-insensitively for hex strings).
function differences(got, want, fields) {
  const diffs = [];
  for (const field of fields) {
    const a = got[field];
    const b = want[field];
    const same = Array.isArray(a) && Array.isArray(b) ? stringify(a.map(lower)) === stringify(b.map(lower)) : lower(a) === lower(b);
    if (!same) diffs.push(`${field}: notification ${stringify(a)} vs expected ${stringify(b)}`);
  }
  return diffs;
}

// Raw subscription through ethers' socket provider: `eth_subscribe` with `params`, each
// notification's `result` is pushed to the returned array, unparsed (ethers' own subscribers
// keep only the block number of a header). `_register` is the hook ethers documents for
// extending its socket subscriptions.
async function subscribeRaw(provider, params) {
  const subscriptionId = await provider.send("eth_subscribe", params);
  check(subscriptionId != null, `eth_subscribe ${stringify(params)} returned a subscription id`, subscriptionId);
  subscriptionIds.push(subscriptionId);
  const received = [];
  provider._register(subscriptionId, { _handleMessage: (message) => received.push(message) });
  return { id: subscriptionId, received };
}

async function expectRevert(what, promise, verify) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  check(error !== undefined, `${what}: expected a revert, got success`);
  try {
    verify(error);
  } catch (e) {
    if (e instanceof CheckFailed) {
      e.message += `\n  ethers error: code=${error.code} data=${error.data} reason=${error.reason} revert=${stringify(error.revert)} message=${error.shortMessage ?? error.message}`;
      e.message += `\n  error.info: ${stringify(error.info)}`;
    }
    throw e;
  }
  ok(what);
  return error;
}

async function main() {
  const [httpUrl, wsUrl] = process.argv.slice(2);
  if (!httpUrl || !wsUrl) {
    console.error("usage: node tests/e2e/ws_client.mjs <http-url> <ws-url>");
    process.exit(2);
  }
  const artifacts = compile(["Store.sol", "StoreBatch.sol"]);
  const storeAbi = new Interface(artifacts.Store.abi);
  const storedTopic = id("Stored(address,uint256)");
  check(storeAbi.getEvent("Stored").topicHash === storedTopic, "Stored topic");

  // No request cache (ethers shares identical requests for 250 ms by default): the checks read
  // state, and wallets read their pending nonce, right after changing it.
  const ws = new WebSocketProvider(wsUrl, undefined, { cacheTimeout: -1 });
  const http = new JsonRpcProvider(httpUrl, undefined, { cacheTimeout: -1, pollingInterval: 100 });
  try {
    await run({ ws, http, httpUrl, artifacts, storeAbi, storedTopic });
  } finally {
    await ws.destroy().catch(() => {});
    http.destroy();
  }
}

async function run({ ws, http, httpUrl, artifacts, storeAbi, storedTopic }) {
  const wsNetwork = await ws.getNetwork();
  const httpNetwork = await http.getNetwork();
  check(wsNetwork.chainId === CHAIN_ID, "chain id over WebSocket", wsNetwork.chainId);
  check(httpNetwork.chainId === CHAIN_ID, "chain id over HTTP", httpNetwork.chainId);
  ok(`chain id ${CHAIN_ID} over WebSocket and HTTP`);

  const [alice, bob] = KEYS.map((key) => new Wallet(key, ws));
  const accounts = (await http.send("eth_accounts", [])).map((a) => a.toLowerCase());
  check(accounts.includes(alice.address.toLowerCase()) && accounts.includes(bob.address.toLowerCase()), "eth_accounts lists the first two dev accounts", accounts);

  // The Store's address is known before it exists, so its log subscriptions start first.
  const aliceNonce = await ws.getTransactionCount(alice.address, "latest");
  const storeAddress = getCreateAddress({ from: alice.address, nonce: aliceNonce });
  const heads = await subscribeRaw(ws, ["newHeads"]);
  const storeLogs = await subscribeRaw(ws, ["logs", { address: storeAddress }]);
  const bobLogs = await subscribeRaw(ws, ["logs", { address: storeAddress, topics: [storedTopic, zeroPadValue(bob.address, 32)] }]);
  const startBlock = await http.getBlockNumber();
  ok(`subscribed to newHeads and logs of ${storeAddress} (from block ${startBlock})`);

  // Deploy Store (at the predicted address), a second Store (whose logs the filter excludes)
  // and StoreBatch.
  const storeFactory = new ContractFactory(artifacts.Store.abi, artifacts.Store.bytecode, alice);
  const store = await storeFactory.deploy();
  const deployReceipt = await store.deploymentTransaction().wait();
  check(lower(await store.getAddress()) === lower(storeAddress), "Store deployed at the predicted address", [await store.getAddress(), storeAddress]);
  check(deployReceipt.status === 1, "deployment succeeded", deployReceipt);
  const code = await http.getCode(storeAddress);
  check(code.length > 2, "Store has code", code);
  const other = await storeFactory.deploy();
  await other.deploymentTransaction().wait();
  const batch = await new ContractFactory(artifacts.StoreBatch.abi, artifacts.StoreBatch.bytecode, alice).deploy();
  await batch.deploymentTransaction().wait();
  ok(`deployed Store at ${storeAddress}, another Store, and StoreBatch`);

  // ethers-level listeners, on top of the same WebSocket subscriptions machinery.
  const blockEvents = [];
  await ws.on("block", (n) => blockEvents.push(n));
  const storedEvents = [];
  await store.on("Stored", (who, value, payload) => storedEvents.push({ who, value, log: payload.log }));
  // Make sure both listeners are live before the transactions: mine an empty block and wait
  // until the block listener has seen it.
  await ws.send("eth_blockNumber", []);
  await http.send("evm_mine", []);
  const markBlock = await http.getBlockNumber();
  await waitFor(() => blockEvents.includes(markBlock), 5000, `provider.on("block") reports block ${markBlock}`, () => blockEvents);

  // Transactions that emit events.
  const sent = [];
  const send = async (label, promise) => {
    const tx = await promise;
    const receipt = await tx.wait();
    check(receipt.status === 1, `${label} succeeded`, receipt);
    sent.push({ label, receipt });
    return receipt;
  };
  await send("alice set(1)", store.set(1));
  await send("bob set(2)", store.connect(bob).set(2));
  await send("other store set(99)", other.set(99));
  await send("batch setMany(5, 6, 7)", batch.setMany(storeAddress, [5, 6, 7]));
  await send("alice set(3)", store.set(3));
  const lastBlock = await http.getBlockNumber();
  ok(`${sent.length} transactions mined, up to block ${lastBlock}`);

  // newHeads: one notification per block, identical to eth_getBlockByNumber.
  await waitFor(
    () => heads.received.some((h) => Number(h.number) === lastBlock),
    5000,
    `newHeads reaches block ${lastBlock}`,
    () => heads.received.map((h) => h.number),
  );
  const numbers = heads.received.map((h) => Number(h.number));
  check(numbers[0] === startBlock + 1, `first newHeads notification is block ${startBlock + 1}`, numbers);
  check(
    numbers.every((n, i) => n === numbers[0] + i),
    "newHeads numbers are consecutive, without gaps or repeats",
    numbers,
  );
  let previous = null;
  for (const head of heads.received) {
    const block = await http.send("eth_getBlockByNumber", [head.number, false]);
    check(block !== null, `eth_getBlockByNumber(${head.number}) finds the notified block`);
    const missing = HEADER_FIELDS.filter((f) => !(f in head));
    check(missing.length === 0, `newHeads notification for block ${Number(head.number)} has the header fields`, { missing, head });
    const common = Object.keys(head).filter((f) => f in block);
    const diffs = differences(head, block, common);
    check(diffs.length === 0, `newHeads notification for block ${Number(head.number)} matches eth_getBlockByNumber`, diffs);
    if (previous) check(lower(head.parentHash) === lower(previous.hash), `block ${Number(head.number)}'s parentHash is the previous notification's hash`);
    previous = head;
  }
  for (const { label, receipt } of sent) {
    const head = heads.received.find((h) => Number(h.number) === receipt.blockNumber);
    check(head && lower(head.hash) === lower(receipt.blockHash), `newHeads announced ${label}'s block ${receipt.blockNumber} with the receipt's block hash`, head);
  }
  ok(`${heads.received.length} newHeads notifications match eth_getBlockByNumber (number, hash and every other field)`);
  await waitFor(() => blockEvents.includes(lastBlock), 5000, `provider.on("block") reaches ${lastBlock}`, () => blockEvents);
  ok(`ethers provider.on("block") saw blocks ${blockEvents[0]}..${blockEvents[blockEvents.length - 1]}`);

  // logs: exactly the Store's logs of the receipts, in order, field for field.
  const rawReceipts = [];
  for (const { receipt } of sent) rawReceipts.push(await http.send("eth_getTransactionReceipt", [receipt.hash]));
  const allLogs = rawReceipts.flatMap((r) => r.logs);
  const expected = allLogs.filter((l) => lower(l.address) === lower(storeAddress));
  check(expected.length === 6, "the receipts hold 6 Store logs", expected);
  const batchReceipt = rawReceipts[3];
  check(batchReceipt.logs.length === 4 && Number(batchReceipt.logs[1].logIndex) === 1, "the batch receipt has the Batched log and 3 Stored logs (log index 0..3)", batchReceipt.logs);
  const describeLogs = () => ({ got: storeLogs.received, expected });
  await waitFor(() => storeLogs.received.length >= expected.length, 5000, `${expected.length} log notifications for ${storeAddress}`, describeLogs);
  await sleep(200); // anything extra (from the other Store or StoreBatch) would have arrived by now
  check(storeLogs.received.length === expected.length, "no log notifications beyond the Store's (address filter holds)", describeLogs());
  expected.forEach((want, i) => {
    const got = storeLogs.received[i];
    const missing = LOG_FIELDS.filter((f) => !(f in got));
    check(missing.length === 0, `log notification ${i} has the log fields`, { missing, got });
    const diffs = differences(got, want, LOG_FIELDS);
    check(diffs.length === 0, `log notification ${i} matches receipt log (tx ${want.transactionHash}, logIndex ${want.logIndex})`, diffs);
    check(got.removed === false, `log notification ${i} is not removed`, got);
    const decoded = storeAbi.parseLog(got);
    check(decoded?.name === "Stored", `log notification ${i} decodes as Stored`, got);
  });
  ok(`${expected.length} logs notifications match the receipts (address, topics, data, blockNumber, blockHash, transactionHash, transactionIndex, logIndex)`);

  const bobExpected = expected.filter((l) => lower(l.topics[1]) === lower(zeroPadValue(bob.address, 32)));
  await waitFor(() => bobLogs.received.length >= bobExpected.length, 5000, "log notifications with a topic filter", () => bobLogs.received);
  check(bobLogs.received.length === 1 && bobExpected.length === 1, "the topic-filtered subscription got only bob's log", bobLogs.received);
  const bobDiffs = differences(bobLogs.received[0], bobExpected[0], LOG_FIELDS);
  check(bobDiffs.length === 0, "topic-filtered notification matches bob's receipt log", bobDiffs);
  ok("logs subscription with address + topics filter delivered exactly bob's log");

  const viaGetLogs = await http.send("eth_getLogs", [{ address: storeAddress, fromBlock: toQuantity(startBlock + 1), toBlock: "latest" }]);
  check(viaGetLogs.length === expected.length, "eth_getLogs returns the same logs as the subscription", viaGetLogs);
  viaGetLogs.forEach((l, i) => {
    const diffs = differences(storeLogs.received[i], l, LOG_FIELDS);
    check(diffs.length === 0, `eth_getLogs log ${i} matches the notification`, diffs);
  });
  ok("eth_getLogs agrees with the logs subscription");

  await waitFor(() => storedEvents.length >= expected.length, 5000, 'contract.on("Stored") sees every Stored event', () => storedEvents);
  const whoValues = storedEvents.map((e) => [lower(e.who), Number(e.value)]);
  const batchAddress = lower(await batch.getAddress());
  const wantWhoValues = [
    [lower(alice.address), 1],
    [lower(bob.address), 2],
    [batchAddress, 5],
    [batchAddress, 6],
    [batchAddress, 7],
    [lower(alice.address), 3],
  ];
  check(stringify(whoValues) === stringify(wantWhoValues), 'contract.on("Stored") decoded (who, value) in order', { got: whoValues, want: wantWhoValues });
  storedEvents.forEach((e, i) => {
    check(e.log.transactionHash === expected[i].transactionHash && e.log.index === Number(expected[i].logIndex) && e.log.blockNumber === Number(expected[i].blockNumber), `contract.on("Stored") event ${i} carries the receipt's tx hash, log index and block`, e.log);
  });
  ok('ethers contract.on("Stored") decoded every event with the receipt\'s position');

  // eth_unsubscribe: true, and the subscription goes quiet.
  const unsubscribed = await ws.send("eth_unsubscribe", [heads.id]);
  check(unsubscribed === true, "eth_unsubscribe returns true", unsubscribed);
  const headsBefore = heads.received.length;
  await http.send("evm_mine", []);
  const minedAfter = await http.getBlockNumber();
  await waitFor(() => blockEvents.includes(minedAfter), 5000, "the ethers block listener still runs after the raw unsubscribe", () => blockEvents);
  await sleep(200);
  check(heads.received.length === headsBefore, "no newHeads notification after eth_unsubscribe", heads.received.slice(headsBefore));
  const again = await ws.send("eth_unsubscribe", [heads.id]);
  check(again === false, "a second eth_unsubscribe of the same id returns false", again);
  ok("eth_unsubscribe stops the subscription");
  await ws.removeAllListeners();

  await httpChecks({ http, httpUrl, store, storeAbi, sent });

  // Last, so that a wrong id form does not hide the checks above (ethers copes with either).
  check(
    subscriptionIds.every((s) => typeof s === "string" && /^0x[0-9a-f]+$/i.test(s)),
    "eth_subscribe returns 0x-prefixed hex string subscription ids (as geth, reth and anvil do)",
    subscriptionIds,
  );
  ok(`subscription ids are hex strings (${subscriptionIds.join(", ")})`);
}

async function httpChecks({ http, httpUrl, store: wsStore, storeAbi, sent }) {
  const alice = new Wallet(KEYS[0], http);
  const store = wsStore.connect(alice);
  const storeAddress = await store.getAddress();

  // eth_call, latest and at an earlier block.
  check((await store.value()) === 3n, "value() is 3 after the last set", await store.value());
  const bobBlock = sent.find((s) => s.label === "bob set(2)").receipt.blockNumber;
  const atBob = await store.value({ blockTag: bobBlock });
  check(atBob === 2n, `value() at block ${bobBlock} is 2`, atBob);
  ok("eth_call value() at latest and at an earlier block");

  // estimateGas, then a transaction with exactly that limit.
  const transferEstimate = await http.estimateGas({ from: alice.address, to: "0x000000000000000000000000000000000000dEaD", value: 1n });
  check(transferEstimate === 21000n, "estimateGas of a plain transfer is 21000", transferEstimate);
  const estimate = await store.set.estimateGas(42);
  check(estimate > 21000n && estimate < 200000n, "estimateGas of set(42) is plausible", estimate);
  const receipt = await (await store.set(42, { gasLimit: estimate })).wait();
  check(receipt.status === 1, "set(42) with the estimated gas limit succeeds", receipt);
  check(receipt.gasUsed <= estimate, "gas used is within the estimate", [receipt.gasUsed, estimate]);
  check((await store.value()) === 42n, "value() is 42 after set(42)");
  ok(`estimateGas: transfer 21000, set(42) ${estimate} (used ${receipt.gasUsed})`);

  // A custom error reaches ethers with its revert data, from eth_call and eth_estimateGas.
  const tooLarge = storeAbi.encodeErrorResult("TooLarge", [2_000_000, 1_000_000]);
  const isTooLarge = (e) => {
    check(e.code === "CALL_EXCEPTION", "ethers reports CALL_EXCEPTION");
    check(lower(e.data) === lower(tooLarge), "the error carries the TooLarge revert data", { got: e.data, want: tooLarge });
    // ethers decodes it itself for contract calls; for gas estimates the ABI decodes the data.
    const decoded = e.revert ?? storeAbi.parseError(e.data);
    check(decoded?.name === "TooLarge" && stringify(decoded.args) === stringify([2000000n, 1000000n]), "the revert decodes as TooLarge(2000000, 1000000)", decoded);
  };
  await expectRevert("eth_call set(2000000) reverts with TooLarge revert data", store.set.staticCall(2_000_000), isTooLarge);
  await expectRevert("estimateGas set(2000000) reverts with TooLarge revert data", store.set.estimateGas(2_000_000), isTooLarge);
  await expectRevert("sending set(2000000) fails before broadcast with TooLarge revert data", store.set(2_000_000), isTooLarge);

  // The raw JSON-RPC error of the same call, as geth and anvil shape it.
  const callData = storeAbi.encodeFunctionData("set", [2_000_000]);
  const response = await fetch(httpUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_call", params: [{ from: alice.address, to: storeAddress, data: callData }, "latest"] }),
  });
  const raw = await response.json();
  check(raw.error && raw.error.code === 3 && lower(raw.error.data) === lower(tooLarge) && /revert/i.test(raw.error.message), "raw eth_call error is {code: 3, message: 'execution reverted...', data: <revert data>}", raw);
  ok(`raw eth_call error: ${stringify(raw.error)}`);

  // A revert string.
  await expectRevert('eth_call fail() reverts with "store says no"', store.fail.staticCall(), (e) => {
    check(e.code === "CALL_EXCEPTION", "ethers reports CALL_EXCEPTION");
    check(e.reason === "store says no", "reason is the revert string");
    check(e.revert?.name === "Error", "revert decodes as Error(string)");
  });

  // A reverting transaction that is mined anyway (explicit gas limit skips the estimate).
  const failing = await store.set(2_000_000, { gasLimit: 100_000 });
  const failed = await expectRevert("a mined set(2000000) has status 0 and tx.wait() throws", failing.wait(), (e) => {
    check(e.code === "CALL_EXCEPTION", "ethers reports CALL_EXCEPTION");
    check(e.receipt?.status === 0, "the receipt has status 0", e.receipt);
  });
  check(failed.receipt.logs.length === 0, "a reverted transaction has no logs", failed.receipt.logs);
  check((await store.value()) === 42n, "value() is unchanged by the reverted transaction");
  ok("reverted transaction mined with status 0 and no state change");
}

const watchdog = setTimeout(() => {
  console.error(`FAIL: the checks did not finish within ${TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, TIMEOUT_MS);

main()
  .then(() => {
    clearTimeout(watchdog);
    console.log("all checks passed");
    process.exit(0);
  })
  .catch((e) => {
    clearTimeout(watchdog);
    console.error(e instanceof CheckFailed ? `FAIL: ${e.message}` : `FAIL: unexpected error: ${e?.stack ?? e}`);
    process.exit(1);
  });
