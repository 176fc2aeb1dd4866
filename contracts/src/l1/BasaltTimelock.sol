// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

import {IOnChainProposer} from "./interfaces/IOnChainProposer.sol";

/// @title BasaltTimelock
/// @notice Governance of the rollup: owner of the OnChainProposer, the CommonBridge and the
///         AttestationVerifier. Every change (upgrade, verifier set, signer set, limits) waits at least
///         `getMinDelay()` seconds, the exit window in which users can withdraw if they disagree.
///         The security council holds CANCELLER_ROLE and can veto any scheduled operation except those
///         that only unpause, replace the council or change who holds CANCELLER_ROLE: it can neither keep
///         the system paused nor keep itself in office. Proposers may cancel anything.
///         With an exit-window guard (the OnChainProposer proxy), the delay can never drop below what the
///         deployment's profile requires, and a new canceller must pass the profile's council check.
/// @dev Self-administered (no admin account): role changes and delay changes go through the timelock.
contract BasaltTimelock is TimelockController {
    /// @notice The OnChainProposer proxy whose exit window bounds the delay (zero: no bound).
    IOnChainProposer public immutable exitWindowGuard;
    /// @notice Operations only a proposer may cancel (see the contract notice).
    mapping(bytes32 id => bool) public councilCannotCancel;

    /// @notice The council tried to cancel an operation that only unpauses or replaces the council.
    error CouncilCannotCancel(bytes32 id);

    /// @param minDelay        Exit window in seconds.
    /// @param proposers       Accounts that schedule (and may cancel) operations.
    /// @param executors       Accounts that execute ready operations (zero address: anyone).
    /// @param securityCouncil Account that may cancel operations (zero: none).
    /// @param guard           The OnChainProposer proxy (its address may be predicted; zero: no bound).
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address securityCouncil,
        IOnChainProposer guard
    ) TimelockController(minDelay, proposers, executors, address(0)) {
        if (securityCouncil != address(0)) _grantRole(CANCELLER_ROLE, securityCouncil);
        exitWindowGuard = guard;
    }

    /// @inheritdoc TimelockController
    function schedule(
        address target,
        uint256 value,
        bytes calldata data,
        bytes32 predecessor,
        bytes32 salt,
        uint256 delay
    ) public override {
        super.schedule(target, value, data, predecessor, salt, delay);
        if (_shieldedFromCouncil(target, data)) {
            councilCannotCancel[hashOperation(target, value, data, predecessor, salt)] = true;
        }
    }

    /// @inheritdoc TimelockController
    /// @dev A batch is shielded from the council only if every one of its calls is.
    function scheduleBatch(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata payloads,
        bytes32 predecessor,
        bytes32 salt,
        uint256 delay
    ) public override {
        super.scheduleBatch(targets, values, payloads, predecessor, salt, delay);
        for (uint256 i = 0; i < targets.length; i++) {
            if (!_shieldedFromCouncil(targets[i], payloads[i])) return;
        }
        councilCannotCancel[hashOperationBatch(targets, values, payloads, predecessor, salt)] = true;
    }

    /// @inheritdoc TimelockController
    function cancel(bytes32 id) public override {
        if (councilCannotCancel[id] && hasRole(CANCELLER_ROLE, msg.sender) && !hasRole(PROPOSER_ROLE, msg.sender)) {
            revert CouncilCannotCancel(id);
        }
        super.cancel(id);
    }

    /// @inheritdoc TimelockController
    /// @dev With a guard, the new delay must still cover the deployment's exit window.
    function updateDelay(uint256 newDelay) public override {
        super.updateDelay(newDelay);
        if (address(exitWindowGuard) != address(0)) exitWindowGuard.checkExitWindow();
    }

    /// @notice Grants `role` to `account` (only through the timelock itself).
    /// @dev With a guard, a new canceller must pass the deployment's council check (a contract when staged).
    function grantRole(bytes32 role, address account) public override {
        super.grantRole(role, account);
        if (role == CANCELLER_ROLE && address(exitWindowGuard) != address(0)) {
            exitWindowGuard.checkSecurityCouncil(account);
        }
    }

    /// @dev `unpause()` or `setSecurityCouncil(address)` on any target, or a grant/revoke of CANCELLER_ROLE on
    ///      this timelock.
    function _shieldedFromCouncil(address target, bytes calldata data) internal view returns (bool) {
        if (data.length < 4) return false;
        bytes4 selector = bytes4(data[:4]);
        if (selector == bytes4(keccak256("unpause()")) || selector == bytes4(keccak256("setSecurityCouncil(address)"))) {
            return true;
        }
        return target == address(this) && (selector == this.grantRole.selector || selector == this.revokeRole.selector)
            && data.length >= 36 && bytes32(data[4:36]) == CANCELLER_ROLE;
    }
}
