//! One line for a failed AWS call: AWS's own code and message, or what stood between us and
//! AWS, naming the endpoint called and where it was configured.

use super::endpoint::Endpoint;
use crate::error::Error;
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;

/// Where a failed call went: the URL of its request, when one was sent, and the endpoint
/// configured for its service, if any.
pub(super) struct Destination<'a> {
    pub called: Option<String>,
    pub configured: Option<&'a Endpoint>,
}

impl Destination<'_> {
    /// The endpoint called, and the fix to suggest: where it was configured, if it was.
    fn describe(&self) -> (String, String) {
        let url = self
            .called
            .clone()
            .or_else(|| self.configured.map(|e| e.url.clone()))
            .unwrap_or_else(|| "AWS".to_string());
        let fix = match self.configured {
            Some(e) => format!("check the network, a proxy or {}", e.origin),
            None => "check the network or a proxy".to_string(),
        };
        (url, fix)
    }
}

/// One line for a failed call `op` (`service:Action`) to `to`: AWS's own code and message, or
/// what stood between us and AWS.
pub(super) fn describe<E>(op: &str, err: SdkError<E, HttpResponse>, to: &Destination) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let (url, fix) = to.describe();
    let mut aws_code = None;
    let msg = match &err {
        SdkError::ServiceError(e) => {
            // Some endpoints (proxies, emulators) wrap errors in XML the SDK does not parse:
            // read the code and message from the body then.
            let body = e
                .raw()
                .body()
                .bytes()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let code = e.err().code().or_else(|| xml_tag(&body, "Code"));
            let message = e.err().message().or_else(|| xml_tag(&body, "Message"));
            aws_code = code.map(str::to_string);
            match (code, message) {
                (Some(c), Some(m)) => format!("{op} failed: {c}: {m}"),
                (Some(c), None) => format!("{op} failed: {c}"),
                _ => format!("{op} failed: HTTP {}", e.raw().status()),
            }
        }
        SdkError::TimeoutError(_) => format!("{op} failed: no answer from {url} in time; {fix}"),
        SdkError::DispatchFailure(_) => format!(
            "{op} failed: cannot reach {url} ({}); {fix}",
            root_cause(&err)
        ),
        _ => format!("{op} failed: {}", DisplayErrorContext(&err)),
    };
    Error {
        aws_code,
        ..Error::runtime(msg.replace('\n', " "))
    }
}

/// The text of the first `<tag>…</tag>` in `xml`.
fn xml_tag<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let len = xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..start + len].trim()).filter(|t| !t.is_empty())
}

/// The innermost error of a chain, e.g. `Connection refused (os error 111)`.
pub(super) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut e = err;
    while let Some(source) = e.source() {
        e = source;
    }
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_tags() {
        let body = "<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code>\
                    <Message>The token is invalid.</Message></Error></Errors></ErrorResponse>";
        assert_eq!(xml_tag(body, "Code"), Some("InvalidClientTokenId"));
        assert_eq!(xml_tag(body, "Message"), Some("The token is invalid."));
        assert_eq!(xml_tag(body, "Type"), None);
        assert_eq!(xml_tag("<Code></Code>", "Code"), None);
    }
}
