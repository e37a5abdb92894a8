#![forbid(unsafe_code)]

use clap::Parser;
use tracing_subscriber::EnvFilter;
use vidreply_core::protocol::CreateCaptureLinkRequest;
use vidreply_server::{Settings, app, build_state, routes::issue_capture_link};

#[tokio::main]
async fn main() {
    let settings = Settings::parse();
    let filter = EnvFilter::try_from_env("VIDREPLY_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("VIDREPLY_LOG_FORMAT").is_ok_and(|v| v == "json");
    // Logs go to stderr; stdout is only the start-up banner for the person at the terminal.
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        fmt.json().init()
    } else {
        fmt.init()
    }

    tracing::info!(?settings, "starting");
    if !settings.dist_dir.join("index.html").exists() {
        tracing::warn!(dist = %settings.dist_dir.display(), "no built app found; run `trunk build --release` (scripts/run does it)");
    }
    let bind = settings.bind;
    let data_dir = settings.data_dir.clone();
    let demo = settings.demo_conversation_id.clone();
    let state = match build_state(settings).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("vidreply-server: {e}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(bind).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("vidreply-server: cannot listen on {bind}: {e}");
            std::process::exit(2);
        }
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let workers = vidreply_server::spawn_workers(&state, stop_rx);
    if state.settings.demo_link {
        print_banner(&state, demo, &data_dir);
    }
    let server = axum::serve(listener, app(state)).with_graceful_shutdown(shutdown());
    if let Err(e) = server.await {
        eprintln!("vidreply-server: {e}");
        std::process::exit(1);
    }
    // Requests are done; let workers finish their current step, then exit.
    let _ = stop_tx.send(true);
    for w in workers {
        let _ = w.await;
    }
}

/// Printed to stdout for the person running the server; never to the log.
fn print_banner(state: &vidreply_server::AppState, demo: String, data_dir: &std::path::Path) {
    let req = CreateCaptureLinkRequest {
        conversation_id: demo,
        customer_id: None,
        expires_in_seconds: None,
    };
    let link = match issue_capture_link(state, req) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("vidreply-server: VIDREPLY_DEMO_CONVERSATION_ID: {e}");
            std::process::exit(2);
        }
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

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down; finishing in-flight requests");
}
