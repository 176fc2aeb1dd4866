//! Writers that race: two threads importing competing blocks on the same parent. Exactly one
//! block becomes the head, the other import fails with a typed error, and the flat state
//! still hashes to the head's state root.

use basalt_chain::{
    ImportError,
    builder::BlockTemplate,
    workload::{TransferKind, Workload},
};
use std::sync::Barrier;

#[test]
fn competing_imports_on_one_parent_leave_one_head_and_a_consistent_state() {
    for round in 0..12 {
        // Distinct senders for the two blocks, so each is valid on the shared parent.
        let mut workload = Workload::new(160, TransferKind::Erc20);
        let chain = workload.new_chain().unwrap();
        let parent = chain.head().unwrap();
        let mut child = |timestamp| {
            let template = BlockTemplate {
                timestamp,
                transactions: workload.next_transactions(80),
                ..Default::default()
            };
            let built = chain.build_block(template).unwrap();
            assert!(built.rejected.is_empty(), "{:?}", built.rejected);
            built.block
        };
        let blocks = [child(parent.timestamp + 12), child(parent.timestamp + 13)];
        let barrier = Barrier::new(2);
        let results: Vec<Result<_, ImportError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = blocks
                .iter()
                .map(|block| {
                    let (chain, barrier) = (&chain, &barrier);
                    scope.spawn(move || {
                        barrier.wait();
                        chain.import_block(block.clone())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });

        let won: Vec<usize> = (0..2).filter(|i| results[*i].is_ok()).collect();
        assert_eq!(won.len(), 1, "round {round}: {results:?}");
        let lost = &results[1 - won[0]];
        assert!(
            matches!(lost, Err(ImportError::NotOnHead { .. } | ImportError::HeadMoved { .. })),
            "round {round}: {lost:?}"
        );
        let head = chain.head().unwrap();
        assert_eq!(head.hash_slow(), blocks[won[0]].header.hash_slow(), "round {round}");
        let view = chain.db().read().unwrap();
        assert_eq!(view.recompute_state_root().unwrap(), head.state_root, "round {round}");
        assert_eq!(view.flat_state_root().unwrap(), Some(head.state_root), "round {round}");
    }
}
