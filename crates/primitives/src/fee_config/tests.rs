use super::*;

fn config() -> FeeConfig {
    FeeConfig {
        base_fee_vault: Some(Address::repeat_byte(0xba)),
        operator_fee_vault: Some(Address::repeat_byte(0x0f)),
        operator_fee_per_gas: 7,
        l1_fee_vault: DEFAULT_L1_FEE_VAULT,
        l1_fee_scalar: 1_500_000,
        l1_blob_base_fee: 3_000_000_000,
        elasticity_multiplier: 6,
        base_fee_max_change_denominator: 250,
    }
}

#[test]
fn encoding_round_trips_with_and_without_vaults() {
    let full = config();
    assert_eq!(FeeConfig::decode(&full.encode()), Ok(full));
    let bare = FeeConfig { base_fee_vault: None, operator_fee_vault: None, ..full };
    let bytes = bare.encode();
    assert_eq!(bytes[0], FEE_CONFIG_VERSION);
    assert_eq!(FeeConfig::decode(&bytes), Ok(bare));
    assert!(bytes.len() < full.encode().len());
}

#[test]
fn decoding_refuses_other_versions_and_damaged_bytes() {
    let mut bytes = config().encode();
    assert_eq!(FeeConfig::decode(&[]), Err(FeeConfigDecodeError::Empty));
    bytes[0] = 2;
    assert_eq!(FeeConfig::decode(&bytes), Err(FeeConfigDecodeError::UnknownVersion(2)));
    bytes[0] = 0;
    assert_eq!(FeeConfig::decode(&bytes), Err(FeeConfigDecodeError::UnknownVersion(0)));
    let mut trailing = config().encode();
    trailing.push(0x80);
    assert_eq!(FeeConfig::decode(&trailing), Err(FeeConfigDecodeError::TrailingBytes(1)));
    let truncated = &config().encode()[..10];
    assert!(matches!(FeeConfig::decode(truncated), Err(FeeConfigDecodeError::Rlp(_))));
    // A vault of 19 bytes.
    let body = FeeConfigV1 {
        base_fee_vault: alloy_primitives::Bytes::from(vec![1u8; 19]),
        operator_fee_vault: Default::default(),
        operator_fee_per_gas: 0,
        l1_fee_vault: Address::ZERO,
        l1_fee_scalar: 0,
        l1_blob_base_fee: 0,
        elasticity_multiplier: 2,
        base_fee_max_change_denominator: 8,
    };
    let mut bytes = vec![FEE_CONFIG_VERSION];
    body.encode(&mut bytes);
    assert_eq!(FeeConfig::decode(&bytes), Err(FeeConfigDecodeError::VaultLength(19)));
}

#[test]
fn data_size_weighs_zero_bytes_a_quarter_with_a_minimum() {
    assert_eq!(l1_data_size(&[]), MIN_L1_DATA_SIZE);
    assert_eq!(l1_data_size(&[1u8; 200]), 200);
    assert_eq!(l1_data_size(&[0u8; 400]), 100);
    let mut mixed = vec![0u8; 160];
    mixed.extend([0xffu8; 120]);
    assert_eq!(l1_data_size(&mixed), (160 * 4 + 120 * 16) / 16);
    assert_eq!(l1_data_size(&[0u8; 399]), MIN_L1_DATA_SIZE);
}

#[test]
fn l1_cost_prices_blob_packing_and_scalar() {
    let fees = FeeConfig { l1_blob_base_fee: 126_976, l1_fee_scalar: 1_000_000, ..config() };
    // 100 bytes at a fee of 126,976 wei per blob gas cost 100 × 131,072 wei.
    assert_eq!(fees.l1_cost(100), U256::from(100u64 * 131_072));
    let doubled = FeeConfig { l1_fee_scalar: 2_000_000, ..fees };
    assert_eq!(doubled.l1_cost(100), U256::from(2 * 100u64 * 131_072));
    // Rounded down: 100 bytes at 1 wei = 103.2 wei.
    let cheap = FeeConfig { l1_blob_base_fee: 1, l1_fee_scalar: 1_000_000, ..fees };
    assert_eq!(cheap.l1_cost(100), U256::from(103));
}

