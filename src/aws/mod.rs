//! AWS: the credentials awsmfa handles, and the client that makes its STS and IAM calls.

pub mod arn;
mod client;
mod describe;
pub mod endpoint;
pub mod https;
pub mod signin;

pub use client::{Aws, CALL_TIMEOUT};
pub use endpoint::Site;

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

/// What AssumeRole needs besides credentials and MFA.
pub struct RoleRequest<'a> {
    pub arn: &'a str,
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
}

/// Whether STS can take a code from the MFA device `serial`: virtual devices (`arn:…:mfa/…`)
/// and hardware TOTP tokens (a serial such as `GAHT12345678`) can; FIDO security keys
/// (`arn:…:u2f/…`) sign in to the console only.
pub fn takes_code(serial: &str) -> bool {
    !serial.contains(":u2f/")
}

/// The MFA device and the code it showed, sent with GetSessionToken or AssumeRole.
pub struct MfaCode {
    pub serial: String,
    pub code: String,
}
