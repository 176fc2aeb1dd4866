// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

import {BasaltFormats} from "../src/common/BasaltFormats.sol";
import {CommonBridge} from "../src/l1/CommonBridge.sol";
import {ICommonBridge} from "../src/l1/interfaces/ICommonBridge.sol";
import {CanonicalERC20} from "../src/l2/CanonicalERC20.sol";
import {L2Bridge} from "../src/l2/L2Bridge.sol";
import {L2Messenger} from "../src/l2/L2Messenger.sol";
import {L2TokenFactory} from "../src/l2/L2TokenFactory.sol";
import {IBridgedToken} from "../src/l2/interfaces/IBridgedToken.sol";
import {ICanonicalERC20} from "../src/l2/interfaces/ICanonicalERC20.sol";
import {IL2Bridge} from "../src/l2/interfaces/IL2Bridge.sol";
import {IL2TokenFactory} from "../src/l2/interfaces/IL2TokenFactory.sol";
import {Fixture} from "./utils/Fixture.sol";
import {FeeOnTransferToken, TestToken} from "./utils/Mocks.sol";
import {Vm} from "./utils/Vm.sol";

/// An ERC20 whose `name`, `symbol` and `decimals` answer whatever raw bytes a test scripts: returned verbatim,
/// reverted with, or an endless loop. Transfers work normally.
contract ScriptedMetadataToken is ERC20 {
    enum Kind {
        Return,
        Revert,
        RevertHuge,
        Burn
    }

    mapping(bytes4 selector => Kind) internal kinds;
    mapping(bytes4 selector => bytes) internal answers;

    constructor() ERC20("unused", "unused") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function script(bytes4 selector, Kind kind, bytes calldata answer) external {
        kinds[selector] = kind;
        answers[selector] = answer;
    }

    function name() public view override returns (string memory) {
        _answer(this.name.selector);
    }

    function symbol() public view override returns (string memory) {
        _answer(this.symbol.selector);
    }

    function decimals() public view override returns (uint8) {
        _answer(this.decimals.selector);
    }

    function _answer(bytes4 selector) internal view {
        Kind kind = kinds[selector];
        bytes memory answer = answers[selector];
        if (kind == Kind.Burn) {
            while (true) {}
        }
        if (kind == Kind.RevertHuge) {
            assembly {
                revert(0, 10000)
            }
        }
        if (kind == Kind.Revert) {
            assembly {
                revert(add(answer, 32), mload(answer))
            }
        }
        assembly {
            return(add(answer, 32), mload(answer))
        }
    }
}

/// Answers `name` with an ABI string of a million bytes (more than any call's gas can return).
contract HugeNameToken is TestToken {
    function name() public pure override returns (string memory) {
        assembly {
            mstore(0, 0x20)
            mstore(0x20, 1000000)
            return(0, 1000064)
        }
    }
}

