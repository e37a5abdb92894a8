//! One store suite, two databases: every case runs on SQLite and on a real PostgreSQL.

mod postgres;
mod store_cases;

use tempfile::TempDir;
use vidreply_server::db::{self, Db};

async fn sqlite() -> (Db, TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("suite.db").display());
    (db::connect(&url).await.unwrap(), dir, url)
}

#[tokio::test]
async fn sqlite_passes_the_store_suite() {
    let (db, _dir, url) = sqlite().await;
    store_cases::run_all(db, &url).await;
}

#[tokio::test]
async fn postgres_passes_the_store_suite() {
    let pg = postgres::Postgres::start().await;
    let url = pg.fresh_database().await;
    let db = db::connect(&url).await.unwrap();
    assert_eq!(db.backend(), "postgres");
    store_cases::run_all(db, &url).await;
}

#[tokio::test]
async fn a_database_url_of_another_kind_is_refused_by_name() {
    let err = db::connect("mysql://x/y").await.unwrap_err().to_string();
    assert!(err.contains("VIDREPLY_DATABASE_URL"), "{err}");
}
