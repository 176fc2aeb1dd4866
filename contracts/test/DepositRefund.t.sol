// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {BasaltFormats} from "../src/common/BasaltFormats.sol";
import {CommonBridge} from "../src/l1/CommonBridge.sol";
import {L2Bridge} from "../src/l2/L2Bridge.sol";
import {L2Messenger} from "../src/l2/L2Messenger.sol";
import {BridgedERC20} from "../src/l2/BridgedERC20.sol";
import {IL2Bridge} from "../src/l2/interfaces/IL2Bridge.sol";
import {IL2Messenger} from "../src/l2/interfaces/IL2Messenger.sol";
import {TestBase} from "./utils/TestBase.sol";
import {Vm} from "./utils/Vm.sol";

// ---------------------------------------------------------------- hostile recipients

/// Burns every bit of gas it gets.
contract GasGuzzler {
    fallback() external payable {
        while (true) {}
    }
}

/// Reverts with as much revert data as its gas can pay for (a "return bomb").
contract RevertBomb {
    fallback() external payable {
        assembly {
            revert(0, 1000000)
        }
    }
}

/// Accepts the deposit and returns a megabyte-scale buffer (success, huge return data).
contract ReturnBomb {
    fallback() external payable {
        assembly {
            return(0, 150000)
        }
    }
}

/// Writes a lot of state, then reverts it.
contract StateChurner {
    fallback() external payable {
        for (uint256 i = 1; i < 10_000; i++) {
            assembly {
                sstore(i, i)
            }
        }
        revert("churned");
    }
}

/// Re-enters the L2 bridge and the messenger, then fails.
contract Reenterer {
    fallback() external payable {
        IL2Messenger(BasaltFormats.L2_MESSENGER).sendMessageToL1(keccak256("spoof"));
        L2Bridge(BasaltFormats.L2_BRIDGE).mintETH{value: msg.value}(address(this), address(this));
    }
}

/// Hits an invalid opcode (consumes all its gas).
contract InvalidOpcode {
    fallback() external payable {
        assembly {
            invalid()
        }
    }
}

/// Destroys itself on receipt (a successful delivery under EIP-6780).
contract SelfDestructor {
    receive() external payable {
        selfdestruct(payable(address(0xdead)));
    }
}

// ---------------------------------------------------------------- hostile tokens

/// Declares the L1 token, then burns all gas in crosschainMint.
contract GasBurningToken {
    address internal immutable L1;

    constructor(address l1) {
        L1 = l1;
    }

    function l1Address() external view returns (address) {
        return L1;
    }

    function crosschainMint(address, uint256) external pure {
        while (true) {}
    }
}

/// Answers l1Address with megabytes and reverts crosschainMint with megabytes.
contract BombToken {
    fallback() external {
        assembly {
            revert(0, 1000000)
        }
    }
}

/// Answers l1Address with too little data to decode.
contract ShortAnswerToken {
    fallback() external {
        assembly {
            return(0, 4)
        }
    }
}

