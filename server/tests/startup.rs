//! Start-up of the real binary: secrets too short or too open stop it with a
//! message naming the setting or file; generated secrets are private; no capture
//! link is printed unless asked for.

mod binary_support;

use std::os::unix::fs::PermissionsExt;

use binary_support::*;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn chmod(path: &std::path::Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_short_signing_secret_or_api_key_stops_start_up_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    // 31 bytes: accepted when 16 was the minimum.
    let short = "s".repeat(31);
    let out = run_to_exit(
        dir.path(),
        &["--api-key", API_KEY, "--signing-secret", &short],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("VIDREPLY_SIGNING_SECRET") && err.contains("at least 32 bytes"),
        "{err}"
    );
    assert!(!err.contains(&short), "the secret is not echoed: {err}");

    let short = "k".repeat(31);
    let out = run_to_exit(
        dir.path(),
        &["--signing-secret", SECRET],
        &[("VIDREPLY_API_KEY", &short)],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("VIDREPLY_API_KEY") && err.contains("at least 32 characters"),
        "{err}"
    );
    assert!(!err.contains(&short), "the key is not echoed: {err}");
}

#[tokio::test]
async fn generated_secrets_are_private_and_an_open_secret_file_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = Proc::start(dir.path(), &[], &[]);
    assert!(p.stop().success(), "{}", p.log());
    let key_file = dir.path().join("api-key");
    let secret_file = dir.path().join("signing-secret");
    for f in [&key_file, &secret_file] {
        assert_eq!(mode(f), 0o600, "{}", f.display());
        assert!(std::fs::read_to_string(f).unwrap().trim().len() >= 32);
    }

    for (file, open) in [
        (&key_file, 0o644),
        (&secret_file, 0o640),
        (&secret_file, 0o602),
    ] {
        chmod(file, open);
        let out = run_to_exit(dir.path(), &[], &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&file.display().to_string()) && err.contains("chmod 600"),
            "{err}"
        );
        chmod(file, 0o600);
    }

    // A secret file too short is refused, naming the file it was read from.
    let kept = std::fs::read_to_string(&secret_file).unwrap();
    std::fs::write(&secret_file, "short-secret").unwrap();
    let out = run_to_exit(dir.path(), &[], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("VIDREPLY_SIGNING_SECRET") && err.contains(&secret_file.display().to_string()),
        "{err}"
    );
    std::fs::write(&secret_file, kept).unwrap();

    // Private again, the files are used as they are: the stored key works.
    let mut p = Proc::start(dir.path(), &[], &[]);
    let key = std::fs::read_to_string(&key_file).unwrap();
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/capture-links", p.base))
        .bearer_auth(key.trim())
        .json(&serde_json::json!({ "conversationId": "conv-files" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(p.stop().success());
}

#[test]
fn the_binary_prints_no_capture_link_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let keys = ["--api-key", API_KEY, "--signing-secret", SECRET];
    let mut p = Proc::start(dir.path(), &keys, &[]);
    assert!(p.stop().success());
    let (out, log) = (p.stdout(), p.log());
    for text in [&out, &log] {
        assert!(!text.contains("/record"), "{text}");
        assert!(!text.contains("token="), "{text}");
        assert!(!text.contains("eyJ"), "no token of any kind: {text}");
    }

    // What scripts/run sets: then stdout carries the demo link.
    let mut p = Proc::start(dir.path(), &keys, &[("VIDREPLY_DEMO_LINK", "true")]);
    assert!(p.stop().success());
    let out = p.stdout();
    assert!(
        out.contains("/record?") && out.contains("token=eyJ"),
        "{out}"
    );
    assert!(!p.log().contains("token="), "never in the log");
}
