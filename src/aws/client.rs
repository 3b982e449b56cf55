//! The AWS calls awsmfa makes, authenticated with exactly the keys it is given and sent where
//! the `Site` says (see endpoint.rs): the SDK reads no profile file and no endpoint setting of
//! its own.
//!
//! Each client runs on a current-thread tokio runtime of its own, built only when a call is
//! needed: the prompt path, completion and runs the MFA session cache answers never build one.
//! A service whose endpoint is plain `http://` (a local emulator, a test server) is called
//! through a connector without TLS: the TLS one loads every system root certificate when it is
//! built (one file each where SSL_CERT_DIR is set), which such a call never uses.

use super::describe::{Destination, describe};
use super::endpoint::Endpoint;
use super::{Keys, MfaCode, RoleRequest, Site, TempCreds};
use crate::error::{Error, Result};
use crate::timefmt;
use aws_config::{BehaviorVersion, Region, SdkConfig, timeout::TimeoutConfig};
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_sts::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_sts::error::{BoxError, ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::{Builder as HttpBuilder, Connector};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::date_time::{DateTime, Format};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// Records where each request went, so that an error names the endpoint actually called.
#[derive(Debug, Clone, Default)]
struct Called(Arc<Mutex<Option<String>>>);

impl Called {
    fn set(&self, url: Option<String>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = url;
    }

    fn get(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Intercept for Called {
    fn name(&self) -> &'static str {
        "Called"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        let uri = context.request().uri();
        let base = uri.split(['?', '#']).next().unwrap_or(uri);
        self.set(Some(base.trim_end_matches('/').to_string()));
        Ok(())
    }
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
    let creds = TempCreds {
        keys: Keys {
            access_key_id: c.access_key_id().to_string(),
            secret_access_key: c.secret_access_key().to_string(),
            session_token: Some(c.session_token().to_string()),
        },
        expiration: c.expiration().secs(),
    };
    let longest = if op == "sts:AssumeRole" {
        ASSUME_ROLE_MAX
    } else {
        SESSION_TOKEN_MAX
    };
    match unlike_aws(&creds, timefmt::now(), longest) {
        Some(why) => Err(Error::runtime(format!(
            "{op} returned credentials STS does not issue ({why}); nothing was written; check \
             that the STS endpoint is genuine and this machine's clock is right"
        ))),
        None => Ok(creds),
    }
}

/// The longest sessions STS issues: GetSessionToken's 36 hours, AssumeRole's 12.
const SESSION_TOKEN_MAX: i64 = 129_600;
const ASSUME_ROLE_MAX: i64 = 43_200;

/// Whether `text` is made of the characters AWS issues keys and tokens in: letters and digits,
/// with `+/=` (base64) where `base64`.
fn issued(text: &str, base64: bool) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || (base64 && b"+/=".contains(&b)))
}

/// Why `creds`, answered at `now` (by AWS's clock when ours is seen to be off), are not what STS
/// issues, if they are not: keys and tokens outside AWS's alphabets (such a value would be a
/// line break in the credentials file, or shell code in `--env`), or an expiration already
/// past or about to pass, or later than the `longest` session STS gives. Both ends allow the
/// clock difference awsmfa does not correct (`timefmt::SKEW_LIMIT`). The values are never
/// shown: they may be secrets.
fn unlike_aws(creds: &TempCreds, now: i64, longest: i64) -> Option<String> {
    let token = creds.keys.session_token.as_deref().unwrap_or_default();
    let odd = [
        ("AccessKeyId", issued(&creds.keys.access_key_id, false)),
        (
            "SecretAccessKey",
            issued(&creds.keys.secret_access_key, true),
        ),
        ("SessionToken", issued(token, true)),
    ];
    if let Some((what, _)) = odd.iter().find(|(_, ok)| !ok) {
        return Some(format!(
            "its {what} holds characters other than letters, digits and +/="
        ));
    }
    let left = creds.expiration - now;
    let slack = timefmt::SKEW_LIMIT;
    if left <= slack {
        return Some(format!(
            "they expire at {}, {}",
            timefmt::rfc3339(creds.expiration),
            if left <= 0 {
                "already past".to_string()
            } else {
                format!("in {left} s")
            }
        ));
    }
    (left > longest + slack).then(|| {
        format!(
            "they expire at {}, later than the {longest} s STS allows",
            timefmt::rfc3339(creds.expiration)
        )
    })
}

/// Whether calls to `endpoint` need no TLS at all: a plain `http://` endpoint, reached directly
/// or through a plain-HTTP proxy. `env` reads a variable. Proxies as the SDK's connector reads
/// them (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, either case): any `https://` proxy keeps TLS.
fn plain_http(endpoint: Option<&Endpoint>, env: impl Fn(&str) -> Option<String>) -> bool {
    let http = endpoint.is_some_and(|e| {
        e.url
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
    });
    let proxies = [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ];
    http && !proxies
        .iter()
        .any(|v| env(v).is_some_and(|p| p.starts_with("https://")))
}

