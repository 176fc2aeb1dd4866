// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";

/// @title EmergencyPause
/// @notice A pause that ends by itself: every pause lasts at most MAX_PAUSE_DURATION, after which the
///         contract runs again without any transaction. The security council may pause again only
///         COUNCIL_PAUSE_COOLDOWN after its last pause ended; governance (the owner) may pause again at once.
/// @dev State lives in an ERC-7201 namespace (like OpenZeppelin's), so inheriting this leaves the ordinary
///      storage layout of the inheriting contract untouched. The namespace is append-only too.
abstract contract EmergencyPause is PausableUpgradeable {
    /// @notice Longest a pause lasts before it ends by itself.
    uint256 public constant MAX_PAUSE_DURATION = 14 days;
    /// @notice Time the council must wait after the end of its last pause before pausing again.
    uint256 public constant COUNCIL_PAUSE_COOLDOWN = 14 days;

    /// @custom:storage-location erc7201:basalt.storage.EmergencyPause
    struct EmergencyPauseStorage {
        uint64 pausedUntil;
        uint64 councilMayPauseAt;
    }

    // keccak256(abi.encode(uint256(keccak256("basalt.storage.EmergencyPause")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant EMERGENCY_PAUSE_STORAGE =
        0xa87146678eb8c0e8908d89a1922339353a6afb44bf7efda73eaffc357ffcdf00;

    /// @notice A pause began; it ends by itself at `until` unless lifted earlier.
    event PausedUntil(uint256 until);

    /// @notice The council paused less than COUNCIL_PAUSE_COOLDOWN after its last pause ended.
    error CouncilPauseCoolingDown(uint256 allowedAt);

    /// @notice True while a pause is in force (set and not yet expired).
    function paused() public view virtual override returns (bool) {
        return super.paused() && block.timestamp < _pauseStorage().pausedUntil;
    }

    /// @notice When the current pause ends by itself; 0 when not paused.
    function pausedUntil() public view returns (uint256) {
        return paused() ? _pauseStorage().pausedUntil : 0;
    }

    /// @notice Earliest time the council may pause again.
    function councilMayPauseAt() public view returns (uint256) {
        return _pauseStorage().councilMayPauseAt;
    }

    /// @dev Pauses for MAX_PAUSE_DURATION; a council pause also starts its cooldown. Returns the end.
    function _pauseFor(bool byCouncil) internal returns (uint256 until) {
        EmergencyPauseStorage storage s = _pauseStorage();
        if (byCouncil && block.timestamp < s.councilMayPauseAt) revert CouncilPauseCoolingDown(s.councilMayPauseAt);
        _pause();
        until = block.timestamp + MAX_PAUSE_DURATION;
        s.pausedUntil = uint64(until);
        if (byCouncil) s.councilMayPauseAt = uint64(until + COUNCIL_PAUSE_COOLDOWN);
        emit PausedUntil(until);
    }

    /// @dev Lifts the pause in force (reverts `ExpectedPause` when there is none).
    function _endPause() internal {
        _unpause();
        _pauseStorage().pausedUntil = uint64(block.timestamp);
    }

    function _pauseStorage() private pure returns (EmergencyPauseStorage storage s) {
        assembly {
            s.slot := EMERGENCY_PAUSE_STORAGE
        }
    }
}
