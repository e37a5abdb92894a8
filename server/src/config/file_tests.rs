use std::ffi::OsStr;

use super::*;

const EXAMPLE: &str = include_str!("../../vidreply.example.toml");

fn with_file(toml: &str, extra: &[&str]) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vidreply.toml");
    std::fs::write(&path, toml).unwrap();
    let mut args = vec![
        "vidreply-server".to_string(),
        "--config".into(),
        path.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    (dir, args)
}

fn load(toml: &str, extra: &[&str]) -> Result<Settings, LoadError> {
    let (_dir, args) = with_file(toml, extra);
    load_from(args)
}

fn file_error(toml: &str) -> String {
    match load(toml, &[]) {
        Err(LoadError::File(m)) => m,
        other => panic!("expected a file error, got {other:?}"),
    }
}

/// Every setting's raw values, for comparing two loads completely.
fn raw(m: &ArgMatches) -> Vec<(String, Vec<OsString>)> {
    let cmd = Settings::command();
    settings_args(&cmd)
        .map(|a| {
            let id = a.get_id().as_str();
            let v = m
                .get_raw(id)
                .map(|v| v.map(OsStr::to_os_string).collect())
                .unwrap_or_default();
            (id.to_string(), v)
        })
        .collect()
}

#[test]
fn file_values_apply_below_flags() {
    let s = load(
        "part_size = 2048\npresign_ttl_seconds = 7\nstorage = \"local\"\n\
         webhook_schedule = [0, 1, 2]\ncors_origins = [\"https://support.example\"]\n\
         demo_link = true\n",
        &["--presign-ttl-seconds", "9"],
    )
    .unwrap();
    assert_eq!(s.part_size, 2048, "file beats default");
    assert_eq!(s.presign_ttl_seconds, 9, "flag beats file");
    assert_eq!(s.webhook_schedule, vec![0, 1, 2]);
    assert_eq!(s.cors_origins, vec!["https://support.example".to_string()]);
    assert!(s.demo_link, "file beats default");
    assert_eq!(s.max_upload_bytes, 2 * 1024 * 1024 * 1024, "default stays");
}

#[test]
fn unknown_key_is_named() {
    let m = file_error("part_size = 2048\npart_sise = 10\n");
    assert!(m.contains("unknown setting `part_sise`"), "{m}");
    let m = file_error("config = \"other.toml\"\n");
    assert!(m.contains("unknown setting `config`"), "{m}");
}

#[test]
fn wrong_type_is_named() {
    let m = file_error("part_size = \"big\"\n");
    assert!(
        m.contains("`part_size`") && m.contains("expected an integer"),
        "{m}"
    );
    let m = file_error("demo_link = \"yes\"\n");
    assert!(
        m.contains("`demo_link`") && m.contains("true or false"),
        "{m}"
    );
    let m = file_error("bind = 8080\n");
    assert!(
        m.contains("`bind`") && m.contains("expected a string"),
        "{m}"
    );
    let m = file_error("bind = \"nowhere\"\n");
    assert!(m.contains("`bind`") && m.contains("invalid value"), "{m}");
    let m = file_error("upload_parallelism = 9\n");
    assert!(m.contains("`upload_parallelism`") && m.contains("9"), "{m}");
    let m = file_error("storage = \"ftp\"\n");
    assert!(m.contains("`storage`") && m.contains("local"), "{m}");
    let m = file_error("part_size = [1, 2]\n");
    assert!(m.contains("`part_size`") && m.contains("not a list"), "{m}");
    let m = file_error("frame_ancestors = [\"https://a.example; script-src *\"]\n");
    assert!(m.contains("`frame_ancestors`"), "{m}");
    let m = file_error("[s3]\nbucket = \"x\"\n");
    assert!(m.contains("unknown setting `s3`"), "{m}");
}

#[test]
fn unreadable_or_invalid_file_is_an_error() {
    let m = match load_from(["vidreply-server", "--config", "/nonexistent/vidreply.toml"]) {
        Err(LoadError::File(m)) => m,
        other => panic!("{other:?}"),
    };
    assert!(m.contains("/nonexistent/vidreply.toml"), "{m}");
    let m = file_error("part_size = \n");
    assert!(m.contains("not valid TOML"), "{m}");
}

#[test]
fn example_config_is_in_sync() {
    let want = example_toml();
    if std::env::var_os("VIDREPLY_BLESS").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/vidreply.example.toml");
        std::fs::write(path, &want).unwrap();
        return;
    }
    assert!(
        EXAMPLE == want,
        "server/vidreply.example.toml is out of date with Settings; regenerate it with \
         `VIDREPLY_BLESS=1 cargo test -p vidreply-server example_config`"
    );
}

#[test]
fn example_config_defaults_are_the_defaults() {
    // Uncomment every setting that has a default: loading that file changes nothing.
    let active: String = EXAMPLE
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter(|l| !l.contains("not set by default"))
        .map(|l| format!("{l}\n"))
        .collect();
    let keys = active.lines().count();
    let cmd = Settings::command();
    let with_default = settings_args(&cmd)
        .filter(|a| !a.get_default_values().is_empty() || a.get_value_delimiter().is_some())
        .count();
    assert_eq!(keys, with_default, "{active}");
    let (_dir, args) = with_file(&active, &[]);
    let from_file = resolve(args).unwrap();
    let plain = resolve(["vidreply-server"]).unwrap();
    assert_eq!(raw(&from_file), raw(&plain));
    assert!(load_from(["vidreply-server"]).is_ok());
}
