// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {CommonBridge} from "../src/l1/CommonBridge.sol";
import {ICommonBridge} from "../src/l1/interfaces/ICommonBridge.sol";
import {IL2Bridge} from "../src/l2/interfaces/IL2Bridge.sol";
import {BasaltFormats} from "../src/common/BasaltFormats.sol";
import {Fixture} from "./utils/Fixture.sol";
import {MerkleTree} from "./utils/MerkleTree.sol";
import {
    ContractCaller, FeeOnTransferToken, ReentrantClaimer, ReentrantToken, TestToken
} from "./utils/Mocks.sol";

contract CommonBridgeTest is Fixture {
    address internal constant ETH = BasaltFormats.ETH_TOKEN;
    address internal constant L2_BRIDGE = BasaltFormats.L2_BRIDGE;
    address internal constant TOKEN_L2 = address(0x7012);

    TestToken internal token;

    function setUp() public {
        deploySystem(false, false);
        token = new TestToken();
        token.mint(user, 1_000e18);
        vm.prank(user);
        token.approve(address(bridge), type(uint256).max);
    }

    // ---------------------------------------------------------------- initialisation

    function test_initialize_setsConfiguration() public view {
        assertEq(bridge.owner(), governance, "owner");
        assertEq(bridge.rollup(), address(rollup), "rollup");
        assertEq(bridge.l2ChainId(), L2_CHAIN_ID, "chain id");
        assertEq(bridge.securityCouncil(), council, "council");
        assertEq(bridge.depositGasLimit(), DEPOSIT_GAS, "deposit gas");
        assertEq(bridge.maxL2GasLimit(), MAX_L2_GAS, "max gas");
        assertEq(bridge.inclusionPeriod(), INCLUSION_PERIOD, "inclusion period");
        assertEq(bridge.L2_BRIDGE(), L2_BRIDGE, "l2 bridge");
        assertEq(bridge.ETH_TOKEN(), ETH, "eth token");
        assertEq(bridge.l2BlockGasLimit(), L2_BLOCK_GAS, "l2 block gas");
        assertEq(bridge.inclusionClock(), block.timestamp, "clock runs with time until a pause");
    }

    function _init(address owner_, address rollup_, uint256 depositGas, uint256 maxGas, uint256 blockGas, uint256 period)
        internal
        view
        returns (bytes memory)
    {
        return abi.encodeCall(
            CommonBridge.initialize, (owner_, rollup_, L2_CHAIN_ID, council, depositGas, maxGas, blockGas, period)
        );
    }

    function test_initialize_rejectsBadParameters() public {
        address impl = address(new CommonBridge());
        address r = address(rollup);
        uint256 minDeposit = bridge.MIN_DEPOSIT_GAS_LIMIT();
        uint256 cap = bridge.MAX_TX_GAS_LIMIT();
        vm.expectRevert(ICommonBridge.ZeroAddress.selector);
        new ERC1967Proxy(impl, _init(address(0), r, DEPOSIT_GAS, MAX_L2_GAS, L2_BLOCK_GAS, 1 days));
        vm.expectRevert(ICommonBridge.ZeroAddress.selector);
        new ERC1967Proxy(impl, _init(governance, address(0), DEPOSIT_GAS, MAX_L2_GAS, L2_BLOCK_GAS, 1 days));
        // A deposit must afford its own intrinsic gas, a mint and a refund.
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        new ERC1967Proxy(impl, _init(governance, r, minDeposit - 1, MAX_L2_GAS, L2_BLOCK_GAS, 1 days));
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        new ERC1967Proxy(impl, _init(governance, r, DEPOSIT_GAS, DEPOSIT_GAS - 1, L2_BLOCK_GAS, 1 days));
        // The largest L2 call must fit an L2 block and the EIP-7825 transaction cap.
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        new ERC1967Proxy(impl, _init(governance, r, DEPOSIT_GAS, MAX_L2_GAS, MAX_L2_GAS - 1, 1 days));
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        new ERC1967Proxy(impl, _init(governance, r, DEPOSIT_GAS, cap + 1, 100_000_000, 1 days));
        new ERC1967Proxy(impl, _init(governance, r, minDeposit, cap, cap, 1 days));
        // The inclusion period stays within sane limits.
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        new ERC1967Proxy(impl, _init(governance, r, DEPOSIT_GAS, MAX_L2_GAS, L2_BLOCK_GAS, 0));
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        new ERC1967Proxy(impl, _init(governance, r, DEPOSIT_GAS, MAX_L2_GAS, L2_BLOCK_GAS, 5 minutes - 1));
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        new ERC1967Proxy(impl, _init(governance, r, DEPOSIT_GAS, MAX_L2_GAS, L2_BLOCK_GAS, 30 days + 1));

        bytes memory again = _init(governance, r, DEPOSIT_GAS, MAX_L2_GAS, L2_BLOCK_GAS, 1 days);
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        (bool ok,) = address(bridge).call(again);
        ok;
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        (ok,) = impl.call(again);
    }

    // ---------------------------------------------------------------- deposits

    function test_deposit_queuesPrivilegedTxAndLocksEth() public {
        bytes memory data = abi.encodeCall(IL2Bridge.mintETH, (user, address(0xB0B)));
        uint256 deadline = block.timestamp + INCLUSION_PERIOD;
        vm.expectEmit(true, true, true, true, address(bridge));
        emit ICommonBridge.PrivilegedTxSent(user, L2_BRIDGE, L2_BRIDGE, 0, 3 ether, 3 ether, DEPOSIT_GAS, data, deadline);
        vm.prank(user);
        bridge.deposit{value: 3 ether}(address(0xB0B));

        assertEq(address(bridge).balance, 3 ether, "eth locked");
        assertEq(bridge.deposits(ETH, ETH), 3 ether, "accounted");
        assertEq(bridge.nextPrivilegedTxId(), 1, "queued");
        assertEq(bridge.pendingPrivilegedTxCount(), 1, "pending");
        assertEq(bridge.privilegedTxDeadline(0), deadline, "deadline");
        assertEq(bridge.privilegedTxHash(0), ethDepositHash(0, user, address(0xB0B), 3 ether), "hash format");
    }

    function test_receive_depositsToKeyedSender() public {
        vm.prank(user, user);
        (bool ok,) = address(bridge).call{value: 1 ether}("");
        assertTrue(ok, "plain transfer");
        assertEq(bridge.privilegedTxHash(0), ethDepositHash(0, user, user, 1 ether), "deposit to sender");
    }

    function test_deposit_rejectsDustZeroAddressAndPaused() public {
        uint256 minimum = bridge.MIN_ETH_DEPOSIT();
        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.DepositTooSmall.selector, 0, minimum));
        bridge.deposit(user);
        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.DepositTooSmall.selector, minimum - 1, minimum));
        bridge.deposit{value: minimum - 1}(user);

        vm.prank(user);
        vm.expectRevert(ICommonBridge.ZeroAddress.selector);
        bridge.deposit{value: minimum}(address(0));

        vm.prank(council);
        bridge.pause();
        vm.prank(user);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        bridge.deposit{value: minimum}(user);
        vm.prank(user);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        (bool ok,) = address(bridge).call{value: minimum}("");
        ok;
    }

    function test_depositERC20_locksTokensAndQueues() public {
        bytes memory data = abi.encodeCall(IL2Bridge.mintERC20, (user, address(token), TOKEN_L2, address(0xB0B), 5e18));
        vm.expectEmit(true, true, true, true, address(bridge));
        emit ICommonBridge.PrivilegedTxSent(
            user, L2_BRIDGE, L2_BRIDGE, 0, 0, 0, DEPOSIT_GAS, data, block.timestamp + INCLUSION_PERIOD
        );
        vm.prank(user);
        bridge.depositERC20(address(token), TOKEN_L2, address(0xB0B), 5e18);
        assertEq(token.balanceOf(address(bridge)), 5e18, "locked");
        assertEq(bridge.deposits(address(token), TOKEN_L2), 5e18, "accounted per pair");
        assertEq(bridge.deposits(address(token), address(0x7013)), 0, "other pair untouched");
    }

    function test_depositERC20_creditsOnlyWhatArrived() public {
        FeeOnTransferToken fee = new FeeOnTransferToken();
        fee.mint(user, 100e18);
        vm.startPrank(user);
        fee.approve(address(bridge), type(uint256).max);
        bridge.depositERC20(address(fee), TOKEN_L2, user, 100e18);
        vm.stopPrank();
        assertEq(bridge.deposits(address(fee), TOKEN_L2), 99e18, "fee deducted");
    }

    function test_depositERC20_rejectsBadInput() public {
        vm.startPrank(user);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.InvalidToken.selector, address(0)));
        bridge.depositERC20(address(0), TOKEN_L2, user, 1);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.InvalidToken.selector, ETH));
        bridge.depositERC20(ETH, TOKEN_L2, user, 1);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.InvalidToken.selector, address(0)));
        bridge.depositERC20(address(token), address(0), user, 1);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.InvalidToken.selector, ETH));
        bridge.depositERC20(address(token), ETH, user, 1);
        vm.expectRevert(ICommonBridge.ZeroAddress.selector);
        bridge.depositERC20(address(token), TOKEN_L2, address(0), 1);
        vm.expectRevert(ICommonBridge.ZeroAmount.selector);
        bridge.depositERC20(address(token), TOKEN_L2, user, 0);
        vm.stopPrank();

        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(bridge), 0, 1)
        );
        bridge.depositERC20(address(token), TOKEN_L2, user, 1);

        vm.prank(governance);
        bridge.pause();
        vm.prank(user);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        bridge.depositERC20(address(token), TOKEN_L2, user, 1);
    }

    // ---------------------------------------------------------------- sendToL2

    function test_sendToL2_fromEoaBurnsGasAndSplitsMintFromValue() public {
        bytes memory data = hex"c0ffee";
        vm.expectEmit(true, true, true, true, address(bridge));
        emit ICommonBridge.PrivilegedTxSent(
            user, user, address(0xD00D), 0, 1 ether, 2 ether, 500_000, data, block.timestamp + INCLUSION_PERIOD
        );
        uint256 before = gasleft();
        vm.prank(user, user);
        bridge.sendToL2{value: 1 ether}(address(0xD00D), 2 ether, 500_000, data);
        assertTrue(before - gasleft() >= 500_000, "gas burned");
        assertEq(bridge.deposits(ETH, ETH), 1 ether, "only the mint is bridged ether");
        assertEq(
            bridge.privilegedTxHash(0),
            BasaltFormats.privilegedTxHash(L2_CHAIN_ID, user, address(0xD00D), 0, 1 ether, 2 ether, 500_000, data),
            "mint and value both hashed"
        );
    }

    function test_sendToL2_aliasesContractSender() public {
        ContractCaller caller = new ContractCaller();
        address aliased = address(uint160(address(caller)) + uint160(0x1111000000000000000000000000000000001111));
        vm.expectEmit(true, true, true, true, address(bridge));
        emit ICommonBridge.PrivilegedTxSent(
            address(caller), aliased, address(0xD00D), 0, 0, 0, 21_000, "", block.timestamp + INCLUSION_PERIOD
        );
        vm.prank(user, user);
        caller.callSendToL2(bridge, address(0xD00D), 0, 21_000, "");
        assertEq(BasaltFormats.applyAlias(address(caller)), aliased, "alias helper");
    }

    function test_sendToL2_rejectsGasLimitOutOfRange() public {
        vm.prank(user, user);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.InvalidGasLimit.selector, 20_999, 21_000, MAX_L2_GAS));
        bridge.sendToL2(user, 0, 20_999, "");
        vm.prank(user, user);
        vm.expectRevert(
            abi.encodeWithSelector(ICommonBridge.InvalidGasLimit.selector, MAX_L2_GAS + 1, 21_000, MAX_L2_GAS)
        );
        bridge.sendToL2(user, 0, MAX_L2_GAS + 1, "");

        vm.prank(council);
        bridge.pause();
        vm.prank(user, user);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        bridge.sendToL2(user, 0, 21_000, "");
    }

    // ---------------------------------------------------------------- queue and deadlines

    function test_queue_rollingHashAndDeadlines() public {
        depositEth(1 ether);
        vm.warp(block.timestamp + 100);
        depositEth(2 ether);
        depositEth(3 ether);
        bytes32[] memory hashes = new bytes32[](3);
        for (uint256 i = 0; i < 3; i++) {
            hashes[i] = bridge.privilegedTxHash(i);
        }
        assertEq(bridge.pendingTxsRollingHash(0, 3), BasaltFormats.rollingHash(hashes), "rolling hash");
        assertEq(uint256(bridge.pendingTxsRollingHash(0, 3)) >> 240, 3, "count in top bytes");
        assertEq(bridge.pendingTxsRollingHash(0, 0), bytes32(0), "empty");
        assertEq(bridge.privilegedTxDeadline(1), bridge.privilegedTxDeadline(0) + 100, "later deadline");

        // Shortening the period never lets a later transaction expire before an earlier one.
        vm.prank(governance);
        bridge.setInclusionPeriod(5 minutes);
        depositEth(4 ether);
        assertEq(bridge.privilegedTxDeadline(3), bridge.privilegedTxDeadline(2), "monotone deadlines");

        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.PrivilegedTxsNotPending.selector, 2, 3));
        bridge.pendingTxsRollingHash(2, 3);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.TooManyPrivilegedTxs.selector, 65_536));
        bridge.pendingTxsRollingHash(0, 65_536);

        vm.prank(address(rollup));
        bridge.consumePrivilegedTxs(2);
        assertEq(bridge.privilegedTxHead(), 2, "head");
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.PrivilegedTxsNotPending.selector, 1, 1));
        bridge.pendingTxsRollingHash(1, 1);
        assertFalse(bridge.isPrivilegedTxOverdue(2), "not overdue");
        vm.warp(bridge.privilegedTxDeadline(2) + 1);
        assertTrue(bridge.isPrivilegedTxOverdue(2), "overdue");
        assertFalse(bridge.isPrivilegedTxOverdue(4), "not queued");
    }

    function test_rollupHooks_onlyRollup() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.NotRollup.selector, stranger));
        bridge.consumePrivilegedTxs(0);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.NotRollup.selector, stranger));
        bridge.publishL1Messages(1, bytes32(uint256(1)), 0);

        vm.prank(address(rollup));
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.PrivilegedTxsNotPending.selector, 0, 1));
        bridge.consumePrivilegedTxs(1);

        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.NotRollup.selector, stranger));
        bridge.revertVerifiedBatches(1, 1, 0);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.NotRollup.selector, stranger));
        bridge.recordRollupPause(block.timestamp + 1);

        vm.expectEmit(true, false, false, true, address(bridge));
        emit ICommonBridge.L1MessagesPublished(9, bytes32(uint256(1)), 77);
        vm.prank(address(rollup));
        bridge.publishL1Messages(9, bytes32(uint256(1)), 77);
        assertEq(bridge.l1MessagesRoot(9), bytes32(uint256(1)), "published");
        assertEq(bridge.l1MessagesFinalizedAt(9), 77, "final from");
    }

    // ---------------------------------------------------------------- claims

    /// Three withdrawals in one batch: user 1 ether (id 1), stranger 2 ether (id 2), user 3 ether (id 3).
    function _publishEthWithdrawals() internal returns (uint256 batch, bytes32[] memory leaves) {
        depositEth(10 ether);
        leaves = new bytes32[](3);
        leaves[0] = ethLeaf(user, 1 ether, 1);
        leaves[1] = ethLeaf(stranger, 2 ether, 2);
        leaves[2] = ethLeaf(user, 3 ether, 3);
        batch = publishMessages(MerkleTree.root(leaves));
    }

    function test_claimWithdrawal_pays() public {
        (uint256 batch, bytes32[] memory leaves) = _publishEthWithdrawals();
        uint256 before = user.balance;
        vm.expectEmit(true, true, true, true, address(bridge));
        emit ICommonBridge.WithdrawalClaimed(ETH, ETH, user, 3 ether, batch, 3);
        vm.prank(user);
        bridge.claimWithdrawal(user, 3 ether, batch, 3, MerkleTree.proof(leaves, 2));
        assertEq(user.balance, before + 3 ether, "paid");
        assertEq(bridge.deposits(ETH, ETH), 7 ether, "accounting");
        assertTrue(bridge.claimed(leaves[2]), "marked");

        // Anyone may relay a claim; the ether goes to the recipient in the leaf.
        vm.prank(user);
        bridge.claimWithdrawal(stranger, 2 ether, batch, 2, MerkleTree.proof(leaves, 1));
        assertEq(stranger.balance, 2 ether, "relayed claim paid the recipient");
    }

    function test_claimWithdrawal_rejectsWrongProof() public {
        (uint256 batch, bytes32[] memory leaves) = _publishEthWithdrawals();
        // Another leaf's proof.
        vm.expectRevert(ICommonBridge.InvalidMerkleProof.selector);
        claimEth(user, 3 ether, batch, 3, MerkleTree.proof(leaves, 0));
        // Right proof, wrong amount.
        vm.expectRevert(ICommonBridge.InvalidMerkleProof.selector);
        claimEth(user, 4 ether, batch, 3, MerkleTree.proof(leaves, 2));
        // Someone else's withdrawal redirected to another recipient.
        vm.expectRevert(ICommonBridge.InvalidMerkleProof.selector);
        claimEth(user, 2 ether, batch, 2, MerkleTree.proof(leaves, 1));
    }

    function test_claimWithdrawal_rejectsDoubleClaim() public {
        (uint256 batch, bytes32[] memory leaves) = _publishEthWithdrawals();
        bytes32[] memory proof = MerkleTree.proof(leaves, 0);
        claimEth(user, 1 ether, batch, 1, proof);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.WithdrawalAlreadyClaimed.selector, leaves[0]));
        claimEth(user, 1 ether, batch, 1, proof);
    }

    function test_claimWithdrawal_rejectsUnverifiedBatch() public {
        depositEth(10 ether);
        bytes32[] memory leaves = new bytes32[](1);
        leaves[0] = ethLeaf(user, 1 ether, 1);
        commit(1, MerkleTree.root(leaves), 0, 0); // committed, not verified
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.BatchNotVerified.selector, 1));
        claimEth(user, 1 ether, 1, 1, new bytes32[](0));
    }

    function test_claimWithdrawal_rejectsOverWithdrawal() public {
        depositEth(1 ether);
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = ethLeaf(user, 1 ether, 1);
        leaves[1] = ethLeaf(user, 5 ether, 2);
        uint256 batch = publishMessages(MerkleTree.root(leaves));
        vm.deal(address(bridge), 100 ether); // even with ether lying around, accounting caps payouts
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.InsufficientDeposits.selector, ETH, ETH, 1 ether, 5 ether));
        claimEth(user, 5 ether, batch, 2, MerkleTree.proof(leaves, 1));
    }

    function test_claimWithdrawal_rejectsZeroPausedAndRefusingRecipient() public {
        (uint256 batch, bytes32[] memory leaves) = _publishEthWithdrawals();
        vm.expectRevert(ICommonBridge.ZeroAmount.selector);
        claimEth(user, 0, batch, 1, new bytes32[](0));

        vm.prank(council);
        bridge.pause();
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        claimEth(user, 1 ether, batch, 1, MerkleTree.proof(leaves, 0));
        vm.prank(council);
        bridge.unpause();

        ContractCaller refuser = new ContractCaller();
        bytes32[] memory single = new bytes32[](1);
        single[0] = ethLeaf(address(refuser), 1 ether, 9);
        uint256 b2 = publishMessages(MerkleTree.root(single));
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.EthTransferFailed.selector, address(refuser), 1 ether));
        claimEth(address(refuser), 1 ether, b2, 9, new bytes32[](0));
    }

    function test_claimWithdrawal_reentrancyIsBlocked() public {
        depositEth(10 ether);
        ReentrantClaimer attacker = new ReentrantClaimer(bridge);
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = ethLeaf(address(attacker), 1 ether, 1);
        leaves[1] = ethLeaf(address(attacker), 1 ether, 2);
        uint256 batch = publishMessages(MerkleTree.root(leaves));

        // Re-entering with the same proof and with the second, valid, proof both fail inside receive().
        bytes memory sameClaim =
            abi.encodeCall(CommonBridge.claimWithdrawal, (address(attacker), 1 ether, batch, 1, MerkleTree.proof(leaves, 0)));
        attacker.claim(1 ether, batch, 1, MerkleTree.proof(leaves, 0), sameClaim);
        assertEq(bytes4(attacker.reentryError()), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector, "guard");
        assertEq(attacker.timesPaid(), 1, "paid once");
        assertEq(address(attacker).balance, 1 ether, "one ether");

        bytes memory otherClaim =
            abi.encodeCall(CommonBridge.claimWithdrawal, (address(attacker), 1 ether, batch, 2, MerkleTree.proof(leaves, 1)));
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.WithdrawalAlreadyClaimed.selector, leaves[0]));
        attacker.claim(1 ether, batch, 1, MerkleTree.proof(leaves, 0), otherClaim);
        // The second withdrawal is still claimable normally, exactly once.
        attacker.claim(1 ether, batch, 2, MerkleTree.proof(leaves, 1), "");
        assertEq(address(attacker).balance, 2 ether, "two ether total");
        assertEq(bridge.deposits(ETH, ETH), 8 ether, "accounting");
    }

    function test_claimWithdrawalERC20_paysPerPair() public {
        vm.prank(user);
        bridge.depositERC20(address(token), TOKEN_L2, user, 10e18);
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = bridge.withdrawalLeaf(address(token), TOKEN_L2, user, 4e18, 1);
        // A withdrawal through a different (unbacked) L2 token claiming the same L1 token.
        leaves[1] = bridge.withdrawalLeaf(address(token), address(0xE71), user, 4e18, 2);
        uint256 batch = publishMessages(MerkleTree.root(leaves));

        vm.expectEmit(true, true, true, true, address(bridge));
        emit ICommonBridge.WithdrawalClaimed(address(token), TOKEN_L2, user, 4e18, batch, 1);
        vm.prank(user);
        bridge.claimWithdrawalERC20(address(token), TOKEN_L2, user, 4e18, batch, 1, MerkleTree.proof(leaves, 0));
        assertEq(token.balanceOf(user), 994e18, "paid");
        assertEq(bridge.deposits(address(token), TOKEN_L2), 6e18, "accounting");

        vm.prank(user);
        vm.expectRevert(
            abi.encodeWithSelector(ICommonBridge.InsufficientDeposits.selector, address(token), address(0xE71), 0, 4e18)
        );
        bridge.claimWithdrawalERC20(address(token), address(0xE71), user, 4e18, batch, 2, MerkleTree.proof(leaves, 1));

        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.WithdrawalAlreadyClaimed.selector, leaves[0]));
        bridge.claimWithdrawalERC20(address(token), TOKEN_L2, user, 4e18, batch, 1, MerkleTree.proof(leaves, 0));

        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.InvalidToken.selector, ETH));
        bridge.claimWithdrawalERC20(ETH, ETH, user, 1, batch, 1, MerkleTree.proof(leaves, 0));

        vm.prank(user);
        vm.expectRevert(ICommonBridge.InvalidMerkleProof.selector);
        bridge.claimWithdrawalERC20(address(token), TOKEN_L2, user, 5e18, batch, 1, MerkleTree.proof(leaves, 0));

        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.BatchNotVerified.selector, batch + 1));
        bridge.claimWithdrawalERC20(address(token), TOKEN_L2, user, 4e18, batch + 1, 1, MerkleTree.proof(leaves, 0));
    }

    function test_claimWithdrawalERC20_reentrancyIsBlocked() public {
        ReentrantToken evil = new ReentrantToken();
        evil.mint(user, 10e18);
        vm.startPrank(user);
        evil.approve(address(bridge), type(uint256).max);
        bridge.depositERC20(address(evil), TOKEN_L2, user, 10e18);
        vm.stopPrank();
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = bridge.withdrawalLeaf(address(evil), TOKEN_L2, user, 1e18, 1);
        leaves[1] = bridge.withdrawalLeaf(address(evil), TOKEN_L2, user, 1e18, 2);
        uint256 batch = publishMessages(MerkleTree.root(leaves));

        evil.arm(
            address(bridge),
            abi.encodeCall(
                CommonBridge.claimWithdrawalERC20,
                (address(evil), TOKEN_L2, user, 1e18, batch, 2, MerkleTree.proof(leaves, 1))
            )
        );
        vm.prank(user);
        bridge.claimWithdrawalERC20(address(evil), TOKEN_L2, user, 1e18, batch, 1, MerkleTree.proof(leaves, 0));
        assertEq(bytes4(evil.reentryError()), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector, "guard");
        assertEq(evil.balanceOf(user), 1e18, "paid once");
    }

    // ---------------------------------------------------------------- governance

    function test_setters_onlyOwner() public {
        address next = address(new CommonBridge());
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, stranger));
        bridge.setL2GasLimits(150_000, 1_000_000, 2_000_000);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, stranger));
        bridge.setInclusionPeriod(1 hours);
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, stranger));
        bridge.setSecurityCouncil(stranger);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.NotOwnerOrCouncil.selector, stranger));
        bridge.pause();
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.NotOwnerOrCouncil.selector, stranger));
        bridge.unpause();
        vm.expectRevert(abi.encodeWithSelector(OwnableUpgradeable.OwnableUnauthorizedAccount.selector, stranger));
        bridge.upgradeToAndCall(next, "");
        vm.stopPrank();

        vm.startPrank(governance);
        vm.expectEmit(false, false, false, true, address(bridge));
        emit ICommonBridge.L2GasLimitsUpdated(150_000, 1_000_000, 2_000_000);
        bridge.setL2GasLimits(150_000, 1_000_000, 2_000_000);
        assertEq(bridge.depositGasLimit(), 150_000, "deposit gas");
        assertEq(bridge.maxL2GasLimit(), 1_000_000, "max gas");
        assertEq(bridge.l2BlockGasLimit(), 2_000_000, "block gas");
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        bridge.setL2GasLimits(150_000, 149_999, 2_000_000);
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        bridge.setL2GasLimits(149_999, 1_000_000, 2_000_000);
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        bridge.setL2GasLimits(150_000, 2_000_001, 2_000_000);
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        bridge.setL2GasLimits(150_000, (1 << 24) + 1, 1 << 30);

        vm.expectEmit(false, false, false, true, address(bridge));
        emit ICommonBridge.InclusionPeriodUpdated(3600);
        bridge.setInclusionPeriod(3600);
        assertEq(bridge.inclusionPeriod(), 3600, "period");
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        bridge.setInclusionPeriod(0);
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        bridge.setInclusionPeriod(type(uint256).max);

        bridge.setSecurityCouncil(stranger);
        assertEq(bridge.securityCouncil(), stranger, "council");
        bridge.pause();
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        bridge.pause();
        bridge.unpause();

        bridge.upgradeToAndCall(next, "");
        vm.stopPrank();
        assertEq(bridge.depositGasLimit(), 150_000, "state kept across upgrade");
    }

    function test_ownership_isTwoStep() public {
        vm.prank(governance);
        bridge.transferOwnership(stranger);
        assertEq(bridge.pendingOwner(), stranger, "pending");
        vm.prank(stranger);
        bridge.acceptOwnership();
        assertEq(bridge.owner(), stranger, "owner");
    }
}
