// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC7802} from "@openzeppelin/contracts/interfaces/draft-IERC7802.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {BasaltFormats} from "../src/common/BasaltFormats.sol";
import {L2Bridge} from "../src/l2/L2Bridge.sol";
import {L2Messenger} from "../src/l2/L2Messenger.sol";
import {BridgedERC20} from "../src/l2/BridgedERC20.sol";
import {IL2Bridge} from "../src/l2/interfaces/IL2Bridge.sol";
import {IL2Messenger} from "../src/l2/interfaces/IL2Messenger.sol";
import {IBridgedToken} from "../src/l2/interfaces/IBridgedToken.sol";
import {CommonBridge} from "../src/l1/CommonBridge.sol";
import {TestBase} from "./utils/TestBase.sol";
import {Vm} from "./utils/Vm.sol";
import {ContractCaller} from "./utils/Mocks.sol";

/// @notice Burns all gas it is given when receiving ether.
contract GasGuzzler {
    receive() external payable {
        while (true) {}
    }
}

contract L2ContractsTest is TestBase {
    address internal constant ETH = BasaltFormats.ETH_TOKEN;
    address internal constant BRIDGE_ADDR = BasaltFormats.L2_BRIDGE;
    address internal constant MESSENGER_ADDR = BasaltFormats.L2_MESSENGER;
    address internal constant TOKEN_L1 = address(0x7011);
    address internal constant L1_SENDER = address(0x1150);
    address internal user = address(0xA11CE);

    L2Bridge internal l2Bridge = L2Bridge(BRIDGE_ADDR);
    L2Messenger internal messenger = L2Messenger(MESSENGER_ADDR);
    BridgedERC20 internal token;

    function setUp() public {
        // System contracts sit at their genesis addresses.
        vm.etch(BRIDGE_ADDR, address(new L2Bridge()).code);
        vm.etch(MESSENGER_ADDR, address(new L2Messenger()).code);
        token = new BridgedERC20("Bridged", "BTK", 6, TOKEN_L1);
        vm.deal(BRIDGE_ADDR, 100 ether);
        vm.deal(user, 100 ether);
    }

    // ---------------------------------------------------------------- messenger

    function test_messenger_increasingIds() public {
        vm.expectEmit(true, true, true, true, MESSENGER_ADDR);
        emit IL2Messenger.L1Message(user, bytes32(uint256(5)), 1);
        vm.prank(user);
        assertEq(messenger.sendMessageToL1(bytes32(uint256(5))), 1, "first id");
        vm.prank(user);
        assertEq(messenger.sendMessageToL1(bytes32(uint256(6))), 2, "second id");
        assertEq(messenger.lastMessageId(), 2, "last id");
    }

    // ---------------------------------------------------------------- deposits (privileged)

    function test_mintETH_onlyPrivileged() public {
        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(IL2Bridge.NotPrivileged.selector, user));
        l2Bridge.mintETH{value: 1}(L1_SENDER, user);
        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(IL2Bridge.NotPrivileged.selector, user));
        l2Bridge.mintERC20(L1_SENDER, TOKEN_L1, address(token), user, 1);
        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(IL2Bridge.NotPrivileged.selector, user));
        l2Bridge.mintBridgedToken(TOKEN_L1, address(token), user, 1);
    }

    function test_mintETH_delivers() public {
        vm.expectEmit(true, true, true, true, BRIDGE_ADDR);
        emit IL2Bridge.DepositFinalized(ETH, ETH, address(0xB0B), 2 ether);
        vm.prank(BRIDGE_ADDR);
        l2Bridge.mintETH{value: 2 ether}(L1_SENDER, address(0xB0B));
        assertEq(address(0xB0B).balance, 2 ether, "delivered");
    }

    function test_mintETH_refundsWhenRecipientRefuses() public {
        ContractCaller refuser = new ContractCaller();
        vm.expectEmit(true, true, true, true, MESSENGER_ADDR);
        emit IL2Messenger.L1Message(BRIDGE_ADDR, BasaltFormats.withdrawalData(ETH, ETH, L1_SENDER, 1 ether), 1);
        vm.expectEmit(true, true, true, true, BRIDGE_ADDR);
        emit IL2Bridge.DepositRefunded(ETH, ETH, L1_SENDER, 1 ether, 1);
        vm.prank(BRIDGE_ADDR);
        l2Bridge.mintETH{value: 1 ether}(L1_SENDER, address(refuser));
        assertEq(address(refuser).balance, 0, "not delivered");
    }

    function test_mintETH_refundsEvenWhenRecipientBurnsAllGas() public {
        GasGuzzler guzzler = new GasGuzzler();
        // Roughly what a 200k-gas deposit transaction leaves for execution.
        vm.prank(BRIDGE_ADDR);
        l2Bridge.mintETH{value: 1 ether, gas: 170_000}(L1_SENDER, address(guzzler));
        assertEq(messenger.lastMessageId(), 1, "refund message sent");
    }

    function test_mintERC20_mintsMatchingToken() public {
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC7802.CrosschainMint(user, 7e6, BRIDGE_ADDR);
        vm.expectEmit(true, true, true, true, BRIDGE_ADDR);
        emit IL2Bridge.DepositFinalized(TOKEN_L1, address(token), user, 7e6);
        vm.prank(BRIDGE_ADDR);
        l2Bridge.mintERC20(L1_SENDER, TOKEN_L1, address(token), user, 7e6);
        assertEq(token.balanceOf(user), 7e6, "minted");
    }

    function test_mintERC20_refundsMismatchedOrMissingToken() public {
        address wrongL1 = address(0x7099);
        vm.expectEmit(true, true, true, true, BRIDGE_ADDR);
        emit IL2Bridge.DepositRefunded(wrongL1, address(token), L1_SENDER, 5, 1);
        vm.prank(BRIDGE_ADDR);
        l2Bridge.mintERC20(L1_SENDER, wrongL1, address(token), user, 5);
        assertEq(token.balanceOf(user), 0, "not minted");

        vm.expectEmit(true, true, true, true, BRIDGE_ADDR);
        emit IL2Bridge.DepositRefunded(TOKEN_L1, address(0xD00D), L1_SENDER, 5, 2);
        vm.prank(BRIDGE_ADDR);
        l2Bridge.mintERC20(L1_SENDER, TOKEN_L1, address(0xD00D), user, 5);

        vm.prank(BRIDGE_ADDR);
        vm.expectRevert(abi.encodeWithSelector(IL2Bridge.TokenMismatch.selector, wrongL1, address(token)));
        l2Bridge.mintBridgedToken(wrongL1, address(token), user, 5);
    }

    // ---------------------------------------------------------------- withdrawals

    function test_withdraw_sendsL1Message() public {
        vm.expectEmit(true, true, true, true, MESSENGER_ADDR);
        emit IL2Messenger.L1Message(BRIDGE_ADDR, BasaltFormats.withdrawalData(ETH, ETH, address(0xCAFE), 3 ether), 1);
        vm.expectEmit(true, true, true, true, BRIDGE_ADDR);
        emit IL2Bridge.WithdrawalInitiated(ETH, ETH, address(0xCAFE), user, 3 ether, 1);
        uint256 before = BRIDGE_ADDR.balance;
        vm.prank(user);
        l2Bridge.withdraw{value: 3 ether}(address(0xCAFE));
        assertEq(BRIDGE_ADDR.balance, before + 3 ether, "out of circulation in the bridge");

        vm.prank(user);
        vm.expectRevert(IL2Bridge.ZeroAmount.selector);
        l2Bridge.withdraw(address(0xCAFE));
        vm.prank(user);
        vm.expectRevert(IL2Bridge.ZeroAddress.selector);
        l2Bridge.withdraw{value: 1}(address(0));
    }

    function test_withdraw_leafMatchesL1Claim() public {
        vm.recordLogs();
        vm.prank(user);
        l2Bridge.withdraw{value: 1 ether}(address(0xCAFE));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        // First log is the messenger's L1Message(from, data, id).
        address from = address(uint160(uint256(logs[0].topics[1])));
        bytes32 data = logs[0].topics[2];
        uint256 id = uint256(logs[0].topics[3]);
        CommonBridge l1 = new CommonBridge();
        assertEq(
            BasaltFormats.l1MessageHash(from, data, id),
            l1.withdrawalLeaf(ETH, ETH, address(0xCAFE), 1 ether, id),
            "L2 message == L1 claim leaf"
        );
    }

    function test_withdrawERC20_burnsAndSendsMessage() public {
        vm.prank(BRIDGE_ADDR);
        token.crosschainMint(user, 10e6);

        vm.expectEmit(true, true, true, true, address(token));
        emit IERC7802.CrosschainBurn(user, 4e6, BRIDGE_ADDR);
        vm.expectEmit(true, true, true, true, BRIDGE_ADDR);
        emit IL2Bridge.WithdrawalInitiated(TOKEN_L1, address(token), address(0xCAFE), user, 4e6, 1);
        vm.prank(user);
        l2Bridge.withdrawERC20(TOKEN_L1, address(token), address(0xCAFE), 4e6);
        assertEq(token.balanceOf(user), 6e6, "burned");

        vm.startPrank(user);
        vm.expectRevert(IL2Bridge.ZeroAmount.selector);
        l2Bridge.withdrawERC20(TOKEN_L1, address(token), address(0xCAFE), 0);
        vm.expectRevert(IL2Bridge.ZeroAddress.selector);
        l2Bridge.withdrawERC20(TOKEN_L1, address(token), address(0), 1);
        vm.expectRevert(abi.encodeWithSelector(IL2Bridge.TokenMismatch.selector, address(0x7099), address(token)));
        l2Bridge.withdrawERC20(address(0x7099), address(token), address(0xCAFE), 1);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, user, 6e6, 7e6));
        l2Bridge.withdrawERC20(TOKEN_L1, address(token), address(0xCAFE), 7e6);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- bridged token

    function test_bridgedToken_onlyBridgeMintsAndBurns() public {
        assertEq(token.l1Address(), TOKEN_L1, "l1 address");
        assertEq(uint256(token.decimals()), 6, "decimals");
        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(IBridgedToken.NotBridge.selector, user));
        token.crosschainMint(user, 1);
        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(IBridgedToken.NotBridge.selector, user));
        token.crosschainBurn(user, 1);
        // The old bridge address has no rights any more.
        vm.prank(address(0xffff));
        vm.expectRevert(abi.encodeWithSelector(IBridgedToken.NotBridge.selector, address(0xffff)));
        token.crosschainMint(user, 1);

        vm.expectEmit(true, true, true, true, address(token));
        emit IERC7802.CrosschainMint(user, 2, BRIDGE_ADDR);
        vm.prank(BRIDGE_ADDR);
        token.crosschainMint(user, 2);
        vm.expectEmit(true, true, true, true, address(token));
        emit IERC7802.CrosschainBurn(user, 1, BRIDGE_ADDR);
        vm.prank(BRIDGE_ADDR);
        token.crosschainBurn(user, 1);
        assertEq(token.balanceOf(user), 1, "balance");
        assertEq(token.totalSupply(), 1, "supply");
    }

    /// ERC-7802 and RIP-7875: the bridge sits at 0x...01ff and tokens announce the interface over ERC-165.
    function test_bridgedToken_erc7802Interface() public view {
        assertEq(BRIDGE_ADDR, address(0x01ff), "RIP-7875 token bridge address");
        // ERC-7802's interface id is the XOR of its two selectors.
        assertEq(
            type(IERC7802).interfaceId,
            bytes4(keccak256("crosschainMint(address,uint256)")) ^ bytes4(keccak256("crosschainBurn(address,uint256)")),
            "interface id"
        );
        assertTrue(token.supportsInterface(type(IERC7802).interfaceId), "IERC7802");
        assertTrue(token.supportsInterface(type(IERC165).interfaceId), "IERC165");
        assertFalse(token.supportsInterface(0xffffffff), "0xffffffff is never supported");
        assertFalse(token.supportsInterface(0x12345678), "unknown id");
    }
}
