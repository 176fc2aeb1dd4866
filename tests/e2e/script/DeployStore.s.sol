// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

import {Store} from "../contracts/Store.sol";

/// The few Foundry cheatcodes this script uses (forge-std is not installable offline).
interface Vm {
    function envUint(string calldata name) external view returns (uint256);
    function startBroadcast(uint256 privateKey) external;
    function stopBroadcast() external;
}

/// `forge script` deploys a Store and sets it, broadcasting with the key in STORE_DEPLOYER_KEY.
contract DeployStore {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    event Deployed(address store);

    function run() external returns (Store store) {
        uint256 key = vm.envUint("STORE_DEPLOYER_KEY");
        uint256 value = vm.envUint("STORE_VALUE");
        vm.startBroadcast(key);
        store = new Store();
        store.set(value);
        vm.stopBroadcast();
        require(store.value() == value, "value not set");
        emit Deployed(address(store));
    }
}
