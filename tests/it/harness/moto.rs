//! A real moto server (IAM and STS): one shared by the tests, or one of a test's own.

use super::process::spawn_tied;
use super::util::{free_port, http, unique};
use std::process::Child;
use std::sync::{OnceLock, mpsc};
use std::time::{Duration, Instant};

pub struct Moto {
    pub url: String,
    child: Option<Child>,
}

impl Moto {
    pub fn spawn(program: &str, extra: &[&str]) -> Moto {
        let port = free_port().to_string();
        let mut args = extra.to_vec();
        args.extend(["-H", "127.0.0.1", "-p", &port]);
        let child = spawn_tied(program, &args);
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !matches!(http(&url, "GET", "/moto-api/", ""), Ok((200, _))) {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start on {url}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto {
            url,
            child: Some(child),
        }
    }

    /// A server of the test's own, for tests that change server-wide state (authentication).
    pub fn start() -> Moto {
        Moto::spawn("moto_server", &[])
    }

    /// One server shared by the tests that only add their own uniquely named users and roles.
    /// It is started from a thread that lives as long as the test process, and dies with it.
    pub fn shared() -> &'static Moto {
        static SHARED: OnceLock<Moto> = OnceLock::new();
        SHARED.get_or_init(|| {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                let mut moto = Moto::start();
                let child = moto.child.take();
                tx.send(moto).unwrap();
                let _keep = child;
                loop {
                    std::thread::park();
                }
            });
            rx.recv().unwrap()
        })
    }

    /// Turns moto's request authentication on (IAM policies and signatures are then checked).
    pub fn auth_on(&self) {
        let (status, body) = http(&self.url, "POST", "/moto-api/reset-auth", "0").unwrap();
        assert_eq!(status, 200, "{body}");
    }

    fn block<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn sdk_config(&self, key: &str, secret: &str, token: Option<&str>) -> aws_config::SdkConfig {
        let creds = aws_credential_types::Credentials::new(
            key,
            secret,
            token.map(str::to_string),
            None,
            "test",
        );
        Self::block(
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .credentials_provider(creds)
                .region(aws_config::Region::new("us-east-1"))
                .endpoint_url(&self.url)
                .load(),
        )
    }

    /// An IAM client with moto's admin-like default keys.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk_config("AKIAADMIN", "admin", None))
    }

    /// An STS client with the given keys.
    pub fn sts_as(&self, key: &str, secret: &str, token: Option<&str>) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.sdk_config(key, secret, token))
    }

    /// Blocks on an SDK future from a test.
    pub fn run<F: std::future::Future>(&self, f: F) -> F::Output {
        Self::block(f)
    }

    /// A new IAM user with an access key and `devices` enabled virtual MFA devices.
    pub fn user(&self, devices: usize) -> User {
        let iam = self.iam();
        let name = unique("user");
        Self::block(async {
            iam.create_user().user_name(&name).send().await.unwrap();
            let key = iam
                .create_access_key()
                .user_name(&name)
                .send()
                .await
                .unwrap();
            let key = key.access_key().unwrap();
            let mut serials = Vec::new();
            for i in 0..devices {
                let dev = iam
                    .create_virtual_mfa_device()
                    .virtual_mfa_device_name(format!("{name}-{i}"))
                    .send()
                    .await
                    .unwrap();
                let serial = dev
                    .virtual_mfa_device()
                    .unwrap()
                    .serial_number()
                    .to_string();
                iam.enable_mfa_device()
                    .user_name(&name)
                    .serial_number(&serial)
                    .authentication_code1("123456")
                    .authentication_code2("654321")
                    .send()
                    .await
                    .unwrap();
                serials.push(serial);
            }
            User {
                name: name.clone(),
                key_id: key.access_key_id().to_string(),
                secret: key.secret_access_key().to_string(),
                serials,
            }
        })
    }

    /// Gives the user every permission (for tests with authentication on).
    pub fn allow_all(&self, user: &User) {
        let iam = self.iam();
        Self::block(
            iam.put_user_policy()
                .user_name(&user.name)
                .policy_name("all")
                .policy_document(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                )
                .send(),
        )
        .unwrap();
    }

    /// A role anyone in the account may assume; returns its ARN.
    pub fn role(&self) -> String {
        self.role_lasting(None)
    }

    /// A role anyone in the account may assume, with this MaxSessionDuration (AWS's default,
    /// 3600 s, without); returns its ARN.
    pub fn role_lasting(&self, max: Option<i32>) -> String {
        let iam = self.iam();
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
        let out = Self::block(
            iam.create_role()
                .role_name(unique("role"))
                .assume_role_policy_document(trust)
                .set_max_session_duration(max)
                .send(),
        )
        .unwrap();
        out.role().unwrap().arn().to_string()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub struct User {
    pub name: String,
    pub key_id: String,
    pub secret: String,
    pub serials: Vec<String>,
}

impl User {
    pub fn identity_section(&self) -> String {
        format!(
            "[identity]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            self.key_id, self.secret
        )
    }
}
