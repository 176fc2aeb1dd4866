//! Deployment profiles of `basalt deploy --profile`: which floors a deployment promises its users and
//! the contracts enforce on chain (`OnChainProposer.exitWindowFloor`), and the defaults each implies.
//!
//! What each profile lets a user do when the operator disappears or turns hostile, and which L2BEAT
//! stage requirements it meets, is in `docs/contracts.md` ("Deploy profiles").

use serde::{Deserialize, Serialize};

const DAY: u64 = 24 * 3600;

/// A deployment profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Development: short delays, single keys and `--dev-no-verifier` (on L1 chain 31337 or 1337).
    #[default]
    Dev,
    /// L2BEAT Stage 1 floors: exit window of at least 7 days, a contract (multisig) council, a verifier.
    Stage1,
    /// Stage 1 with an exit window of at least 30 days.
    Stage2,
}

impl Profile {
    /// The exit window the profile promises (seconds): 0 for dev, 7 days for stage 1, 30 for stage 2.
    /// The timelock delay must cover it plus the inclusion period, the proving allowance and the
    /// finalization delay.
    pub fn exit_window_floor_secs(self) -> u64 {
        match self {
            Self::Dev => 0,
            Self::Stage1 => 7 * DAY,
            Self::Stage2 => 30 * DAY,
        }
    }

    /// True for the profiles with on-chain floors (stage 1 and 2).
    pub fn is_staged(self) -> bool {
        self != Self::Dev
    }

    /// Finalization delay of committee-verified batches when none is given: 0 for dev (`basalt dev`
    /// finalizes at once), 1 day otherwise.
    pub fn default_finalization_delay_secs(self) -> u64 {
        if self.is_staged() { DAY } else { 0 }
    }

    /// The smallest timelock delay the contracts accept for this profile (0 for dev):
    /// `exit window floor + inclusion period + proving allowance + finalization delay`, saturating.
    pub fn required_governance_delay(
        self,
        inclusion_period_secs: u64,
        proving_allowance_secs: u64,
        finalization_delay_secs: u64,
    ) -> u64 {
        if !self.is_staged() {
            return 0;
        }
        self.exit_window_floor_secs()
            .saturating_add(inclusion_period_secs)
            .saturating_add(proving_allowance_secs)
            .saturating_add(finalization_delay_secs)
    }

    /// The profile's name as given to `--profile`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Stage1 => "stage1",
            Self::Stage2 => "stage2",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_add_up() {
        assert_eq!(Profile::Dev.required_governance_delay(DAY, DAY, DAY), 0);
        assert_eq!(Profile::Stage1.required_governance_delay(DAY, DAY, DAY), 10 * DAY);
        assert_eq!(Profile::Stage2.required_governance_delay(DAY, 0, 0), 31 * DAY);
        assert_eq!(Profile::Stage1.required_governance_delay(u64::MAX, 1, 1), u64::MAX);
    }
}