/// Canonical L2 tokens (issue 13): the address L1 computes is where the L2 factory creates the token; the first
/// deposit creates it with the L1 token's metadata, later ones reuse it; hostile metadata falls back to the
/// documented defaults; nobody but the bridge can create or initialise one; a delivery that fails is refunded;
/// and `CANONICAL_DEPOSIT_GAS_LIMIT` covers the costliest creation cold.
contract CanonicalTokensTest is Fixture {
    address internal constant L2_BRIDGE = BasaltFormats.L2_BRIDGE;
    address internal constant MESSENGER = BasaltFormats.L2_MESSENGER;
    address internal constant FACTORY = BasaltFormats.L2_TOKEN_FACTORY;
    address internal constant IMPLEMENTATION = BasaltFormats.CANONICAL_TOKEN_IMPLEMENTATION;
    address internal constant L1_SENDER = address(0x1150);
    address internal constant HOLDER = address(0xF1e5);
    address internal constant L1_SENDER_WORST = address(0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE);

    TestToken internal token;
    uint256 internal canonicalGas;

    function setUp() public {
        deploySystem(false, false);
        token = new TestToken();
        token.mint(user, 1_000e18);
        vm.prank(user);
        token.approve(address(bridge), type(uint256).max);
        canonicalGas = bridge.CANONICAL_DEPOSIT_GAS_LIMIT();
        // The L2 system contracts, as the genesis places them (runtime code only).
        vm.etch(L2_BRIDGE, address(new L2Bridge()).code);
        vm.etch(MESSENGER, address(new L2Messenger()).code);
        vm.etch(FACTORY, address(new L2TokenFactory()).code);
        vm.etch(IMPLEMENTATION, address(new CanonicalERC20()).code);
    }

    // ---------------------------------------------------------------- helpers

    function str(string memory a, string memory b, string memory what) internal pure {
        assertEq(bytes(a), bytes(b), what);
    }

    /// The calldata of the last privileged transaction the L1 bridge queued, and its gas limit.
    function lastQueued() internal returns (bytes memory data, uint256 gasLimit) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = logs.length; i > 0; i--) {
            if (logs[i - 1].emitter == address(bridge) && logs[i - 1].topics[0] == ICommonBridge.PrivilegedTxSent.selector)
            {
                (, uint256 mint, uint256 value, uint256 limit, bytes memory d,) =
                    abi.decode(logs[i - 1].data, (uint256, uint256, uint256, uint256, bytes, uint256));
                assertEq(mint + value, 0, "a token deposit mints and sends no ether");
                return (d, limit);
            }
        }
        fail("nothing queued");
    }

    /// Deposits `amount` of `tokenL1` through the canonical entry from `user`; returns the queued L2 calldata.
    function depositCanonical(address tokenL1, address to, uint256 amount) internal returns (bytes memory data) {
        vm.recordLogs();
        vm.prank(user);
        bridge.depositERC20(tokenL1, to, amount);
        uint256 gasLimit;
        (data, gasLimit) = lastQueued();
        assertEq(gasLimit, canonicalGas, "queued with the canonical deposit gas limit");
    }

    /// The metadata a queued `mintCanonicalERC20` carries.
    function metadataOf(bytes memory data) internal pure returns (string memory, string memory, uint8) {
        bytes memory args = new bytes(data.length - 4);
        for (uint256 i = 0; i < args.length; i++) {
            args[i] = data[i + 4];
        }
        (,,,, string memory n, string memory s, uint8 d) =
            abi.decode(args, (address, address, address, uint256, string, string, uint8));
        return (n, s, d);
    }

    /// Gas left for execution by a privileged transaction with gas limit `gasLimit` and calldata `data`.
    function executionGas(uint256 gasLimit, bytes memory data) internal pure returns (uint256) {
        uint256 floor = BasaltFormats.minGasLimit(data);
        uint256 intrinsic = 21_000;
        for (uint256 i = 0; i < data.length; i++) {
            intrinsic += data[i] == 0 ? 4 : 16;
        }
        return gasLimit - (floor > intrinsic ? floor : intrinsic);
    }

    /// Runs a deposit's privileged transaction on the L2 contracts (from and to the L2 bridge), every L2
    /// account cold, with gas limit `gasLimit`.
    function runOnL2(bytes memory data, uint256 gasLimit) internal returns (bool ok) {
        vm.cool(L2_BRIDGE);
        vm.cool(MESSENGER);
        vm.cool(FACTORY);
        vm.cool(IMPLEMENTATION);
        uint256 gas = executionGas(gasLimit, data);
        vm.recordLogs();
        vm.prank(L2_BRIDGE);
        (ok,) = L2_BRIDGE.call{gas: gas}(data);
    }

    function canonicalCall(address tokenL1, address to, uint256 amount, string memory n, string memory s, uint8 d)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeCall(IL2Bridge.mintCanonicalERC20, (L1_SENDER, tokenL1, to, amount, n, s, d));
    }

    /// The L2 calldata a canonical deposit by `user` on L1 queues.
    function queuedBy(address tokenL1, address to, uint256 amount, string memory n, string memory s, uint8 d)
        internal
        view
        returns (bytes memory)
    {
        return abi.encodeCall(IL2Bridge.mintCanonicalERC20, (user, tokenL1, to, amount, n, s, d));
    }

    /// A string of `length` non-zero bytes (the costliest calldata and storage).
    function filled(uint256 length, bytes1 b) internal pure returns (string memory) {
        bytes memory out = new bytes(length);
        for (uint256 i = 0; i < length; i++) {
            out[i] = b;
        }
        return string(out);
    }

    /// The refund message of the last run is the L1 sender's withdrawal of `amount` of (tokenL1, canonical).
    function assertRefunded(address tokenL1, uint256 amount) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32 last;
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].emitter == MESSENGER) last = logs[i].topics[2];
        }
        bytes32 expected =
            BasaltFormats.withdrawalData(tokenL1, BasaltFormats.canonicalL2Token(tokenL1), L1_SENDER, amount);
        assertEq(last, expected, "refund of the canonical pair to the L1 sender");
    }

    // ---------------------------------------------------------------- the address

    function test_canonicalAddressIsWhereTheFactoryCreatesIt() public {
        address predicted = bridge.canonicalL2Token(address(token));
        assertEq(predicted, BasaltFormats.canonicalL2Token(address(token)), "bridge view = formats");
        assertEq(predicted, L2TokenFactory(FACTORY).canonicalToken(address(token)), "L2 factory view = L1");
        // CREATE2 by the factory, salt = the L1 address, init code = the EIP-1167 clone of the implementation.
        bytes memory initCode = abi.encodePacked(
            hex"3d602d80600a3d3981f3363d3d373d3d3d363d73", IMPLEMENTATION, hex"5af43d82803e903d91602b57fd5bf3"
        );
        bytes32 create2 = keccak256(
            abi.encodePacked(bytes1(0xff), FACTORY, bytes32(uint256(uint160(address(token)))), keccak256(initCode))
        );
        assertEq(predicted, address(uint160(uint256(create2))), "CREATE2 address");

        vm.prank(L2_BRIDGE);
        address created = L2TokenFactory(FACTORY).createCanonicalToken(address(token), "Test", "TST", 18);
        assertEq(created, predicted, "created where L1 said");
        assertEq(keccak256(created.code), keccak256(abi.encodePacked(hex"363d3d373d3d3d363d73", IMPLEMENTATION, hex"5af43d82803e903d91602b57fd5bf3")), "a minimal proxy");
        assertTrue(bridge.canonicalL2Token(address(0x7099)) != predicted, "another L1 token, another address");
    }

    // ---------------------------------------------------------------- first deposit, second deposit

    function test_firstDepositCreatesTheTokenAndTheSecondReusesIt() public {
        address tokenL2 = bridge.canonicalL2Token(address(token));
        bytes memory first = depositCanonical(address(token), HOLDER, 5e18);
        assertEq(first, queuedBy(address(token), HOLDER, 5e18, "Test", "TST", 18), "queued call");
        assertEq(bridge.deposits(address(token), tokenL2), 5e18, "accounted to the canonical pair");
        assertEq(tokenL2.code.length, 0, "not on L2 yet");

        // On L2 the deposit's calldata is executed by the L2 bridge (user is the L1 sender).
        vm.expectEmit(true, true, true, true, FACTORY);
        emit IL2TokenFactory.CanonicalTokenCreated(address(token), tokenL2, "Test", "TST", 18);
        vm.expectEmit(true, true, true, true, L2_BRIDGE);
        emit IL2Bridge.DepositFinalized(address(token), tokenL2, HOLDER, 5e18);
        assertTrue(runOnL2(first, canonicalGas), "first deposit");
        CanonicalERC20 l2 = CanonicalERC20(tokenL2);
        str(l2.name(), "Test", "name");
        str(l2.symbol(), "TST", "symbol");
        assertEq(l2.decimals(), 18, "decimals");
        assertEq(l2.l1Address(), address(token), "declares its L1 token");
        assertEq(l2.balanceOf(HOLDER), 5e18, "minted");
        assertTrue(l2.supportsInterface(0x33331994), "ERC-7802");

        // The second reuses it: no creation, the metadata of the call is ignored, balances add up.
        bytes memory second = canonicalCall(address(token), address(0xB0B), 2e18, "Other", "OTH", 6);
        assertTrue(runOnL2(second, canonicalGas), "second deposit");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; i++) {
            assertTrue(logs[i].emitter != FACTORY, "no second creation");
        }
        str(l2.name(), "Test", "metadata kept");
        assertEq(l2.decimals(), 18, "decimals kept");
        assertEq(l2.balanceOf(address(0xB0B)), 2e18, "minted again");
        assertEq(l2.totalSupply(), 7e18, "one token, both deposits");
        assertEq(L2Messenger(MESSENGER).lastMessageId(), 0, "nothing refunded");

        // Withdrawals burn it through the unchanged pair entry.
        vm.prank(HOLDER);
        L2Bridge(L2_BRIDGE).withdrawERC20(address(token), tokenL2, user, 1e18);
        assertEq(l2.balanceOf(HOLDER), 4e18, "burned");
    }

    function test_explicitPairDepositToTheCanonicalTokenUsesTheSamePair() public {
        address tokenL2 = bridge.canonicalL2Token(address(token));
        depositCanonical(address(token), HOLDER, 3e18);
        vm.prank(user);
        bridge.depositERC20(address(token), tokenL2, HOLDER, 4e18);
        assertEq(bridge.deposits(address(token), tokenL2), 7e18, "both entries credit one pair");
    }

    // ---------------------------------------------------------------- metadata on L1

    function scripted() internal returns (ScriptedMetadataToken t) {
        t = new ScriptedMetadataToken();
        t.mint(user, 100e18);
        vm.prank(user);
        t.approve(address(bridge), type(uint256).max);
    }

    function checkMetadata(address t, string memory n, string memory s, uint8 d, string memory what) internal {
        (string memory qn, string memory qs, uint8 qd) = metadataOf(depositCanonical(t, HOLDER, 1e18));
        str(qn, n, string.concat(what, ": name"));
        str(qs, s, string.concat(what, ": symbol"));
        assertEq(qd, d, string.concat(what, ": decimals"));
    }

    function test_metadataIsReadFromStringsAndBytes32() public {
        ScriptedMetadataToken t = scripted();
        t.script(ERC20.name.selector, ScriptedMetadataToken.Kind.Return, abi.encode("Maker"));
        t.script(ERC20.symbol.selector, ScriptedMetadataToken.Kind.Return, abi.encode(bytes32("MKR")));
        t.script(ERC20.decimals.selector, ScriptedMetadataToken.Kind.Return, abi.encode(uint256(6)));
        checkMetadata(address(t), "Maker", "MKR", 6, "ABI string and bytes32");

        string memory longest = filled(64, "n");
        t.script(ERC20.name.selector, ScriptedMetadataToken.Kind.Return, abi.encode(longest));
        t.script(ERC20.symbol.selector, ScriptedMetadataToken.Kind.Return, abi.encode(bytes32(type(uint256).max)));
        t.script(ERC20.decimals.selector, ScriptedMetadataToken.Kind.Return, abi.encode(uint256(255)));
        checkMetadata(address(t), longest, string(abi.encode(type(uint256).max)), 255, "limits");
    }

    function test_hostileMetadataFallsBackToTheDefaults() public {
        string memory defaultName = bridge.DEFAULT_TOKEN_NAME();
        string memory defaultSymbol = bridge.DEFAULT_TOKEN_SYMBOL();
        uint8 defaultDecimals = bridge.DEFAULT_TOKEN_DECIMALS();
        str(defaultName, "Bridged Token", "documented name");
        str(defaultSymbol, "BRIDGED", "documented symbol");
        assertEq(defaultDecimals, 18, "documented decimals");

        ScriptedMetadataToken.Kind R = ScriptedMetadataToken.Kind.Return;
        bytes[9] memory badStrings = [
            bytes(""), // nothing
            abi.encode(uint256(5)), // a uint256 (leading zero byte: empty as bytes32)
            abi.encode(address(0xBEEF)), // an address
            abi.encode(true), // a bool
            abi.encode(filled(65, "x")), // one byte too long
            abi.encode(""), // empty string
            abi.encodePacked(uint256(0x40), uint256(3), bytes32("abc")), // offset not 32
            abi.encodePacked(uint256(0x20), uint256(40), bytes32("short")), // claims more than it returns
            hex"0102" // less than a word
        ];
        bytes[5] memory badDecimals = [
            bytes(""),
            abi.encode(uint256(256)),
            abi.encode(type(uint256).max),
            hex"12", // less than a word
            abi.encode(int256(-1))
        ];
        for (uint256 i = 0; i < badStrings.length; i++) {
            ScriptedMetadataToken t = scripted();
            t.script(ERC20.name.selector, R, badStrings[i]);
            t.script(ERC20.symbol.selector, R, badStrings[i]);
            t.script(ERC20.decimals.selector, R, badDecimals[i % badDecimals.length]);
            checkMetadata(address(t), defaultName, defaultSymbol, defaultDecimals, "wrong answer");
        }

        // Reverting (with a huge revert) and gas-burning metadata.
        ScriptedMetadataToken reverting = scripted();
        reverting.script(ERC20.name.selector, ScriptedMetadataToken.Kind.RevertHuge, "");
        reverting.script(ERC20.symbol.selector, ScriptedMetadataToken.Kind.Revert, "");
        reverting.script(ERC20.decimals.selector, ScriptedMetadataToken.Kind.Revert, abi.encode(uint256(6)));
        checkMetadata(address(reverting), defaultName, defaultSymbol, defaultDecimals, "reverts");
        ScriptedMetadataToken burning = scripted();
        burning.script(ERC20.name.selector, ScriptedMetadataToken.Kind.Burn, "");
        burning.script(ERC20.symbol.selector, ScriptedMetadataToken.Kind.Burn, "");
        burning.script(ERC20.decimals.selector, ScriptedMetadataToken.Kind.Burn, "");
        checkMetadata(address(burning), defaultName, defaultSymbol, defaultDecimals, "burns gas");

        // A million-byte name costs more memory than its call's gas: the default, and the deposit goes through.
        HugeNameToken huge = new HugeNameToken();
        huge.mint(user, 1e18);
        vm.prank(user);
        huge.approve(address(bridge), type(uint256).max);
        checkMetadata(address(huge), defaultName, "TST", 18, "huge string");
    }

    /// A depositor cannot starve the metadata calls to get the defaults on purpose: with too little gas for a
    /// whole METADATA_CALL_GAS the deposit reverts instead.
    function test_starvedMetadataCallsRevertRatherThanFallBack() public {
        uint256 required = bridge.METADATA_CALL_GAS() + bridge.METADATA_CALL_GAS() / 63 + 5_000;
        uint256 succeeded;
        uint256 refused;
        for (uint256 gas = 30_000; gas <= 600_000; gas += 10_000) {
            uint256 snapshot = vm.snapshotState();
            vm.recordLogs();
            vm.prank(user);
            (bool ok, bytes memory err) = address(bridge).call{gas: gas}(
                abi.encodeWithSignature("depositERC20(address,address,uint256)", address(token), HOLDER, 1)
            );
            if (ok) {
                (string memory n,,) = metadataOf(lastQueued0());
                str(n, "Test", "whenever it goes through, the real metadata");
                succeeded++;
            } else if (err.length >= 4 && bytes4(err) == ICommonBridge.InsufficientGasForMetadata.selector) {
                (uint256 available, uint256 needed) = abi.decode(slice4(err), (uint256, uint256));
                assertEq(needed, required, "required gas");
                assertTrue(available < required, "only when short");
                refused++;
            }
            vm.revertToState(snapshot);
        }
        assertTrue(succeeded > 0 && refused > 0, "both outcomes seen");
    }

    function lastQueued0() internal returns (bytes memory data) {
        (data,) = lastQueued();
    }

    function slice4(bytes memory b) internal pure returns (bytes memory out) {
        out = new bytes(b.length - 4);
        for (uint256 i = 0; i < out.length; i++) {
            out[i] = b[i + 4];
        }
    }

    // ---------------------------------------------------------------- amounts and inputs on L1

    function test_feeOnTransferTokensCreditWhatArrived() public {
        FeeOnTransferToken fee = new FeeOnTransferToken();
        fee.mint(user, 100e18);
        vm.prank(user);
        fee.approve(address(bridge), type(uint256).max);
        bytes memory data = depositCanonical(address(fee), HOLDER, 100e18);
        assertEq(data, queuedBy(address(fee), HOLDER, 99e18, "Fee", "FEE", 18), "99 of 100 arrive, 99 minted");
        assertEq(bridge.deposits(address(fee), bridge.canonicalL2Token(address(fee))), 99e18, "accounted");
        assertTrue(runOnL2(data, canonicalGas), "delivered");
        assertEq(CanonicalERC20(bridge.canonicalL2Token(address(fee))).balanceOf(HOLDER), 99e18, "L2 balance");
    }

    function test_canonicalDepositRejectsBadInput() public {
        vm.startPrank(user);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.InvalidToken.selector, address(0)));
        bridge.depositERC20(address(0), HOLDER, 1);
        vm.expectRevert(abi.encodeWithSelector(ICommonBridge.InvalidToken.selector, BasaltFormats.ETH_TOKEN));
        bridge.depositERC20(BasaltFormats.ETH_TOKEN, HOLDER, 1);
        vm.expectRevert(ICommonBridge.ZeroAddress.selector);
        bridge.depositERC20(address(token), address(0), 1);
        vm.expectRevert(ICommonBridge.ZeroAmount.selector);
        bridge.depositERC20(address(token), HOLDER, 0);
        vm.stopPrank();
        vm.prank(governance);
        bridge.pause();
        vm.prank(user);
        vm.expectRevert();
        bridge.depositERC20(address(token), HOLDER, 1);
    }

    function test_canonicalGasLimitFollowsALargerDepositGasLimitAndMustFit() public {
        vm.prank(governance);
        bridge.setL2GasLimits(500_000, 1_000_000, L2_BLOCK_GAS);
        vm.recordLogs();
        vm.prank(user);
        bridge.depositERC20(address(token), HOLDER, 1);
        (, uint256 gasLimit) = lastQueued();
        assertEq(gasLimit, 500_000, "max(depositGasLimit, CANONICAL_DEPOSIT_GAS_LIMIT)");
        // No configuration leaves canonical deposits unable to fit: maxL2GasLimit stays at or above the limit.
        vm.prank(governance);
        vm.expectRevert(ICommonBridge.InvalidParameter.selector);
        bridge.setL2GasLimits(150_000, canonicalGas - 1, L2_BLOCK_GAS);
    }

    // ---------------------------------------------------------------- nobody else creates

    function test_nobodyButTheBridgeCreatesOrInitialises() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IL2TokenFactory.NotBridge.selector, stranger));
        L2TokenFactory(FACTORY).createCanonicalToken(address(token), "Evil", "EVL", 0);

        // The implementation (genesis, never initialised) refuses anyone but the factory.
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ICanonicalERC20.NotFactory.selector, stranger));
        CanonicalERC20(IMPLEMENTATION).initialize(address(token), "Evil", "EVL", 0);

        // Once created, it cannot be created again nor re-initialised, even by the factory.
        vm.prank(L2_BRIDGE);
        address tokenL2 = L2TokenFactory(FACTORY).createCanonicalToken(address(token), "Test", "TST", 18);
        vm.prank(L2_BRIDGE);
        vm.expectRevert(abi.encodeWithSelector(IL2TokenFactory.TokenExists.selector, address(token), tokenL2));
        L2TokenFactory(FACTORY).createCanonicalToken(address(token), "Evil", "EVL", 0);
        vm.prank(FACTORY);
        vm.expectRevert(ICanonicalERC20.AlreadyInitialized.selector);
        CanonicalERC20(tokenL2).initialize(address(0x7099), "Evil", "EVL", 0);
        vm.prank(L2_BRIDGE);
        vm.expectRevert(IL2TokenFactory.ZeroL1Token.selector);
        L2TokenFactory(FACTORY).createCanonicalToken(address(0), "Zero", "Z", 0);

        // Only the bridge mints or burns.
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IBridgedToken.NotBridge.selector, stranger));
        CanonicalERC20(tokenL2).crosschainMint(stranger, 1);
    }

    /// The same clone code and salt from any other deployer lands elsewhere, so no one can put a token (of any
    /// code) at a canonical address: only the factory's CREATE2 reaches it, and the factory answers only the bridge.
    function test_theCanonicalAddressCannotBePreDeployed() public {
        address canonical = bridge.canonicalL2Token(address(token));
        bytes memory initCode = abi.encodePacked(
            hex"3d602d80600a3d3981f3363d3d373d3d3d363d73", IMPLEMENTATION, hex"5af43d82803e903d91602b57fd5bf3"
        );
        bytes32 salt = bytes32(uint256(uint160(address(token))));
        address elsewhere;
        assembly {
            elsewhere := create2(0, add(initCode, 32), mload(initCode), salt)
        }
        assertTrue(elsewhere != address(0) && elsewhere != canonical, "another deployer, another address");
        assertEq(canonical.code.length, 0, "the canonical address is still free");

        // Ether sent to the address first does not stop the creation.
        vm.deal(canonical, 1 ether);
        bytes memory data = canonicalCall(address(token), HOLDER, 1, "Test", "TST", 18);
        assertTrue(runOnL2(data, canonicalGas), "created despite the balance");
        assertEq(CanonicalERC20(canonical).balanceOf(HOLDER), 1, "minted");
        assertEq(L2Messenger(MESSENGER).lastMessageId(), 0, "no refund");
    }

    // ---------------------------------------------------------------- refunds and gas

    /// At CANONICAL_DEPOSIT_GAS_LIMIT, cold, a delivery that fails is refunded to the L1 sender for the canonical
    /// pair and the privileged transaction itself never fails.
    function test_undeliverableCanonicalDepositsAreRefundedAtTheLimit() public {
        bytes[4] memory failing = [
            canonicalCall(address(token), address(0), 7, "Test", "TST", 18), // mint to zero reverts
            canonicalCall(address(0), HOLDER, 7, "Zero", "Z", 18), // the factory refuses L1 token zero
            canonicalCall(address(token), HOLDER, type(uint256).max, "Test", "TST", 18), // supply overflows below
            canonicalCall(address(token), HOLDER, 7, "Test", "TST", 18) // the factory is missing
        ];
        for (uint256 i = 0; i < failing.length; i++) {
            uint256 snapshot = vm.snapshotState();
            if (i == 2) {
                // An earlier deposit leaves a supply that the next mint overflows.
                assertTrue(runOnL2(canonicalCall(address(token), HOLDER, 1, "Test", "TST", 18), canonicalGas), "first");
            }
            if (i == 3) vm.etch(FACTORY, "");
            (address tokenL1,, uint256 amount) = i == 1
                ? (address(0), address(0), uint256(7))
                : (address(token), address(0), i == 2 ? type(uint256).max : 7);
            assertTrue(runOnL2(failing[i], canonicalGas), "never fails");
            assertRefunded(tokenL1, amount);
            if (i != 2) {
                assertEq(BasaltFormats.canonicalL2Token(tokenL1).code.length, 0, "no token left behind");
            }
            vm.revertToState(snapshot);
        }
    }

    /// The costliest canonical deposit: first creation with 64-byte name and symbol of non-zero bytes, every
    /// account and slot cold, a fresh recipient. Finds the smallest gas limit that delivers it (bisection) and
    /// checks CANONICAL_DEPOSIT_GAS_LIMIT covers it with a margin; one gas less than the smallest is refunded,
    /// never failed.
    function test_canonicalDepositGasLimitCoversTheWorstCase() public {
        address tokenL1 = address(0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF);
        address tokenL2 = BasaltFormats.canonicalL2Token(tokenL1);
        address recipient = address(0xFFFFFfFfFffffFFfFFffFFFffFfFffFfFFFffFF0);
        bytes memory data = abi.encodeCall(
            IL2Bridge.mintCanonicalERC20,
            (L1_SENDER_WORST, tokenL1, recipient, type(uint256).max, filled(64, "N"), filled(64, "S"), 255)
        );
        uint256 lo = BasaltFormats.minGasLimit(data);
        uint256 hi = canonicalGas;
        assertTrue(delivered(data, tokenL2, recipient, hi), "delivered at the limit");
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            if (delivered(data, tokenL2, recipient, mid)) hi = mid;
            else lo = mid;
        }
        emit log_named_uint("gas limit the costliest canonical deposit needs (cold creation + mint)", hi);
        assertTrue(hi + 20_000 <= canonicalGas, "CANONICAL_DEPOSIT_GAS_LIMIT covers it with a 20,000 margin");
        assertTrue(runOnL2(data, hi - 1), "one gas less: still included");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32 last;
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].emitter == MESSENGER) last = logs[i].topics[2];
        }
        assertEq(last, BasaltFormats.withdrawalData(tokenL1, tokenL2, L1_SENDER_WORST, type(uint256).max), "refunded");
        assertEq(tokenL2.code.length, 0, "and nothing created");
    }

    function delivered(bytes memory data, address tokenL2, address recipient, uint256 gasLimit)
        internal
        returns (bool minted)
    {
        uint256 snapshot = vm.snapshotState();
        bool ok = runOnL2(data, gasLimit);
        minted = tokenL2.code.length != 0 && CanonicalERC20(tokenL2).balanceOf(recipient) != 0;
        assertTrue(ok || !minted, "a failed transaction mints nothing");
        vm.revertToState(snapshot);
    }

    event log_named_uint(string key, uint256 val);
}