/// The SDK's default HTTP client (hyper, the same timeouts, sleep and proxies from the
/// environment) without TLS: never loads a certificate.
fn plain_http_client() -> SharedHttpClient {
    HttpBuilder::new().build_with_connector_fn(|settings, components| {
        let mut builder = Connector::builder();
        builder.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            builder.set_sleep_impl(components.sleep_impl());
        }
        builder.set_proxy_config(Some(ProxyConfig::from_env()));
        builder.build_http()
    })
}

pub struct Aws {
    rt: tokio::runtime::Runtime,
    conf: SdkConfig,
    site: Site,
    called: Called,
    /// The HTTP clients for STS and IAM where `plain_http` says they need no TLS (one client
    /// without TLS, shared); `None`: the SDK's default, with TLS.
    sts_http: Option<SharedHttpClient>,
    iam_http: Option<SharedHttpClient>,
}

/// How long one call may take, retries included, unless the caller allows less: an
/// unreachable endpoint fails in about ten seconds, never hangs.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

impl Aws {
    pub fn new(keys: &Keys, site: &Site) -> Result<Aws> {
        Aws::with_timeout(keys, site, CALL_TIMEOUT)
    }

    /// A client whose calls give up after `timeout`, retries included (connecting and each
    /// attempt get at most 3 s and 4 s of it).
    pub fn with_timeout(keys: &Keys, site: &Site, timeout: Duration) -> Result<Aws> {
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
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .operation_attempt_timeout(timeout.min(Duration::from_secs(4)))
            .operation_timeout(timeout)
            .build();
        // No profile file: AWS_PROFILE must not choose settings for the identity's calls. The
        // one profile the SDK sees makes it ignore the endpoints it would find itself (in the
        // environment), so that only the site's, set on each client, count.
        let files = EnvConfigFiles::builder()
            .with_contents(
                EnvConfigFileKind::Config,
                "[default]\nignore_configured_endpoint_urls = true\n",
            )
            .build();
        let conf = rt.block_on(
            aws_config::defaults(BehaviorVersion::latest())
                .profile_files(files)
                .profile_name("default")
                .credentials_provider(creds)
                .region(Region::new(site.region.clone()))
                .timeout_config(timeouts)
                .load(),
        );
        let plain =
            [&site.sts, &site.iam].map(|e| plain_http(e.as_ref(), |v| std::env::var(v).ok()));
        let http = plain.contains(&true).then(plain_http_client);
        Ok(Aws {
            rt,
            conf,
            site: site.clone(),
            called: Called::default(),
            sts_http: http.clone().filter(|_| plain[0]),
            iam_http: http.filter(|_| plain[1]),
        })
    }

    /// Runs one request `op` (`service:Action`) to its end; a failure is one line.
    fn call<T, E>(
        &self,
        op: &str,
        request: impl Future<Output = std::result::Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.called.set(None);
        self.rt.block_on(request).map_err(|e| {
            let configured = match op.split(':').next() {
                Some("iam") => self.site.iam.as_ref(),
                _ => self.site.sts.as_ref(),
            };
            let to = Destination {
                called: self.called.get(),
                configured,
            };
            describe(op, e, &to)
        })
    }

    /// STS with a look at each answer's Date header, for the clock-skew check.
    fn sts(&self) -> aws_sdk_sts::Client {
        let mut conf = aws_sdk_sts::config::Builder::from(&self.conf)
            .interceptor(DateHeader)
            .interceptor(self.called.clone());
        conf.set_endpoint_url(self.site.sts.as_ref().map(|e| e.url.clone()));
        if let Some(http) = &self.sts_http {
            conf.set_http_client(Some(http.clone()));
        }
        aws_sdk_sts::Client::from_conf(conf.build())
    }

    fn iam(&self) -> aws_sdk_iam::Client {
        let mut conf =
            aws_sdk_iam::config::Builder::from(&self.conf).interceptor(self.called.clone());
        conf.set_endpoint_url(self.site.iam.as_ref().map(|e| e.url.clone()));
        if let Some(http) = &self.iam_http {
            conf.set_http_client(Some(http.clone()));
        }
        aws_sdk_iam::Client::from_conf(conf.build())
    }

    /// The IAM user name these keys belong to.
    pub fn user_name(&self) -> Result<String> {
        let out = self.call("iam:GetUser", self.iam().get_user().send())?;
        Ok(out
            .user()
            .map(|u| u.user_name().to_string())
            .unwrap_or_default())
    }

    /// Serial numbers of the user's MFA devices, in the order IAM lists them.
    pub fn mfa_devices(&self, user: &str) -> Result<Vec<String>> {
        let req = self.iam().list_mfa_devices().user_name(user);
        let out = self.call("iam:ListMFADevices", req.send())?;
        let serials = out.mfa_devices().iter().map(|d| d.serial_number());
        Ok(serials.map(str::to_string).collect())
    }

    pub fn session_token(&self, mfa: Option<&MfaCode>, duration: u32) -> Result<TempCreds> {
        let req = self
            .sts()
            .get_session_token()
            .duration_seconds(duration as i32)
            .set_serial_number(mfa.map(|m| m.serial.clone()))
            .set_token_code(mfa.map(|m| m.code.clone()));
        let out = self.call("sts:GetSessionToken", req.send())?;
        temp_creds("sts:GetSessionToken", out.credentials())
    }