/// Issue 9 §6 (and §1's deposit floor): at `CommonBridge.MIN_DEPOSIT_GAS_LIMIT`, with every account and slot
/// cold and the messenger's counter at zero (the costliest refund), a deposit is either delivered or refunded,
/// whatever the recipient or token does; the privileged transaction itself never fails.
contract DepositRefundTest is TestBase {
    address internal constant ETH = BasaltFormats.ETH_TOKEN;
    address internal constant L2_BRIDGE = BasaltFormats.L2_BRIDGE;
    address internal constant MESSENGER = BasaltFormats.L2_MESSENGER;
    address internal constant L1_SENDER = address(0x1150);
    address internal constant TOKEN_L1 = address(0x7011);

    uint256 internal minDepositGas;

    function setUp() public {
        vm.etch(L2_BRIDGE, address(new L2Bridge()).code);
        vm.etch(MESSENGER, address(new L2Messenger()).code);
        vm.deal(L2_BRIDGE, 100 ether);
        minDepositGas = new CommonBridge().MIN_DEPOSIT_GAS_LIMIT();
    }

    /// Gas left for execution by a privileged transaction with gas limit `gasLimit` and calldata `data`.
    function executionGas(uint256 gasLimit, bytes memory data) internal pure returns (uint256) {
        uint256 intrinsic = 21_000;
        for (uint256 i = 0; i < data.length; i++) {
            intrinsic += data[i] == 0 ? 4 : 16;
        }
        // The EIP-7623 floor only raises the gas charged at the end, but be conservative.
        uint256 floor = BasaltFormats.minGasLimit(data);
        return gasLimit - (floor > intrinsic ? floor : intrinsic);
    }

    /// Runs the privileged transaction of a deposit (from and to the L2 bridge) with cold state.
    function runDeposit(bytes memory data, uint256 value, address[] memory touched, uint256 gasLimit)
        internal
        returns (bool ok)
    {
        vm.cool(L2_BRIDGE);
        vm.cool(MESSENGER);
        for (uint256 i = 0; i < touched.length; i++) {
            vm.cool(touched[i]);
        }
        uint256 gas = executionGas(gasLimit, data);
        vm.recordLogs();
        vm.prank(L2_BRIDGE);
        (ok,) = L2_BRIDGE.call{gas: gas, value: value}(data);
    }

    function one(address a) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = a;
    }

    /// Exactly one message was sent (the counter is state, so messages of reverted frames do not count),
    /// and the last message logged is the L1 sender's withdrawal of `amount` of the pair.
    function assertRefunded(address tokenL1, address tokenL2, uint256 amount, string memory what) internal {
        assertEq(L2Messenger(MESSENGER).lastMessageId(), 1, what);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32 last;
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].emitter == MESSENGER) last = logs[i].topics[2];
        }
        assertEq(last, BasaltFormats.withdrawalData(tokenL1, tokenL2, L1_SENDER, amount), what);
    }

    function ethRecipients() internal returns (address[7] memory) {
        return [
            address(new GasGuzzler()),
            address(new RevertBomb()),
            address(new StateChurner()),
            address(new Reenterer()),
            address(new InvalidOpcode()),
            L2_BRIDGE, // no receive(): the bridge itself refuses
            MESSENGER
        ];
    }

    function test_ethDepositToAnyFailingRecipientIsRefundedAtMinimumGas() public {
        address[7] memory recipients = ethRecipients();
        for (uint256 i = 0; i < recipients.length; i++) {
            uint256 snapshot = vm.snapshotState();
            bytes memory data = abi.encodeCall(IL2Bridge.mintETH, (L1_SENDER, recipients[i]));
            vm.expectEmit(true, true, true, true, MESSENGER);
            emit IL2Messenger.L1Message(L2_BRIDGE, BasaltFormats.withdrawalData(ETH, ETH, L1_SENDER, 1 ether), 1);
            vm.expectEmit(true, true, true, true, L2_BRIDGE);
            emit IL2Bridge.DepositRefunded(ETH, ETH, L1_SENDER, 1 ether, 1);
            bool ok = runDeposit(data, 1 ether, one(recipients[i]), minDepositGas);
            assertTrue(ok, "the deposit transaction itself never fails");
            assertEq(recipients[i] == L2_BRIDGE ? 0 : recipients[i].balance, 0, "not delivered");
            vm.revertToState(snapshot);
        }
    }

    function test_ethDepositToWillingRecipientsIsDeliveredAtMinimumGas() public {
        address[3] memory recipients =
            [address(0xF1e5), address(new ReturnBomb()), address(new SelfDestructor())];
        for (uint256 i = 0; i < recipients.length; i++) {
            bytes memory data = abi.encodeCall(IL2Bridge.mintETH, (L1_SENDER, recipients[i]));
            vm.expectEmit(true, true, true, true, L2_BRIDGE);
            emit IL2Bridge.DepositFinalized(ETH, ETH, recipients[i], 1 ether);
            assertTrue(runDeposit(data, 1 ether, one(recipients[i]), minDepositGas), "delivered");
        }
        assertEq(address(0xF1e5).balance, 1 ether, "new account funded");
        assertEq(L2Messenger(MESSENGER).lastMessageId(), 0, "no refund");
    }

    function test_tokenDepositIsMintedAtMinimumGas() public {
        BridgedERC20 token = new BridgedERC20("Bridged", "BTK", 18, TOKEN_L1);
        address holder = address(0xF1e5);
        bytes memory data = abi.encodeCall(IL2Bridge.mintERC20, (L1_SENDER, TOKEN_L1, address(token), holder, 5e18));
        vm.expectEmit(true, true, true, true, L2_BRIDGE);
        emit IL2Bridge.DepositFinalized(TOKEN_L1, address(token), holder, 5e18);
        assertTrue(runDeposit(data, 0, one(address(token)), minDepositGas), "minted");
        assertEq(token.balanceOf(holder), 5e18, "cold first mint fits the minimum");
    }

    function test_tokenDepositWithAnyFailingTokenIsRefundedAtMinimumGas() public {
        address[5] memory tokens = [
            address(new GasBurningToken(TOKEN_L1)),
            address(new BombToken()),
            address(new ShortAnswerToken()),
            address(new BridgedERC20("Other", "OTH", 18, address(0x7099))), // declares another L1 token
            address(0xD00D) // no code at all
        ];
        for (uint256 i = 0; i < tokens.length; i++) {
            uint256 snapshot = vm.snapshotState();
            bytes memory data =
                abi.encodeCall(IL2Bridge.mintERC20, (L1_SENDER, TOKEN_L1, tokens[i], address(0xF1e5), 7));
            vm.expectEmit(true, true, true, true, L2_BRIDGE);
            emit IL2Bridge.DepositRefunded(TOKEN_L1, tokens[i], L1_SENDER, 7, 1);
            assertTrue(runDeposit(data, 0, one(tokens[i]), minDepositGas), "never fails");
            assertRefunded(TOKEN_L1, tokens[i], 7, "refunded");
            vm.revertToState(snapshot);
        }
    }

    /// Any gas limit from the minimum up gives a refund, never a failed deposit.
    function testFuzz_refundAtAnyGasAboveTheMinimum(uint256 gasLimit, uint8 which) public {
        gasLimit = minDepositGas + gasLimit % 3_000_000;
        address[7] memory recipients = ethRecipients();
        address recipient = recipients[which % recipients.length];
        bytes memory data = abi.encodeCall(IL2Bridge.mintETH, (L1_SENDER, recipient));
        assertTrue(runDeposit(data, 1 ether, one(recipient), gasLimit), "never fails");
        assertRefunded(ETH, ETH, 1 ether, "refunded");
    }

    /// Smallest gas limit at which `data` goes through, by bisection over [lo, hi] (lo fails, hi passes).
    function smallestWorking(bytes memory data, uint256 value, address touched, uint256 lo, uint256 hi)
        internal
        returns (uint256)
    {
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            uint256 snapshot = vm.snapshotState();
            uint256 before = L2Messenger(MESSENGER).lastMessageId();
            bool ok = runDeposit(data, value, one(touched), mid);
            bool worked = ok && (value == 0 || L2Messenger(MESSENGER).lastMessageId() == before + 1 || touched.balance != 0);
            vm.revertToState(snapshot);
            if (worked) hi = mid;
            else lo = mid;
        }
        return hi;
    }

    /// How much of the minimum the worst cases use: a refund after a recipient burned everything, and a
    /// first (cold) mint of a bridged token. Both need less than MIN_DEPOSIT_GAS_LIMIT, and below their own
    /// minimum the refund really fails.
    function test_minimumCoversTheWorstCasesWithMargin() public {
        address guzzler = address(new GasGuzzler());
        bytes memory refundData = abi.encodeCall(IL2Bridge.mintETH, (L1_SENDER, guzzler));
        uint256 refundNeeds = smallestWorking(refundData, 1 ether, guzzler, 21_000 + 1_000, minDepositGas);
        emit log_named_uint("gas limit a refund needs (guzzling recipient, cold)", refundNeeds);
        assertFalse(runDeposit(refundData, 1 ether, one(guzzler), refundNeeds - 1), "one less fails");

        BridgedERC20 token = new BridgedERC20("Bridged", "BTK", 18, TOKEN_L1);
        bytes memory mintData =
            abi.encodeCall(IL2Bridge.mintERC20, (L1_SENDER, TOKEN_L1, address(token), address(0xF1e5), 5e18));
        uint256 lo = 21_000 + 1_000;
        uint256 hi = minDepositGas;
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            uint256 snapshot = vm.snapshotState();
            runDeposit(mintData, 0, one(address(token)), mid);
            bool minted = token.balanceOf(address(0xF1e5)) != 0;
            vm.revertToState(snapshot);
            if (minted) hi = mid;
            else lo = mid;
        }
        emit log_named_uint("gas limit a cold first token mint needs", hi);
        assertTrue(hi < minDepositGas && refundNeeds < minDepositGas, "the minimum covers both");
    }

    event log_named_uint(string key, uint256 val);
}
