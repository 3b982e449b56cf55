//! The AWS calls awsmfa makes, authenticated with exactly the keys it is given.
//!
//! Everything here runs on a current-thread tokio runtime built per invocation; the prompt and
//! completion paths never reach this module.

use crate::error::{Error, Result};
use crate::timefmt;
use aws_config::{BehaviorVersion, Region, SdkConfig, timeout::TimeoutConfig};
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_sts::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_sts::error::BoxError;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::date_time::{DateTime, Format};
use aws_smithy_types::error::display::DisplayErrorContext;
use std::time::Duration;

/// An access key pair with an optional session token.
#[derive(Clone)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

/// Temporary credentials and their expiry (epoch seconds).
#[derive(Clone)]
pub struct TempCreds {
    pub keys: Keys,
    pub expiration: i64,
}

/// Records how far the local clock is from the server's, from the Date header of STS's answers.
#[derive(Debug)]
struct DateHeader;

impl Intercept for DateHeader {
    fn name(&self) -> &'static str {
        "DateHeader"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        let date = context.response().headers().get("date");
        if let Some(server) = date.and_then(|d| DateTime::from_str(d, Format::HttpDate).ok()) {
            timefmt::observe_server_time(server.secs());
        }
        Ok(())
    }
}

/// What AssumeRole needs besides credentials and MFA.
pub struct RoleRequest<'a> {
    pub arn: &'a str,
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
}

/// The MFA device and code sent with a request; `None` for `skip`.
pub type Mfa<'a> = Option<(&'a str, &'a str)>;

pub struct Aws {
    rt: tokio::runtime::Runtime,
    conf: SdkConfig,
}

