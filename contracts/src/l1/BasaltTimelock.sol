// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title BasaltTimelock
/// @notice Governance of the rollup: owner of the OnChainProposer, the CommonBridge and the
///         AttestationVerifier. Every change (upgrade, verifier set, signer set, limits) waits at least
///         `getMinDelay()` seconds, the exit window in which users can withdraw if they disagree.
///         The security council can cancel any scheduled operation (CANCELLER_ROLE); it can also pause
///         the rollup and the bridge directly, where it is registered as their security council.
/// @dev Self-administered (no admin account): role changes and delay changes go through the timelock.
contract BasaltTimelock is TimelockController {
    /// @param minDelay        Exit window in seconds.
    /// @param proposers       Accounts that schedule (and may cancel) operations.
    /// @param executors       Accounts that execute ready operations (zero address: anyone).
    /// @param securityCouncil Account that may cancel operations (zero: none).
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address securityCouncil)
        TimelockController(minDelay, proposers, executors, address(0))
    {
        if (securityCouncil != address(0)) _grantRole(CANCELLER_ROLE, securityCouncil);
    }
}
