//! Ethereum hardforks in activation order, and the names the ecosystem uses for them.

use std::{fmt, str::FromStr};

/// An Ethereum execution-layer hardfork. The order of the variants is the activation order,
/// so `fork >= Hardfork::London` asks "are London's rules in force".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hardfork {
    Frontier,
    Homestead,
    /// EIP-150 gas repricing ("Tangerine Whistle").
    Tangerine,
    /// EIP-155/158/160/161 ("Spurious Dragon").
    SpuriousDragon,
    Byzantium,
    Constantinople,
    Petersburg,
    Istanbul,
    MuirGlacier,
    Berlin,
    London,
    ArrowGlacier,
    GrayGlacier,
    /// The Merge.
    Paris,
    Shanghai,
    Cancun,
    Prague,
    Osaka,
    /// Blob-parameter-only forks (EIP-7892): they change only the blob schedule.
    Bpo1,
    Bpo2,
    Bpo3,
    Bpo4,
    Bpo5,
}

impl Hardfork {
    /// Every fork, oldest first.
    pub const ALL: [Hardfork; 23] = [
        Self::Frontier,
        Self::Homestead,
        Self::Tangerine,
        Self::SpuriousDragon,
        Self::Byzantium,
        Self::Constantinople,
        Self::Petersburg,
        Self::Istanbul,
        Self::MuirGlacier,
        Self::Berlin,
        Self::London,
        Self::ArrowGlacier,
        Self::GrayGlacier,
        Self::Paris,
        Self::Shanghai,
        Self::Cancun,
        Self::Prague,
        Self::Osaka,
        Self::Bpo1,
        Self::Bpo2,
        Self::Bpo3,
        Self::Bpo4,
        Self::Bpo5,
    ];

    /// The rules of a fresh development chain: Osaka, the newest fork that changes execution
    /// (the BPO forks after it change only the blob schedule; `--hardfork bpo2` selects them).
    pub const DEV_DEFAULT: Hardfork = Hardfork::Osaka;

    /// Forks from Shanghai on activate by timestamp; older ones by block number.
    pub fn is_timestamp_based(self) -> bool {
        self >= Self::Shanghai
    }

    /// The name used in execution-spec-tests and geth's `blobSchedule` keys.
    pub fn name(self) -> &'static str {
        match self {
            Self::Frontier => "Frontier",
            Self::Homestead => "Homestead",
            Self::Tangerine => "EIP150",
            Self::SpuriousDragon => "EIP158",
            Self::Byzantium => "Byzantium",
            Self::Constantinople => "Constantinople",
            Self::Petersburg => "ConstantinopleFix",
            Self::Istanbul => "Istanbul",
            Self::MuirGlacier => "MuirGlacier",
            Self::Berlin => "Berlin",
            Self::London => "London",
            Self::ArrowGlacier => "ArrowGlacier",
            Self::GrayGlacier => "GrayGlacier",
            Self::Paris => "Paris",
            Self::Shanghai => "Shanghai",
            Self::Cancun => "Cancun",
            Self::Prague => "Prague",
            Self::Osaka => "Osaka",
            Self::Bpo1 => "BPO1",
            Self::Bpo2 => "BPO2",
            Self::Bpo3 => "BPO3",
            Self::Bpo4 => "BPO4",
            Self::Bpo5 => "BPO5",
        }
    }
}

impl fmt::Display for Hardfork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown fork name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown hardfork '{0}' (known: Frontier … Osaka, BPO1 … BPO5)")]
pub struct UnknownHardfork(pub String);

impl FromStr for Hardfork {
    type Err = UnknownHardfork;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        let fork = match lower.as_str() {
            "tangerinewhistle" | "tangerine" => Self::Tangerine,
            "spuriousdragon" => Self::SpuriousDragon,
            "petersburg" => Self::Petersburg,
            "merge" | "paris" => Self::Paris,
            "prague" | "pectra" => Self::Prague,
            "osaka" | "fusaka" => Self::Osaka,
            _ => {
                return Self::ALL
                    .into_iter()
                    .find(|fork| fork.name().eq_ignore_ascii_case(s))
                    .ok_or_else(|| UnknownHardfork(s.to_string()));
            }
        };
        Ok(fork)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_order_is_activation_order() {
        for pair in Hardfork::ALL.windows(2) {
            assert!(pair[0] < pair[1]);
        }
        for fork in Hardfork::ALL {
            assert_eq!(fork.name().parse::<Hardfork>().unwrap(), fork);
        }
        assert_eq!("petersburg".parse::<Hardfork>().unwrap(), Hardfork::Petersburg);
        assert!("Shapella".parse::<Hardfork>().is_err());
    }
}
