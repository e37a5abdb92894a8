#![forbid(unsafe_code)]

use tracing_subscriber::EnvFilter;
use vidreply_core::protocol::CreateCaptureLinkRequest;
use vidreply_server::config::LoadError;
use vidreply_server::config::LogFormat;
use vidreply_server::{Settings, build_state, routes::issue_capture_link, shutdown};

#[tokio::main]
async fn main() {
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(LoadError::Cli(e)) => e.exit(),
        Err(e @ LoadError::File(_)) => fail(2, e),
    };
    let filter = EnvFilter::try_new(&settings.log)
        .unwrap_or_else(|e| fail(2, format!("VIDREPLY_LOG {:?}: {e}", settings.log)));
    // Logs go to stderr; stdout is only the start-up banner for the person at the terminal.
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match settings.log_format {
        LogFormat::Json => fmt.json().init(),
        LogFormat::Text => fmt.init(),
    }

    tracing::info!(?settings, "starting");
    if !settings.dist_dir.join("index.html").exists() {
        tracing::warn!(dist = %settings.dist_dir.display(), "no built app found; run `trunk build --release` (scripts/run does it)");
    }
    let bind = settings.bind;
    let data_dir = settings.data_dir.clone();
    let demo = settings.demo_conversation_id.clone();
    let role = settings.role;
    let state = build_state(settings).await.unwrap_or_else(|e| fail(2, e));
    if role == vidreply_server::config::Role::Worker {
        return shutdown::run_workers(state).await;
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .unwrap_or_else(|e| fail(2, format!("cannot listen on {bind}: {e}")));
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "listening");
    }
    let workers = vidreply_server::spawn_workers(&state);
    if state.settings.demo_link {
        print_banner(&state, demo, &data_dir);
    }
    if let Err(e) = shutdown::serve(listener, state, workers).await {
        fail(1, e);
    }
}

fn fail(code: i32, e: impl std::fmt::Display) -> ! {
    eprintln!("vidreply-server: {e}");
    std::process::exit(code)
}

/// Printed to stdout for the person running the server; never to the log.
fn print_banner(state: &vidreply_server::AppState, demo: String, data_dir: &std::path::Path) {
    let req = CreateCaptureLinkRequest {
        conversation_id: demo,
        customer_id: None,
        expires_in_seconds: None,
        role: Default::default(),
    };
    let link = match issue_capture_link(state, req) {
        Ok(l) => l,
        Err(e) => fail(2, format!("VIDREPLY_DEMO_CONVERSATION_ID: {e}")),
    };
    let base = state.settings.public_url();
    let key_file = data_dir.join("api-key");
    println!("\nvidreply is ready at {base}\n");
    println!(
        "Open this capture link in Chromium to record a demo reply:\n  {}\n",
        link.url
    );
    println!(
        "Make more links (the API key is in {}):",
        key_file.display()
    );
    println!(
        "  curl -s -X POST {base}api/v1/capture-links -H \"Authorization: Bearer $(cat {})\" \\\n    -H 'Content-Type: application/json' -d '{{\"conversationId\":\"conv-123\",\"customerId\":\"cust-9\"}}'\n",
        key_file.display()
    );
}
