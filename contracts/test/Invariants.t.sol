// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {BasaltFormats} from "../src/common/BasaltFormats.sol";
import {CommonBridge} from "../src/l1/CommonBridge.sol";
import {OnChainProposer} from "../src/l1/OnChainProposer.sol";
import {IOnChainProposer} from "../src/l1/interfaces/IOnChainProposer.sol";
import {Fixture} from "./utils/Fixture.sol";
import {MerkleTree} from "./utils/MerkleTree.sol";
import {MockVerifier, TestToken} from "./utils/Mocks.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice Drives the L1 contracts the way users, a sequencer, provers, the council and a possibly broken or
///         malicious L2 could: deposits, L1 -> L2 calls, forced withdrawals, batches carrying arbitrary
///         withdrawal and refund messages (more than was deposited too), verification, reverts of non-final
///         batches, claims and time. Keeps ghost totals for the invariants.
contract BridgeHandler is TestBase {
    struct Message {
        address tokenL1;
        address tokenL2;
        address recipient;
        uint256 amount;
        uint256 messageId;
    }

    OnChainProposer internal immutable ROLLUP;
    CommonBridge internal immutable BRIDGE;
    address internal immutable SEQUENCER;
    address internal immutable GOVERNANCE;
    address internal immutable COUNCIL;

    address[3] internal actors = [address(0xA1), address(0xA2), address(0xA3)];
    /// Token pairs: ether, token A through its real L2 token, token A through an impostor, token B, token B
    /// through its canonical L2 token (deposited with the canonical entry).
    address[2][5] public pairs;
    uint256 public constant PAIRS = 5;

    mapping(address tokenL1 => mapping(address tokenL2 => uint256)) public deposited;
    mapping(address tokenL1 => mapping(address tokenL2 => uint256)) public claimedTotal;
    mapping(uint256 batch => Message[]) internal _messages;
    mapping(uint256 batch => uint256 firstPrivilegedId) public sliceStart;
    /// Deposits made, so that batches can refund them exactly (what the L2 bridge does on a failure).
    Message[] internal _deposits;
    uint256 internal nextMessageId = 1;
    uint256 public claims;
    uint256 public reverts;

    constructor(OnChainProposer rollup_, CommonBridge bridge_, address sequencer, address governance, address council) {
        ROLLUP = rollup_;
        BRIDGE = bridge_;
        SEQUENCER = sequencer;
        GOVERNANCE = governance;
        COUNCIL = council;
        TestToken a = new TestToken();
        TestToken b = new TestToken();
        pairs[0] = [BasaltFormats.ETH_TOKEN, BasaltFormats.ETH_TOKEN];
        pairs[1] = [address(a), address(0x7A2)];
        pairs[2] = [address(a), address(0xBAD2)];
        pairs[3] = [address(b), address(0x7B2)];
        pairs[4] = [address(b), BasaltFormats.canonicalL2Token(address(b))];
        for (uint256 i = 0; i < actors.length; i++) {
            vm.deal(actors[i], 1_000_000 ether);
            a.mint(actors[i], 1e30);
            b.mint(actors[i], 1e30);
            vm.prank(actors[i]);
            a.approve(address(bridge_), type(uint256).max);
            vm.prank(actors[i]);
            b.approve(address(bridge_), type(uint256).max);
        }
    }

    // ---------------------------------------------------------------- L1 -> L2

    function deposit(uint256 actor, uint256 pair, uint256 amount) external {
        address who = actors[actor % actors.length];
        address[2] memory p = pairs[pair % PAIRS];
        amount = 1e14 + amount % 10 ether;
        vm.prank(who, who);
        if (p[0] == BasaltFormats.ETH_TOKEN) {
            BRIDGE.deposit{value: amount}(who);
        } else if (p[1] == BasaltFormats.canonicalL2Token(p[0])) {
            BRIDGE.depositERC20(p[0], who, amount);
        } else {
            BRIDGE.depositERC20(p[0], p[1], who, amount);
        }
        deposited[p[0]][p[1]] += amount;
        _deposits.push(Message(p[0], p[1], who, amount, 0));
    }

    function sendToL2(uint256 actor, uint256 mint, uint256 value, uint256 gasLimit) external {
        address who = actors[actor % actors.length];
        mint = mint % 5 ether;
        vm.prank(who, who);
        BRIDGE.sendToL2{value: mint}(address(0xD00D), value % 5 ether, 21_000 + gasLimit % 100_000, "");
        deposited[BasaltFormats.ETH_TOKEN][BasaltFormats.ETH_TOKEN] += mint;
    }

    function forceWithdraw(uint256 actor, uint256 amount) external {
        address who = actors[actor % actors.length];
        vm.prank(who, who);
        BRIDGE.forceWithdrawETH(who, 1 + amount % 10 ether);
    }

    // ---------------------------------------------------------------- sequencer, provers, council

    /// Commits the next batch with up to 3 messages and some of the pending privileged transactions. A
    /// message is either the refund of an earlier deposit (its pair, sender and amount) or a withdrawal of
    /// any pair and amount (the L2 may be broken or malicious).
    function commit(uint256 privileged, uint256 ordinary, uint256 seed) external {
        uint256 batch = ROLLUP.lastCommittedBatch() + 1;
        uint256 first = ROLLUP.nextCommittedPrivilegedTxId();
        uint256 count = privileged % (BRIDGE.nextPrivilegedTxId() - first + 1);
        bytes32 rolling = BRIDGE.pendingTxsRollingHash(first, count);
        uint256 messageCount = seed % 4;
        bytes32[] memory leaves = new bytes32[](messageCount);
        delete _messages[batch];
        for (uint256 i = 0; i < messageCount; i++) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            Message memory m;
            if (r % 2 == 0 && _deposits.length != 0) {
                m = _deposits[(r >> 8) % _deposits.length];
            } else {
                address[2] memory p = pairs[r % PAIRS];
                m = Message(p[0], p[1], actors[(r >> 8) % actors.length], 1 + (r >> 16) % 15 ether, 0);
            }
            m.messageId = nextMessageId++;
            _messages[batch].push(m);
            leaves[i] = BRIDGE.withdrawalLeaf(m.tokenL1, m.tokenL2, m.recipient, m.amount, m.messageId);
        }
        vm.prank(SEQUENCER);
        ROLLUP.commitBatch(
            batch, keccak256(abi.encode("root", batch, seed)), MerkleTree.root(leaves), rolling, bytes32(seed), uint64(ordinary % 3)
        );
        sliceStart[batch] = first;
    }

    function verify(uint256 count) external {
        uint256 first = ROLLUP.lastVerifiedBatch() + 1;
        uint256 available = ROLLUP.lastCommittedBatch() + 1 - first;
        if (available == 0) return;
        count = 1 + count % available;
        bytes[][] memory proofs = new bytes[][](count);
        for (uint256 i = 0; i < count; i++) {
            proofs[i] = new bytes[](1);
            proofs[i][0] = "ok";
        }
        ROLLUP.verifyBatches(first, proofs);
    }

    /// Pause, revert from a non-final batch on, unpause (governance, so no cooldown gets in the way).
    function revertBatches(uint256 from) external {
        uint256 last = ROLLUP.lastCommittedBatch();
        if (last == 0) return;
        uint256 batch = 1 + from % last;
        if (ROLLUP.isBatchFinal(batch)) return;
        vm.startPrank(GOVERNANCE);
        ROLLUP.pause();
        ROLLUP.revertBatch(batch);
        ROLLUP.unpause();
        vm.stopPrank();
        for (uint256 b = batch; b <= last; b++) {
            delete _messages[b];
        }
        reverts++;
    }

    function claim(uint256 batchSeed, uint256 index) external {
        uint256 last = ROLLUP.lastVerifiedBatch();
        if (last == 0) return;
        uint256 batch = 1 + batchSeed % last;
        Message[] storage ms = _messages[batch];
        if (ms.length == 0) return;
        index = index % ms.length;
        bytes32[] memory leaves = new bytes32[](ms.length);
        for (uint256 i = 0; i < ms.length; i++) {
            leaves[i] = BRIDGE.withdrawalLeaf(ms[i].tokenL1, ms[i].tokenL2, ms[i].recipient, ms[i].amount, ms[i].messageId);
        }
        Message memory m = ms[index];
        bytes32[] memory proof = MerkleTree.proof(leaves, index);
        if (m.tokenL1 == BasaltFormats.ETH_TOKEN) {
            BRIDGE.claimWithdrawal(m.recipient, m.amount, batch, m.messageId, proof);
        } else {
            BRIDGE.claimWithdrawalERC20(m.tokenL1, m.tokenL2, m.recipient, m.amount, batch, m.messageId, proof);
        }
        claimedTotal[m.tokenL1][m.tokenL2] += m.amount;
        claims++;
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + seconds_ % 2 days);
    }
}

