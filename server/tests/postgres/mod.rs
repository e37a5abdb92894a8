//! A throwaway PostgreSQL for tests: a fresh cluster in a temp folder, on a free
//! port of 127.0.0.1, gone when the test lets go of it (or dies).
//!
//! Debian's `postgresql` package provides the binaries; as root, the cluster runs
//! as the `postgres` user (PostgreSQL refuses to run as root). A small `sh`
//! watchdog stops the server when its stdin closes, like the SeaweedFS harness.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

const WATCHDOG: &str = r#"
exec 3<&0
"$PG_BIN/initdb" -D "$PG_DIR/data" -U vidreply --auth=trust -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 || { echo fail; exit 1; }
"$PG_BIN/postgres" -D "$PG_DIR/data" -p "$PG_PORT" -k "$PG_DIR" -c listen_addresses=127.0.0.1 \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off >"$PG_DIR/pg.log" 2>&1 </dev/null &
pid=$!
echo "$pid"
{ read -r _ <&3; kill -INT "$pid" 2>/dev/null; sleep 5; kill -KILL "$pid" 2>/dev/null; } &
wait "$pid"
wait
rm -rf "$PG_DIR"
"#;

pub struct Postgres {
    shell: Child,
    keepalive: Option<ChildStdin>,
    dir: PathBuf,
    pub port: u16,
}

fn bin_dir() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop().expect(
        "PostgreSQL is not installed (apt-get install postgresql); scripts/setup test installs it",
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Postgres {
    /// Start a cluster and wait until it accepts connections. Panics (never skips)
    /// if PostgreSQL is missing or does not come up.
    pub async fn start() -> Self {
        let root = cluster_dir();
        let port = free_port();
        let as_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let mut cmd = if as_root {
            Command::new("chown")
                .args(["postgres:postgres", root.to_str().unwrap()])
                .status()
                .expect("chown");
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", "sh", "-c", WATCHDOG, "sh"]);
            c
        } else {
            let mut c = Command::new("sh");
            c.args(["-c", WATCHDOG, "sh"]);
            c
        };
        let mut shell = cmd
            .env("PG_BIN", bin_dir())
            .env("PG_DIR", &root)
            .env("PG_PORT", port.to_string())
            .current_dir(&root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh starts");
        let keepalive = shell.stdin.take();
        let mut line = String::new();
        BufReader::new(shell.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let pg = Self {
            shell,
            keepalive,
            dir: root,
            port,
        };
        assert!(
            line.trim().parse::<u32>().is_ok(),
            "initdb failed:\n{}",
            pg.log("initdb.log")
        );
        pg.wait_ready().await;
        pg
    }

    /// A URL for a new, empty database of its own.
    pub async fn fresh_database(&self) -> String {
        let name = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let admin = format!("postgres://vidreply@127.0.0.1:{}/postgres", self.port);
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
            .await
            .expect("admin connection");
        sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create database");
        format!("postgres://vidreply@127.0.0.1:{}/{name}", self.port)
    }

    async fn wait_ready(&self) {
        let url = format!("postgres://vidreply@127.0.0.1:{}/postgres", self.port);
        let started = Instant::now();
        loop {
            match <sqlx::PgConnection as sqlx::Connection>::connect(&url).await {
                Ok(_) => return,
                Err(e) if started.elapsed() > Duration::from_secs(60) => {
                    panic!("PostgreSQL did not start: {e}\n{}", self.log("pg.log"))
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Closing stdin tells the watchdog to stop the server and remove its folder.
        self.keepalive.take();
        let _ = self.shell.wait();
    }
}

/// A folder the `postgres` user can own; removed by the watchdog.
fn cluster_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "vidreply-pg.{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