#[test]
fn l1_gas_rounds_up_and_prices_a_zero_base_fee_at_one_wei() {
    let fees = FeeConfig { l1_blob_base_fee: 1, l1_fee_scalar: 1_000_000, ..config() };
    // 103 wei of L1 cost.
    assert_eq!(fees.l1_gas(100, 10), 11);
    assert_eq!(fees.l1_gas(100, 103), 1);
    assert_eq!(fees.l1_gas(100, 104), 1);
    assert_eq!(fees.l1_gas(100, 0), 103);
    assert_eq!(fees.l1_gas(100, 1), 103);
    let free = FeeConfig { l1_fee_scalar: 0, ..fees };
    assert_eq!(free.l1_gas(100, 0), 0);
}

#[test]
fn extreme_values_saturate_instead_of_wrapping() {
    let fees = FeeConfig { l1_blob_base_fee: u128::MAX, l1_fee_scalar: u64::MAX, ..config() };
    assert_eq!(fees.l1_gas(u64::MAX, 1), u64::MAX);
    assert_eq!(fees.l1_gas(u64::MAX, u64::MAX), u64::MAX);
    assert!(fees.l1_cost(u64::MAX) > U256::ZERO);
    assert_eq!(check_l1_gas(u64::MAX, u64::MAX, 1).unwrap_err().l1_gas, 1);
}

#[test]
fn gas_limit_must_cover_intrinsic_plus_l1_gas() {
    assert_eq!(check_l1_gas(22_234, 21_000, 1_234), Ok(22_234));
    let err = check_l1_gas(22_233, 21_000, 1_234).unwrap_err();
    assert_eq!(
        err.to_string(),
        "intrinsic gas too low: gas limit 22233 below 21000 intrinsic + 1234 L1 data gas"
    );
    assert_eq!(check_l1_gas(21_000, 21_000, 0), Ok(21_000));
}

#[test]
fn settings_parse_with_defaults_and_refuse_contradictions() {
    let settings: FeeSettings = serde_json::from_str("{}").unwrap();
    assert_eq!(settings, FeeSettings::default());
    assert_eq!(settings.base_fee_params(), alloy_eips::eip1559::BaseFeeParams::ethereum());
    let settings: FeeSettings = serde_json::from_str(
        r#"{"baseFeeVault": "0x00000000000000000000000000000000000000ba",
            "operatorFeeVault": "0x000000000000000000000000000000000000000f",
            "operatorFeePerGas": "0x3b9aca00", "l1FeeScalar": 1200000,
            "eip1559": {"elasticityMultiplier": 6, "baseFeeMaxChangeDenominator": 250}}"#,
    )
    .unwrap();
    settings.validate().unwrap();
    let fees = FeeConfig::new(&settings, 0);
    assert_eq!(fees.operator_fee_per_gas, 1_000_000_000);
    assert_eq!(fees.l1_blob_base_fee, MIN_L1_BLOB_BASE_FEE);
    assert_eq!(fees.l1_fee_vault, DEFAULT_L1_FEE_VAULT);
    assert_eq!(settings.base_fee_params(), alloy_eips::eip1559::BaseFeeParams::new(250, 6));

    let no_vault = FeeSettings { operator_fee_per_gas: U128::from(1), ..FeeSettings::default() };
    assert_eq!(no_vault.validate(), Err(FeeSettingsError::OperatorFeeWithoutVault));
    let vault = Some(Address::repeat_byte(0x0f));
    let max = FeeSettings {
        operator_fee_vault: vault,
        operator_fee_per_gas: U128::from(u64::MAX),
        ..FeeSettings::default()
    };
    assert_eq!(max.validate(), Ok(()));
    let too_high =
        FeeSettings { operator_fee_per_gas: U128::from(u64::MAX) + U128::from(1), ..max };
    assert!(matches!(too_high.validate(), Err(FeeSettingsError::OperatorFeeTooHigh(_))));
    let mut zero = FeeSettings::default();
    zero.eip1559.elasticity_multiplier = 0;
    assert!(zero.validate().is_err());
    assert!(serde_json::from_str::<FeeSettings>(r#"{"l1Vault": null}"#).is_err());
}
