//! Which revm rule set executes a given hardfork.

use basalt_primitives::Hardfork;
use revm::primitives::hardfork::SpecId;

/// The revm specification for `fork`. Forks that changed nothing revm models (difficulty-bomb
/// delays, blob-parameter-only forks) map to the fork they extend; Constantinople maps to
/// Petersburg because revm does not model the withdrawn EIP-1283.
pub fn spec_id(fork: Hardfork) -> SpecId {
    match fork {
        Hardfork::Frontier => SpecId::FRONTIER,
        Hardfork::Homestead => SpecId::HOMESTEAD,
        Hardfork::Tangerine => SpecId::TANGERINE,
        Hardfork::SpuriousDragon => SpecId::SPURIOUS_DRAGON,
        Hardfork::Byzantium => SpecId::BYZANTIUM,
        Hardfork::Constantinople | Hardfork::Petersburg => SpecId::PETERSBURG,
        Hardfork::Istanbul | Hardfork::MuirGlacier => SpecId::ISTANBUL,
        Hardfork::Berlin => SpecId::BERLIN,
        Hardfork::London | Hardfork::ArrowGlacier | Hardfork::GrayGlacier => SpecId::LONDON,
        Hardfork::Paris => SpecId::MERGE,
        Hardfork::Shanghai => SpecId::SHANGHAI,
        Hardfork::Cancun => SpecId::CANCUN,
        Hardfork::Prague => SpecId::PRAGUE,
        Hardfork::Osaka
        | Hardfork::Bpo1
        | Hardfork::Bpo2
        | Hardfork::Bpo3
        | Hardfork::Bpo4
        | Hardfork::Bpo5 => SpecId::OSAKA,
    }
}

/// The EIP-7825 transaction gas limit cap at `fork`: 2^24 gas from Osaka, none before.
pub fn tx_gas_limit_cap(fork: Hardfork) -> u64 {
    if spec_id(fork).is_enabled_in(SpecId::OSAKA) {
        revm::primitives::eip7825::TX_GAS_LIMIT_CAP
    } else {
        u64::MAX
    }
}