/// Where requests for `service` (`sts`, `iam`) go, for naming it in errors.
fn endpoint(service: &str) -> String {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    var(&format!("AWS_ENDPOINT_URL_{}", service.to_uppercase()))
        .or_else(|| var("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|| format!("https://{service}.amazonaws.com"))
}

/// One line for a failed call: AWS's own code and message, or what stood between us and AWS.
fn describe<E>(op: &str, service: &str, err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
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
        SdkError::TimeoutError(_) => format!(
            "{op} failed: no answer from {} in time; check the network, a proxy or AWS_ENDPOINT_URL",
            endpoint(service)
        ),
        SdkError::DispatchFailure(_) => format!(
            "{op} failed: cannot reach {} ({}); check the network, a proxy or AWS_ENDPOINT_URL",
            endpoint(service),
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
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut e = err;
    while let Some(source) = e.source() {
        e = source;
    }
    e.to_string()
}

/// The answer's credentials. The SDK fills missing required members with defaults (empty
/// strings, the epoch), so an answer cut short is caught here, before anything is written.
fn temp_creds(op: &str, c: Option<&aws_sdk_sts::types::Credentials>) -> Result<TempCreds> {
    let c = c.ok_or_else(|| Error::runtime(format!("{op} returned no credentials")))?;
    let missing = [
        ("AccessKeyId", c.access_key_id().is_empty()),
        ("SecretAccessKey", c.secret_access_key().is_empty()),
        ("SessionToken", c.session_token().is_empty()),
        ("Expiration", c.expiration().secs() <= 0),
    ];
    if let Some((what, _)) = missing.iter().find(|(_, gone)| *gone) {
        return Err(Error::runtime(format!(
            "{op} returned incomplete credentials (no {what}); nothing was written"
        )));
    }
    Ok(TempCreds {
        keys: Keys {
            access_key_id: c.access_key_id().to_string(),
            secret_access_key: c.secret_access_key().to_string(),
            session_token: Some(c.session_token().to_string()),
        },
        expiration: c.expiration().secs(),
    })
}

impl Aws {
    pub fn new(keys: &Keys, region: &str) -> Result<Aws> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::runtime(format!("cannot start the async runtime: {e}")))?;
        let creds = Credentials::new(
            &keys.access_key_id,
            &keys.secret_access_key,
            keys.session_token.clone(),
            None,
            "awsmfa",
        );
        // An unreachable endpoint must fail in about ten seconds, never hang.
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(3))
            .operation_attempt_timeout(Duration::from_secs(4))
            .operation_timeout(Duration::from_secs(10))
            .build();
        // The credentials file is ours to read (and may be large): the SDK gets the keys
        // directly and reads only the config file, for settings such as endpoint_url.
        let files = EnvConfigFiles::builder()
            .include_default_config_file(true)
            .include_default_credentials_file(false)
            .build();
        let conf = rt.block_on(
            aws_config::defaults(BehaviorVersion::latest())
                .profile_files(files)
                .credentials_provider(creds)
                .region(Region::new(region.to_string()))
                .timeout_config(timeouts)
                .load(),
        );
        Ok(Aws { rt, conf })
    }

    /// STS with a look at each answer's Date header, for the clock-skew check.
    fn sts(&self) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::config::Builder::from(&self.conf)
            .interceptor(DateHeader)
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.conf)
    }

    /// The IAM user name these keys belong to.
    pub fn user_name(&self) -> Result<String> {
        let out = self
            .rt
            .block_on(self.iam().get_user().send())
            .map_err(|e| describe("iam:GetUser", "iam", e))?;
        Ok(out
            .user()
            .map(|u| u.user_name().to_string())
            .unwrap_or_default())
    }

    /// Serial numbers of the user's MFA devices, in the order IAM lists them.
    pub fn mfa_devices(&self, user: &str) -> Result<Vec<String>> {
        let out = self
            .rt
            .block_on(self.iam().list_mfa_devices().user_name(user).send())
            .map_err(|e| describe("iam:ListMFADevices", "iam", e))?;
        Ok(out
            .mfa_devices()
            .iter()
            .map(|d| d.serial_number().to_string())
            .collect())
    }

    pub fn session_token(&self, mfa: Mfa, duration: u32) -> Result<TempCreds> {
        let req = self
            .sts()
            .get_session_token()
            .duration_seconds(duration as i32)
            .set_serial_number(mfa.map(|m| m.0.to_string()))
            .set_token_code(mfa.map(|m| m.1.to_string()));
        let out = self
            .rt
            .block_on(req.send())
            .map_err(|e| describe("sts:GetSessionToken", "sts", e))?;
        temp_creds("sts:GetSessionToken", out.credentials())
    }

    pub fn assume_role(&self, role: &RoleRequest, mfa: Mfa, duration: u32) -> Result<TempCreds> {
        let role_arn = role.arn;
        let req = self
            .sts()
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(role.session_name)
            .set_external_id(role.external_id.map(str::to_string))
            .duration_seconds(duration as i32)
            .set_serial_number(mfa.map(|m| m.0.to_string()))
            .set_token_code(mfa.map(|m| m.1.to_string()));
        let out = self.rt.block_on(req.send()).map_err(|e| {
            let err = describe("sts:AssumeRole", "sts", e);
            if err.msg.contains("DurationSeconds exceeds") {
                Error::runtime(format!(
                    "{role_arn} does not allow sessions of {duration} s (its MaxSessionDuration is \
                     lower); ask for less with `-d 3600`, or raise the role's MaxSessionDuration"
                ))
            } else {
                err
            }
        })?;
        temp_creds("sts:AssumeRole", out.credentials())
    }

    /// The ARN these credentials act as.
    pub fn caller_arn(&self) -> Result<String> {
        let out = self
            .rt
            .block_on(self.sts().get_caller_identity().send())
            .map_err(|e| describe("sts:GetCallerIdentity", "sts", e))?;
        Ok(out.arn().unwrap_or_default().to_string())
    }

    /// Access key ids of `user`.
    pub fn access_keys(&self, user: &str) -> Result<Vec<String>> {
        let out = self
            .rt
            .block_on(self.iam().list_access_keys().user_name(user).send())
            .map_err(|e| describe("iam:ListAccessKeys", "iam", e))?;
        Ok(out
            .access_key_metadata()
            .iter()
            .filter_map(|k| k.access_key_id().map(str::to_string))
            .collect())
    }

    pub fn create_access_key(&self, user: &str) -> Result<Keys> {
        let out = self
            .rt
            .block_on(self.iam().create_access_key().user_name(user).send())
            .map_err(|e| describe("iam:CreateAccessKey", "iam", e))?;
        let key = out
            .access_key()
            .ok_or_else(|| Error::runtime("iam:CreateAccessKey returned no key"))?;
        Ok(Keys {
            access_key_id: key.access_key_id().to_string(),
            secret_access_key: key.secret_access_key().to_string(),
            session_token: None,
        })
    }

    pub fn delete_access_key(&self, user: &str, key_id: &str) -> Result<()> {
        let req = self
            .iam()
            .delete_access_key()
            .user_name(user)
            .access_key_id(key_id);
        self.rt
            .block_on(req.send())
            .map_err(|e| describe("iam:DeleteAccessKey", "iam", e))?;
        Ok(())
    }
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
