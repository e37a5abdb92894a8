//! One storage contract, two backends: `LocalStore` on a temp dir, and `S3Store`
//! against a real SeaweedFS this test starts (and stops) itself.

mod seaweedfs;
mod storage_cases;

use std::time::Instant;

use seaweedfs::SeaweedFs;
use storage_cases::Io;
use url::Url;
use vidreply_server::storage::LocalStore;

#[tokio::test]
async fn local_store_meets_the_storage_contract() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("storage");
    // Signed URLs point at a server that is not running here; nothing follows them.
    let base = Url::parse("http://127.0.0.1:9/").unwrap();
    let store = LocalStore::new(root.clone(), base, b"suite-signing-secret-0123456789");
    let io = Io::Local {
        store: &store,
        root: root.clone(),
    };
    storage_cases::run(&store, &io).await;
    // Every upload above ended (completed or aborted): no part folders remain.
    let left: Vec<_> = std::fs::read_dir(root.join("multipart"))
        .expect("multipart dir")
        .collect();
    assert!(left.is_empty(), "leftover multipart folders: {left:?}");
}

/// The only test in this binary that starts SeaweedFS: `weed mini` binds ports
/// that two instances cannot share, and this test owns the process from start
/// to kill (also on panic, through `Drop`).
#[tokio::test]
async fn s3_store_meets_the_storage_contract_on_seaweedfs() {
    let t = Instant::now();
    let mut weed = SeaweedFs::start().await;
    let pid = weed.pid();
    let store = weed.store();
    let io = Io::S3 {
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("HTTP client"),
    };
    storage_cases::run(&store, &io).await;

    // Pages of two parts force several ListParts calls per listing.
    let paged = weed.store().with_list_page_size(2);
    storage_cases::list_parts_pages_through_every_part(&paged, &io, 7).await;
    storage_cases::list_parts_pages_through_every_part(&paged, &io, 1).await;
    storage_cases::multipart_round_trip(&paged, &io).await;

    let dir = weed.data_dir();
    weed.stop();
    assert!(!seaweedfs::alive(pid), "weed mini {pid} is still running");
    assert!(!dir.exists(), "{} is left behind", dir.display());
    eprintln!(
        "S3 suite incl. SeaweedFS start/stop took {:.1} s",
        t.elapsed().as_secs_f64()
    );
}
