//! A minimal ERC20 token as raw EVM bytecode, so the load test can deploy one on any chain
//! (anvil, geth, basalt) without a compiler. The constructor gives the whole supply to the
//! deployer and logs the mint; the runtime has `transfer(address,uint256)` (balance-checked,
//! returns true, logs `Transfer`) and `balanceOf(address)`. No allowances, no metadata.
//!
//! Balances live at storage slot = holder address, so a transfer costs exactly two slots.
//! Only pre-Shanghai opcodes are used (no PUSH0), so any EVM chain accepts it.

use alloy_primitives::{Address, B256, Bytes, U256, b256, uint};
use alloy_sol_types::{SolCall, sol};
use std::collections::HashMap;

sol! {
    function transfer(address to, uint256 amount) returns (bool);
    function balanceOf(address holder) returns (uint256);
}

/// keccak256("Transfer(address,address,uint256)"), the ERC20 event's topic 0.
pub const TRANSFER_TOPIC: B256 =
    b256!("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef");

/// Units minted to the deployer: 10^30, far more than any load test hands out.
pub const TOTAL_SUPPLY: U256 = uint!(1_000_000_000_000_000_000_000_000_000_000_U256);

/// Calldata of `transfer(to, amount)`.
pub fn transfer_calldata(to: Address, amount: U256) -> Bytes {
    transferCall { to, amount }.abi_encode().into()
}

/// Calldata of `balanceOf(holder)`.
pub fn balance_of_calldata(holder: Address) -> Bytes {
    balanceOfCall { holder }.abi_encode().into()
}

/// Decodes the answer of an `eth_call` to `balanceOf`.
pub fn decode_balance(output: &[u8]) -> Option<U256> {
    balanceOfCall::abi_decode_returns(output).ok()
}

mod op {
    pub const ADD: u8 = 0x01;
    pub const SUB: u8 = 0x03;
    pub const LT: u8 = 0x10;
    pub const GT: u8 = 0x11;
    pub const EQ: u8 = 0x14;
    pub const SHR: u8 = 0x1c;
    pub const CALLER: u8 = 0x33;
    pub const CALLVALUE: u8 = 0x34;
    pub const CALLDATALOAD: u8 = 0x35;
    pub const CALLDATASIZE: u8 = 0x36;
    pub const CODECOPY: u8 = 0x39;
    pub const POP: u8 = 0x50;
    pub const MSTORE: u8 = 0x52;
    pub const SLOAD: u8 = 0x54;
    pub const SSTORE: u8 = 0x55;
    pub const JUMPI: u8 = 0x57;
    pub const JUMPDEST: u8 = 0x5b;
    pub const PUSH1: u8 = 0x60;
    pub const PUSH2: u8 = 0x61;
    pub const PUSH4: u8 = 0x63;
    pub const PUSH32: u8 = 0x7f;
    pub const DUP1: u8 = 0x80;
    pub const DUP2: u8 = 0x81;
    pub const DUP3: u8 = 0x82;
    pub const LOG3: u8 = 0xa3;
    pub const RETURN: u8 = 0xf3;
    pub const REVERT: u8 = 0xfd;
}

/// Bytes plus named positions; jumps are PUSH2 of a label, patched when the code is finished.
#[derive(Default)]
struct Assembler {
    code: Vec<u8>,
    labels: HashMap<&'static str, usize>,
    fixups: Vec<(usize, &'static str)>,
}

impl Assembler {
    fn ops(&mut self, bytes: &[u8]) -> &mut Self {
        self.code.extend_from_slice(bytes);
        self
    }

    fn push1(&mut self, value: u8) -> &mut Self {
        self.ops(&[op::PUSH1, value])
    }

    fn push32(&mut self, word: [u8; 32]) -> &mut Self {
        self.ops(&[op::PUSH32]).ops(&word)
    }

    /// PUSH2 of a label's position (resolved in `finish`).
    fn push_label(&mut self, label: &'static str) -> &mut Self {
        self.fixups.push((self.code.len() + 1, label));
        self.ops(&[op::PUSH2, 0, 0])
    }

    /// A jump target: records the position and emits JUMPDEST.
    fn jumpdest(&mut self, label: &'static str) -> &mut Self {
        self.mark(label).ops(&[op::JUMPDEST])
    }

    /// Records a position that is not jumped to (e.g. where appended data starts).
    fn mark(&mut self, label: &'static str) -> &mut Self {
        self.labels.insert(label, self.code.len());
        self
    }