/// @notice Issue 9 "must show": under random deposits, calls, forced withdrawals, commits with arbitrary
///         messages (refunds included), verification, batch reverts and claims, per-pair claims never exceed
///         deposits, and the queue, rolling hashes and commit/revert bookkeeping stay consistent.
contract BridgeInvariantsTest is Fixture {
    BridgeHandler internal handler;

    function setUp() public {
        finalizationDelay = 1 days; // so that reverts of verified, non-final batches happen too
        deploySystem(true, false);
        MockVerifier mock = new MockVerifier(false);
        vm.prank(governance);
        rollup.setVerifier(1, address(mock));
        handler = new BridgeHandler(rollup, bridge, sequencer, governance, council);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_claimsNeverExceedDepositsPerPair() public view {
        uint256 ethHeld = 0;
        for (uint256 i = 0; i < handler.PAIRS(); i++) {
            (address l1, address l2) = (pair(i, 0), pair(i, 1));
            uint256 deposited = handler.deposited(l1, l2);
            uint256 claimed = handler.claimedTotal(l1, l2);
            assertTrue(claimed <= deposited, "claimed more than deposited for a pair");
            assertEq(bridge.deposits(l1, l2), deposited - claimed, "bridge accounting");
            if (l1 == BasaltFormats.ETH_TOKEN) ethHeld += deposited - claimed;
        }
        assertEq(address(bridge).balance, ethHeld, "ether held = ether owed");
        address tokenA = pair(1, 0);
        assertEq(
            TestToken(tokenA).balanceOf(address(bridge)),
            bridge.deposits(tokenA, pair(1, 1)) + bridge.deposits(tokenA, pair(2, 1)),
            "token A held = owed across its pairs"
        );
    }

    function invariant_queueAndCommitmentsStayConsistent() public view {
        uint256 head = bridge.privilegedTxHead();
        uint256 committed = rollup.nextCommittedPrivilegedTxId();
        uint256 next = bridge.nextPrivilegedTxId();
        assertTrue(head <= committed && committed <= next, "head <= committed <= queued");
        uint256 lastVerified = rollup.lastVerifiedBatch();
        uint256 lastCommitted = rollup.lastCommittedBatch();
        assertTrue(lastVerified <= lastCommitted, "verified <= committed");

        // Unverified batches cover consecutive slices from the head, each matching its rolling hash.
        uint256 start = head;
        for (uint256 b = lastVerified + 1; b <= lastCommitted; b++) {
            IOnChainProposer.BatchCommitment memory c = rollup.getBatch(b);
            uint256 count = uint256(c.privilegedRollingHash) >> 240;
            bytes32[] memory hashes = new bytes32[](count);
            for (uint256 i = 0; i < count; i++) {
                hashes[i] = bridge.privilegedTxHash(start + i);
            }
            assertEq(BasaltFormats.rollingHash(hashes), c.privilegedRollingHash, "rolling hash of the slice");
            assertEq(handler.sliceStart(b), start, "slice start");
            assertEq(bridge.l1MessagesRoot(b), bytes32(0), "nothing claimable from an unverified batch");
            assertTrue(c.newStateRoot != bytes32(0) && c.finalizedAt == 0, "committed, not verified");
            start += count;
        }
        assertEq(start, committed, "slices end where the committed part of the queue ends");
        assertEq(rollup.getBatch(lastCommitted + 1).newStateRoot, bytes32(0), "nothing above the last commit");

        // Verified batches become final in order; deadlines never decrease along the queue.
        for (uint256 b = 1; b <= lastVerified; b++) {
            assertTrue(rollup.getBatch(b).finalizedAt >= rollup.getBatch(b - 1).finalizedAt, "finality in order");
        }
        for (uint256 id = 1; id < next; id++) {
            assertTrue(bridge.privilegedTxDeadline(id) >= bridge.privilegedTxDeadline(id - 1), "monotone deadlines");
        }
    }

    function pair(uint256 i, uint256 side) internal view returns (address) {
        return handler.pairs(i, side);
    }
}
