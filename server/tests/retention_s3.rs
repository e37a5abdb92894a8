//! On S3 (a real SeaweedFS) with PostgreSQL: a video is processed, then retention
//! leaves nothing of it in the bucket and aborts an abandoned multipart upload.
//! Also: a recording over the size limit is refused on complete and aborted.

mod common;
mod postgres;
mod seaweedfs;

use axum::http::StatusCode;
use common::video::{PROCESSED, recording, send, status};
use common::{API_KEY, Server};
use vidreply_server::clock::unix_now;
use vidreply_server::storage::{MultipartStore, ObjectStore, StorageError};
use vidreply_server::{jobs, retention};

#[tokio::test]
async fn on_s3_and_postgres_retention_leaves_nothing_in_the_bucket() {
    let weed = seaweedfs::SeaweedFs::start().await;
    let pg = postgres::Postgres::start().await;
    let db = pg.fresh_database().await;
    let c = weed.config();
    let s = Server::start_with(&[
        "--storage",
        "s3",
        "--s3-endpoint",
        c.endpoint.as_str(),
        "--s3-bucket",
        &c.bucket,
        "--s3-access-key-id",
        &c.access_key_id,
        "--s3-secret-access-key",
        &c.secret_access_key,
        "--part-size",
        "5242880",
        "--database-url",
        &db,
    ])
    .await;
    assert_eq!(s.state.db.backend(), "postgres");
    // Ready: PostgreSQL and the bucket (HEAD bucket) both answer.
    s.get("/readyz", None).await.expect_status(StatusCode::OK);
    let v = send(&s, "conv-s3-retention", &recording()).await;
    assert!(jobs::run_one(&s.state.jobs).await.unwrap());
    assert_eq!(status(&s, &v.video_id).await.status, "ready");
    let bucket = weed.store();
    let prefix = format!("videos/{}/", v.video_id);
    let keys = bucket.list_keys(&prefix).await.unwrap();
    for want in PROCESSED {
        assert!(
            keys.contains(&format!("{prefix}{want}")),
            "{want} not in {keys:?}"
        );
    }
    // An upload started and never finished, with a part in it.
    let token = s.token("conv-s3-retention").await;
    let up = s.create_upload(&token).await;
    s.upload_part(&token, &up.upload_id, 1, vec![1u8; 1024])
        .await;
    let row = s.state.db.upload(&up.upload_id).await.unwrap().unwrap();
    assert_eq!(
        bucket
            .list_parts(&row.object_key, &row.storage_upload_id)
            .await
            .unwrap()
            .len(),
        1
    );

    let now = unix_now() as i64;
    let r = retention::purge(&s.state.retention, now + 31 * 86400)
        .await
        .unwrap();
    assert_eq!((r.videos, r.uploads_aborted), (1, 1), "{r:?}");
    assert!(
        bucket.list_keys("videos/").await.unwrap().is_empty(),
        "nothing remains in the bucket"
    );
    assert!(matches!(
        bucket
            .list_parts(&row.object_key, &row.storage_upload_id)
            .await,
        Err(StorageError::NoSuchUpload)
    ));
    let gone = s
        .get(&format!("/api/v1/videos/{}", v.video_id), Some(API_KEY))
        .await;
    gone.api_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_recording_over_the_limit_cannot_be_stored() {
    let s = common::video::server(&["--max-upload-bytes", "100000"]).await;
    let token = s.token("conv-too-big").await;
    let up = s.create_upload(&token).await;
    let part = up.part_size as usize;
    // The second part is signed only for what is left of the 100000 bytes.
    s.upload_part(&token, &up.upload_id, 1, vec![1u8; part])
        .await;
    let url = s.sign(&token, &up.upload_id, &[2]).await[0].url.clone();
    s.put(&url, vec![2u8; part])
        .await
        .storage_error(StatusCode::PAYLOAD_TOO_LARGE, "EntityTooLarge");
    let r = s
        .post(
            &format!("/api/v1/uploads/{}/sign", up.upload_id),
            Some(&token),
            serde_json::json!({ "partNumbers": [3] }),
        )
        .await;
    r.api_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let row = s.state.db.upload(&up.upload_id).await.unwrap().unwrap();
    assert_eq!(row.status, "open", "what was stored is kept");
    let listed = s.list(&token, &up.upload_id).await;
    assert_eq!(listed.len(), 1);
}