    fn finish(mut self) -> Vec<u8> {
        for (at, label) in self.fixups {
            // Labels are this module's constants; the unit tests assemble every program.
            let target = *self.labels.get(label).unwrap_or_else(|| panic!("label {label} unset"));
            let target = u16::try_from(target).expect("token code is far below 64 KiB");
            self.code[at..at + 2].copy_from_slice(&target.to_be_bytes());
        }
        self.code
    }
}

/// The deployed code.
pub fn runtime_code() -> Vec<u8> {
    use op::*;
    let mut a = Assembler::default();
    // Not payable, like a Solidity token: ETH sent to it would be stuck.
    a.ops(&[CALLVALUE]).push_label("revert").ops(&[JUMPI]);
    a.push1(0).ops(&[CALLDATALOAD]).push1(0xe0).ops(&[SHR]); // selector
    a.ops(&[DUP1, PUSH4]).ops(&transferCall::SELECTOR).ops(&[EQ]);
    a.push_label("transfer").ops(&[JUMPI]);
    a.ops(&[DUP1, PUSH4]).ops(&balanceOfCall::SELECTOR).ops(&[EQ]);
    a.push_label("balance_of").ops(&[JUMPI]);
    a.jumpdest("revert").push1(0).ops(&[DUP1, REVERT]);

    // balanceOf(holder): short calldata reverts instead of reading zeros.
    a.jumpdest("balance_of");
    a.ops(&[CALLDATASIZE]).push1(0x24).ops(&[GT]).push_label("revert").ops(&[JUMPI]);
    a.push1(4).ops(&[CALLDATALOAD, SLOAD]).push1(0).ops(&[MSTORE]);
    a.push1(0x20).push1(0).ops(&[RETURN]);

    // transfer(to, amount). Stack comments list the top first.
    a.jumpdest("transfer");
    a.ops(&[CALLDATASIZE]).push1(0x44).ops(&[GT]).push_label("revert").ops(&[JUMPI]);
    a.push1(4).ops(&[CALLDATALOAD]); // to
    // An address argument with dirty upper bytes is malformed ABI; solc rejects it too.
    a.ops(&[DUP1]).push1(0xa0).ops(&[SHR]).push_label("revert").ops(&[JUMPI]);
    a.push1(0x24).ops(&[CALLDATALOAD]); // amount, to
    a.ops(&[CALLER, SLOAD]); // balance, amount, to
    a.ops(&[DUP2, DUP2, LT]).push_label("revert").ops(&[JUMPI]);
    a.ops(&[DUP2, DUP2, SUB, CALLER, SSTORE, POP]); // amount, to
    // The recipient is read after the sender is written, so a transfer to oneself is a no-op.
    a.ops(&[DUP2, SLOAD, DUP2, ADD, DUP3, SSTORE]); // amount, to
    // No overflow check on the add: the supply is fixed, so no balance can exceed it.
    a.push1(0).ops(&[MSTORE]); // to
    a.ops(&[CALLER]).push32(TRANSFER_TOPIC.0).push1(0x20).push1(0).ops(&[LOG3]);
    a.push1(1).push1(0).ops(&[MSTORE]).push1(0x20).push1(0).ops(&[RETURN]);
    a.finish()
}

/// The deployment code: mint the supply to the deployer, log it, return `runtime_code()`.
pub fn init_code() -> Bytes {
    use op::*;
    let runtime = runtime_code();
    let runtime_len = u16::try_from(runtime.len()).expect("token code is far below 64 KiB");
    let mut a = Assembler::default();
    let supply = TOTAL_SUPPLY.to_be_bytes::<32>();
    a.push32(supply).ops(&[CALLER, SSTORE]);
    // Transfer(0, deployer, supply), as ERC20 mints are logged.
    a.push32(supply).push1(0).ops(&[MSTORE]);
    a.ops(&[CALLER]).push1(0).push32(TRANSFER_TOPIC.0).push1(0x20).push1(0).ops(&[LOG3]);
    a.ops(&[PUSH2]).ops(&runtime_len.to_be_bytes()).ops(&[DUP1]);
    a.push_label("runtime").push1(0).ops(&[CODECOPY]); // runtime_len
    a.push1(0).ops(&[RETURN]);
    a.mark("runtime").ops(&runtime);
    a.finish().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_supply_is_ten_to_the_thirty() {
        assert_eq!(TOTAL_SUPPLY, U256::from(10u64).pow(U256::from(30u64)));
    }

    #[test]
    fn transfer_topic_is_the_erc20_event() {
        let topic = alloy_primitives::keccak256("Transfer(address,address,uint256)");
        assert_eq!(TRANSFER_TOPIC, topic);
    }

    #[test]
    fn every_jump_lands_on_a_jumpdest() {
        let code = runtime_code();
        let mut i = 0;
        while i < code.len() {
            let opcode = code[i];
            if opcode == op::PUSH2 && matches!(code.get(i + 3), Some(&op::JUMPI)) {
                let target = u16::from_be_bytes([code[i + 1], code[i + 2]]) as usize;
                assert_eq!(code[target], op::JUMPDEST, "jump at {i} to {target}");
            }
            // Skip push data so it is never read as an opcode.
            i += 1 + if (0x60..=0x7f).contains(&opcode) { (opcode - 0x5f) as usize } else { 0 };
        }
    }

    #[test]
    fn init_code_ends_with_the_runtime_it_copies() {
        let init = init_code();
        let runtime = runtime_code();
        assert!(init.ends_with(&runtime));
        let offset = init.len() - runtime.len();
        // PUSH2 len DUP1 PUSH2 offset: the copy reads exactly the appended runtime.
        let copy = init[..offset].windows(2).rposition(|w| w == [op::DUP1, op::PUSH2]).unwrap();
        assert_eq!(u16::from_be_bytes([init[copy - 2], init[copy - 1]]) as usize, runtime.len());
        assert_eq!(u16::from_be_bytes([init[copy + 2], init[copy + 3]]) as usize, offset);
    }

    #[test]
    fn calldata_has_the_erc20_selectors() {
        assert_eq!(transfer_calldata(Address::ZERO, U256::ZERO)[..4], [0xa9, 0x05, 0x9c, 0xbb]);
        assert_eq!(balance_of_calldata(Address::ZERO)[..4], [0x70, 0xa0, 0x82, 0x31]);
    }
}
