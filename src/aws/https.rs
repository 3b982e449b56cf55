//! One HTTPS GET outside the AWS APIs (the console sign-in endpoint), through the connector the
//! SDK's clients are made of: the same hyper, rustls and trust roots, and HTTP(S)_PROXY /
//! NO_PROXY as the SDK reads them, except that this machine is always reached directly. No
//! HTTP client of its own.

use super::describe::root_cause;
use aws_smithy_async::rt::sleep::default_async_sleep;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::{ConnectorBuilder, tls};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::byte_stream::ByteStream;
use std::time::Duration;

/// Where `GET url` goes, read by the parser the connector reads it with (the `http` crate's):
/// `true` for this machine, `false` for another host, which only https may reach — the request
/// carries secrets. A URL with userinfo is refused: in `http://localhost:1@elsewhere/` the host
/// is `elsewhere`, which a reader (and a check that splits at `:`) takes for `localhost`.
pub fn destination(url: &str) -> Result<bool, String> {
    let uri: http::Uri = url.parse().map_err(|_| "it is not a URL".to_string())?;
    let authority = uri.authority().ok_or("it names no host")?;
    if authority.as_str().contains('@') {
        return Err("it holds a user name before `@`, which hides the host".into());
    }
    let host = authority.host();
    let local = is_loopback(host.trim_start_matches('[').trim_end_matches(']'));
    match uri.scheme_str() {
        Some("https") if !host.is_empty() => Ok(local),
        Some("http") if local => Ok(true),
        Some("http") => Err(format!(
            "plain http goes to {host}, which is not this machine"
        )),
        _ => Err("it is not an https:// URL".into()),
    }
}

/// `localhost` or an address of this machine's loopback interface (127.0.0.0/8, ::1).
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The status and body of `GET url`, within `timeout`; a failure is its innermost cause, such
/// as "Connection refused (os error 111)" (the URL, which holds secrets, is never in it).
pub fn get(url: &str, timeout: Duration) -> Result<(u16, Vec<u8>), String> {
    // Checked here, where the request is made, whatever the caller checked.
    let local = destination(url).map_err(|why| format!("refused to connect: {why}"))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let settings = HttpConnectorSettings::builder()
        .connect_timeout(timeout.min(Duration::from_secs(3)))
        .read_timeout(timeout)
        .build();
    let mut builder = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
        tls::rustls_provider::CryptoMode::AwsLc,
    ));
    builder.set_connector_settings(Some(settings));
    builder.set_sleep_impl(default_async_sleep());
    // This machine is reached directly: a proxy would carry the request (and its secrets)
    // to another host, whatever NO_PROXY says.
    builder.set_proxy_config(Some(if local {
        ProxyConfig::disabled()
    } else {
        ProxyConfig::from_env()
    }));
    let connector = builder.build();
    let request = HttpRequest::get(url).map_err(|_| "not a valid URL".to_string())?;
    rt.block_on(async {
        let exchange = async {
            let response = connector.call(request).await.map_err(|e| root_cause(&e))?;
            let status = response.status().as_u16();
            let body = ByteStream::new(response.into_body())
                .collect()
                .await
                .map_err(|e| root_cause(&e))?
                .into_bytes();
            Ok((status, body.to_vec()))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} s", timeout.as_secs())))
    })
}
