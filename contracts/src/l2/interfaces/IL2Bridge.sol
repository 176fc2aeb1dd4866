// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title IL2Bridge
/// @notice L2 system contract at 0x00000000000000000000000000000000000001ff (RIP-7875): the L2 end of
///         the bridge.
interface IL2Bridge {
    event DepositFinalized(address indexed tokenL1, address indexed tokenL2, address indexed to, uint256 amount);
    /// @notice A deposit could not be delivered; its funds were sent back to `l1Sender` on L1.
    event DepositRefunded(
        address indexed tokenL1, address indexed tokenL2, address indexed l1Sender, uint256 amount, uint256 messageId
    );
    event WithdrawalInitiated(
        address indexed tokenL1,
        address indexed tokenL2,
        address indexed l1Recipient,
        address from,
        uint256 amount,
        uint256 messageId
    );

    /// @notice The caller is not a privileged transaction from the bridge itself.
    error NotPrivileged(address caller);
    error ZeroAmount();
    error ZeroAddress();
    /// @notice `tokenL2` does not declare `tokenL1` as its L1 token.
    error TokenMismatch(address tokenL1, address tokenL2);

    /// @notice Delivers a deposit of `msg.value` wei to `to`; refunds `l1Sender` on L1 if that fails.
    function mintETH(address l1Sender, address to) external payable;

    /// @notice Mints a bridged ERC20 deposit; refunds `l1Sender` on L1 if that fails.
    function mintERC20(address l1Sender, address tokenL1, address tokenL2, address to, uint256 amount) external;

    /// @notice Mints a deposit of `tokenL1` in its canonical L2 token (`BasaltFormats.canonicalL2Token(tokenL1)`),
    ///         creating that token with this metadata first if it does not exist yet; refunds `l1Sender` on L1
    ///         if that fails. The metadata of an existing token is left as it is.
    function mintCanonicalERC20(
        address l1Sender,
        address tokenL1,
        address to,
        uint256 amount,
        string calldata name,
        string calldata symbol,
        uint8 decimals
    ) external;

    /// @notice Withdraws `msg.value` wei to `l1Recipient` on L1.
    function withdraw(address l1Recipient) external payable;

    /// @notice Burns `amount` of bridged `tokenL2` from the caller and withdraws it as `tokenL1`.
    function withdrawERC20(address tokenL1, address tokenL2, address l1Recipient, uint256 amount) external;
}