    pub fn assume_role(
        &self,
        role: &RoleRequest,
        mfa: Option<&MfaCode>,
        duration: u32,
    ) -> Result<TempCreds> {
        let req = self
            .sts()
            .assume_role()
            .role_arn(role.arn)
            .role_session_name(role.session_name)
            .set_external_id(role.external_id.map(str::to_string))
            .duration_seconds(duration as i32)
            .set_serial_number(mfa.map(|m| m.serial.clone()))
            .set_token_code(mfa.map(|m| m.code.clone()));
        let out = self.call("sts:AssumeRole", req.send())?;
        temp_creds("sts:AssumeRole", out.credentials())
    }

    /// The longest session the role `name` of these keys' account allows (MaxSessionDuration).
    pub fn role_max_session(&self, name: &str) -> Result<Option<u32>> {
        let out = self.call("iam:GetRole", self.iam().get_role().role_name(name).send())?;
        let max = out.role().and_then(|r| r.max_session_duration());
        Ok(max.and_then(|m| u32::try_from(m).ok()))
    }

    /// The ARN these credentials act as.
    pub fn caller_arn(&self) -> Result<String> {
        let out = self.call(
            "sts:GetCallerIdentity",
            self.sts().get_caller_identity().send(),
        )?;
        Ok(out.arn().unwrap_or_default().to_string())
    }

    /// Access key ids of `user`.
    pub fn access_keys(&self, user: &str) -> Result<Vec<String>> {
        let req = self.iam().list_access_keys().user_name(user);
        let out = self.call("iam:ListAccessKeys", req.send())?;
        let ids = out
            .access_key_metadata()
            .iter()
            .filter_map(|k| k.access_key_id());
        Ok(ids.map(str::to_string).collect())
    }

    pub fn create_access_key(&self, user: &str) -> Result<Keys> {
        let out = self.call(
            "iam:CreateAccessKey",
            self.iam().create_access_key().user_name(user).send(),
        )?;
        let key = out
            .access_key()
            .ok_or_else(|| Error::runtime("iam:CreateAccessKey returned no key"))?;
        let usable = !key.access_key_id().is_empty()
            && issued(key.access_key_id(), false)
            && issued(key.secret_access_key(), true);
        if !usable {
            return Err(Error::runtime(
                "iam:CreateAccessKey returned a key IAM does not issue (empty, or characters \
                 other than letters, digits and +/=); check that the IAM endpoint is genuine",
            ));
        }
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
        self.call("iam:DeleteAccessKey", req.send())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(url: &str) -> Endpoint {
        Endpoint {
            url: url.to_string(),
            origin: "test".to_string(),
        }
    }

    fn creds(key: &str, secret: &str, token: &str, expiration: i64) -> TempCreds {
        TempCreds {
            keys: Keys {
                access_key_id: key.into(),
                secret_access_key: secret.into(),
                session_token: Some(token.into()),
            },
            expiration,
        }
    }

    #[test]
    fn only_plain_http_endpoints_without_a_tls_proxy_skip_tls() {
        let none = |_: &str| None;
        assert!(plain_http(Some(&at("http://127.0.0.1:5000")), none));
        assert!(plain_http(Some(&at("HTTP://localhost")), none));
        assert!(!plain_http(Some(&at("https://sts.amazonaws.com")), none));
        assert!(!plain_http(Some(&at("http")), none));
        assert!(!plain_http(None, none));
        let proxy =
            |value: &'static str| move |v: &str| (v == "https_proxy").then(|| value.to_string());
        let local = at("http://127.0.0.1:5000");
        assert!(plain_http(Some(&local), proxy("http://proxy:3128")));
        assert!(!plain_http(Some(&local), proxy("https://proxy:3128")));
    }

    #[test]
    fn answers_sts_would_not_give_are_told_apart() {
        let now = 1_800_000_000;
        let good = creds("ASIAX1", "a+b/c=", "IQoJb3//+==", now + 3600);
        assert_eq!(unlike_aws(&good, now, ASSUME_ROLE_MAX), None);
        let longest = creds("ASIAX1", "s", "t", now + SESSION_TOKEN_MAX + 60);
        assert_eq!(unlike_aws(&longest, now, SESSION_TOKEN_MAX), None);
        assert!(unlike_aws(&longest, now, ASSUME_ROLE_MAX).is_some());
        for bad in [
            creds("ASIA+X", "s", "t", now + 3600),
            creds("ASIAX", "s$(id)", "t", now + 3600),
            creds("ASIAX", "s", "t\nx", now + 3600),
            creds("ASIAX", "s", "t ", now + 3600),
            creds("ASIAX", "s", "tü", now + 3600),
            creds("ASIAX", "s", "t", now - 1),
            creds("ASIAX", "s", "t", now + 30),
            creds("ASIAX", "s", "t", 253_402_300_799),
        ] {
            assert!(unlike_aws(&bad, now, SESSION_TOKEN_MAX).is_some());
        }
    }
}
