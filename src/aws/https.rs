//! One HTTPS GET outside the AWS APIs (the console sign-in endpoint), through the connector the
//! SDK's clients are made of: the same hyper, rustls and trust roots, and HTTP(S)_PROXY /
//! NO_PROXY as the SDK reads them. No HTTP crate of its own.

use super::describe::root_cause;
use aws_smithy_async::rt::sleep::default_async_sleep;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::{ConnectorBuilder, tls};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::byte_stream::ByteStream;
use std::time::Duration;

/// The status and body of `GET url`, within `timeout`; a failure is its innermost cause, such
/// as "Connection refused (os error 111)" (the URL, which holds secrets, is never in it).
pub fn get(url: &str, timeout: Duration) -> Result<(u16, Vec<u8>), String> {
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
    builder.set_proxy_config(Some(ProxyConfig::from_env()));
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
